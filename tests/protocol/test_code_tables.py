"""§3's tables (message types, NAK codes, EVENT codes, states) and §2.3's limits, read from
firmware_protocol.md, against both implementations: the simulator's and the host's (both all of 1.1).

A row the host does not know would be listed below as the host's to-do (only ever a newer minor's row);
the test fails, and asks for the list to be updated, as soon as the host gains or loses one.
"""

from __future__ import annotations

from enum import IntEnum

import pytest

import sim.protocol as sim_protocol
from tests.protocol_vectors import doc_table, host_protocol

HOST_TODO: dict[str, set[str]] = {  # rows of the document the host does not know yet: none
    "MsgType": set(),
    "NakCode": set(),
    "EventCode": set(),
    "DeviceState": set(),
}
HOST_TODO_LIMITS: dict[str, int] = {}  # limits where the host differs from §2.3: none

TABLES = {  # enum name → (first header of its table, column holding the value, column holding the name)
    "MsgType": ("type", "type", "name"),
    "NakCode": ("NAK code", "NAK code", "name"),
    "EventCode": ("event", "event", "name"),
    "DeviceState": ("state", "value", "state"),
}


def _doc_rows(enum_name: str) -> dict[str, tuple[int, str]]:
    """name → (value, since) for every row of the enum's table; `since` is 1.0 where the table has none."""
    first, value_col, name_col = TABLES[enum_name]
    return {row[name_col]: (int(row[value_col], 0), row.get("since", "1.0")) for row in doc_table(first)}


def _members(enum: type[IntEnum]) -> dict[str, int]:
    return {m.name: int(m.value) for m in enum}


@pytest.mark.parametrize("enum_name", sorted(TABLES))
def test_the_simulator_has_exactly_the_documents_rows(enum_name: str) -> None:
    doc = {name: value for name, (value, _) in _doc_rows(enum_name).items()}
    assert _members(getattr(sim_protocol, enum_name)) == doc


@pytest.mark.parametrize("enum_name", sorted(TABLES))
def test_the_host_has_the_1_0_rows_and_only_its_listed_to_do_is_missing(enum_name: str) -> None:
    rows = _doc_rows(enum_name)
    host = _members(getattr(host_protocol, enum_name))
    assert {name for name, (_, since) in rows.items() if since == "1.0"} <= set(host)
    assert {name: value for name, value in host.items()} == {
        name: value for name, (value, _) in rows.items() if name in host}  # no extra rows, same values
    missing = set(rows) - set(host)
    assert missing == HOST_TODO[enum_name], "update HOST_TODO: the host gained or lost a row"
    assert all(rows[name][1] == "1.1" for name in missing)  # the host's to-do is only ever 1.1's


def test_document_tables_are_the_ones_expected() -> None:
    assert len(_doc_rows("MsgType")) == 15 and _doc_rows("MsgType")["RENEW"] == (0x09, "1.1")
    assert _doc_rows("NakCode")["ZONE_OFF"] == (14, "1.1") and len(_doc_rows("EventCode")) == 8


def test_limits_match_section_2_3() -> None:
    doc = {row["constant"]: int(row["value"].split()[0]) for row in doc_table("constant")}
    assert doc == {"MAX_PAYLOAD": 240, "MAX_BODY": 246, "MAX_ENCODED": 247, "MIN_BODY": 6}
    assert {name: getattr(sim_protocol, name) for name in doc} == doc
    host = {name: getattr(host_protocol, name) for name in doc}
    assert {name: value for name, value in host.items() if value != doc[name]} == HOST_TODO_LIMITS
