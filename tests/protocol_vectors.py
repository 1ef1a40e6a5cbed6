"""firmware_protocol.md read by the tests: Appendix A's golden vectors and §3's code tables, straight from the
document, so the document cannot drift from either implementation.

This is also the one place the tests about the document import the host's protocol module
(`host_protocol`), so a move of `controller/` needs one import fixed here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from controller.wire import protocol as host_protocol  # the host's reading of the document

DOC = Path(__file__).resolve().parents[1] / "firmware_protocol.md"
_BLOCK = re.compile(r"```vector\n(.*?)```", re.S)

__all__ = ["DOC", "Vector", "doc_table", "host_protocol", "load_vectors"]


@dataclass(frozen=True)
class Vector:
    """One ```vector block of Appendix A; `since` is the (major, minor) that introduced the frame."""

    name: str
    direction: str
    seq: int
    type: str
    since: tuple[int, int]
    fields: dict[str, Any]
    body: bytes
    wire: bytes


def _version(text: str) -> tuple[int, int]:
    major, minor = text.split(".")
    return int(major), int(minor)


def _parse(block: str) -> Vector:
    """One block of `key: value` lines; `since` defaults to 1.0."""
    raw = dict(line.split(":", 1) for line in block.strip().splitlines())
    raw = {k.strip(): v.strip() for k, v in raw.items()}
    return Vector(
        name=raw["name"], direction=raw["dir"], seq=int(raw["seq"]), type=raw["type"],
        since=_version(raw.get("since", "1.0")), fields=json.loads(raw["fields"]),
        body=bytes.fromhex(raw["body"]), wire=bytes.fromhex(raw["wire"]),
    )


def load_vectors(minor: int | None = None) -> list[Vector]:
    """Every vector block in document order; with `minor`, only frames a 1.`minor` codec knows."""
    vectors = [_parse(b) for b in _BLOCK.findall(DOC.read_text(encoding="utf-8"))]
    return vectors if minor is None else [v for v in vectors if v.since <= (1, minor)]


def doc_table(first_header: str) -> list[dict[str, str]]:
    """The rows of the Markdown table whose header row starts with `| first_header |`, keyed by header."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    headers = _cells(lines[start])
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(dict(zip(headers, _cells(line), strict=True)))
    return rows


def _cells(line: str) -> list[str]:
    return [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
