"""A session log's lines as records, and where each session in a log begins (controller/runs/report.py).

A line that is not a record — not JSON, nested past the parser's depth, with NaN, infinite or absurd times —
is None here, counted as malformed by the report, never an error.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MAX_LINE_BYTES = 64 * 1024   # a record longer than this is damage: skipped, never held whole
MAX_ABS_T_S = 1e9            # a time beyond ±31 years is damage, not a session


def parse_record(line: str) -> dict[str, Any] | None:
    """The record on one line of a log, or None when the line holds no record (damaged)."""
    try:
        record = json.loads(line, parse_constant=_no_constant, parse_float=_finite_float)
    except (ValueError, RecursionError):  # RecursionError: arrays nested deeper than the parser goes
        return None
    return record if _is_record(record) else None


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a session log holds")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is not a finite number")
    return value


def parse_lines(lines: Iterable[str]) -> tuple[list[dict[str, Any]], int]:
    """Records from JSON Lines text, and how many non-blank lines were not records (skipped)."""
    records: list[dict[str, Any]] = []
    malformed = 0
    for line in lines:
        if not line.strip():
            continue
        record = parse_record(line)
        if record is None:
            malformed += 1
        else:
            records.append(record)
    return records, malformed


def _is_record(record: object) -> bool:
    if not (isinstance(record, dict) and isinstance(record.get("kind"), str)):
        return False
    t = record.get("t")
    return isinstance(t, int | float) and not isinstance(t, bool) and abs(t) <= MAX_ABS_T_S


@dataclass
class Boundaries:
    """Where sessions begin, for records read in order (a log appended to by several runs holds several).

    A run logs its handshake before its `session` record, so a session runs from the first record after the
    previous session's `end`; a second `session` record before any `end` (a run cut short) starts one too.
    """

    has_session: bool = False
    ended: bool = True  # the log's first record begins a session

    def starts(self, record: dict[str, Any]) -> bool:
        kind = record["kind"]
        start = self.ended or (kind == "session" and self.has_session)
        self.has_session = (self.has_session and not start) or kind == "session"
        self.ended = kind == "end"
        return start


def split_sessions(records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """One list per session, as when a log file is appended to by several runs (Boundaries)."""
    chunks: list[list[dict[str, Any]]] = []
    boundaries = Boundaries()
    for record in records:
        if boundaries.starts(record):
            chunks.append([])
        chunks[-1].append(record)
    return chunks
