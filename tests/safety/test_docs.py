"""docs/safety.md states the condition table and the limits; these tests keep it true to the code."""

from __future__ import annotations

from pathlib import Path

from controller.safety.health import CONDITION_RULES
from controller.safety.limits import (
    DEFAULT_MAX_INTENSITY,
    DEFAULT_SESSION_LIMIT_S,
    HARD_MAX_SESSION_S,
    LIGHT_PRESSURE_MAX_INTENSITY,
    MAX_RAMP_LEVELS_PER_S,
    MIN_PAUSE_BETWEEN_SESSIONS_S,
    SHORT_SESSION_LIMIT_S,
    SKIN_CONTACT_MAX_C,
)

DOC = (Path(__file__).resolve().parents[2] / "docs" / "safety.md").read_text()


def _condition_rows() -> dict[str, list[bool]]:
    rows = {}
    for line in DOC.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 7:
            rows[cells[0].split("`")[1]] = [c == "yes" for c in cells[1:6]]
    return rows


def test_the_condition_table_matches_the_rules() -> None:
    expected = {
        name: [r.refuse_always, r.light_pressure, r.no_heat, r.short_session, r.needs_ack]
        for name, r in CONDITION_RULES.items()
    }
    assert _condition_rows() == expected


def test_the_limits_table_states_the_named_constants() -> None:
    assert f"| intensity, every zone | {DEFAULT_MAX_INTENSITY} / 10 | 10 / 10 |" in DOC
    assert f"| light-pressure cap (conditions below) | {LIGHT_PRESSURE_MAX_INTENSITY} / 10 |" in DOC
    assert f"| ramp rate | {MAX_RAMP_LEVELS_PER_S:g} levels / s |" in DOC
    assert f"| skin-contact temperature | {SKIN_CONTACT_MAX_C:g} °C |" in DOC
    assert f"| session length | {DEFAULT_SESSION_LIMIT_S // 60} min | {HARD_MAX_SESSION_S // 60} min |" in DOC
    assert f"| short session (conditions below) | {SHORT_SESSION_LIMIT_S // 60} min |" in DOC
    assert f"| pause between sessions | {MIN_PAUSE_BETWEEN_SESSIONS_S // 60} min |" in DOC


def test_the_device_cap_margin_is_the_documented_one() -> None:
    from controller.safety.limits import DEVICE_CAP_MARGIN_S

    assert f"lowered to end {DEVICE_CAP_MARGIN_S} s before the device's cap" in " ".join(DOC.split())
