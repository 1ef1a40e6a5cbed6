"""Durations written the way people write them (`90s`, `2m`, `1m30s`, `90`), as whole seconds."""

from __future__ import annotations

import re

from controller.safety.limits import HARD_MAX_SESSION_S
from controller.timetext import format_duration

# Whole seconds keep every command boundary exact: timelines add up without float drift.
DURATION_PATTERN = r"^(?=.*\d)\s*(?:(\d{1,5})\s*m(?:in)?)?\s*(?:(\d{1,5})\s*s(?:ec)?)?\s*$"
_DURATION_RE = re.compile(DURATION_PATTERN)
MAX_STEP_S = HARD_MAX_SESSION_S
HINT = "write it like 90s, 2m, 1m30s or a number of seconds"


def parse_duration(value: object) -> int:
    """Seconds in `value` (int seconds or text like 1m30s); raises ValueError saying how to write it."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"cannot read {value!r}: {HINT}")
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{value} is not a whole number of seconds")
        seconds = int(value)
    elif isinstance(value, str):
        seconds = text_seconds(value)
    else:
        raise ValueError(f"cannot read {value!r}: {HINT}")
    return _check_range(seconds, value)


def text_seconds(text: str) -> int:
    """Seconds in a text duration (`90`, `90s`, `2m`, `1m30s`), not range-checked; ValueError if not one."""
    if text.strip().isdigit():
        return int(text)
    match = _DURATION_RE.match(text)
    if not match or not any(match.groups()):
        raise ValueError(f"cannot read {text!r}: {HINT}")
    minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return minutes * 60 + seconds


def _check_range(seconds: int, written: object) -> int:
    """`seconds`, if a step may last that long."""
    if seconds <= 0:
        raise ValueError(f"must be more than 0 s, got {written!r}")
    if seconds > MAX_STEP_S:
        raise ValueError(
            f"{format_duration(seconds)} is longer than a whole session may last "
            f"({format_duration(MAX_STEP_S)})"
        )
    return seconds
