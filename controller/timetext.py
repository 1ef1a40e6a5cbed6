"""Time as people read it, each way written once (no clock here: these only format seconds).

    format_duration   45s, 2m, 1m30s, 10m05s   how a program file writes a duration (parsed back by
                                               controller/program/duration.py)
    minutes_text      0:45, 2:00, 10:05        a program's length or a session limit in a message or a table
    clock_text        00:45, 10:05, 1:02:03    elapsed and remaining time, as a massager's display shows it
    stamp_text        00:00:45, 01:02:03       the plain view's line stamps: fixed width, so lines align
"""

from __future__ import annotations


def format_duration(seconds: float) -> str:
    """`seconds` the way a program file writes it: 45s, 2m, 1m30s."""
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes and secs:
        return f"{minutes}m{secs:02d}s"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def minutes_text(seconds: float) -> str:
    """m:ss, whole seconds cut: 10:05."""
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


def clock_text(seconds: float) -> str:
    """mm:ss, or h:mm:ss from an hour: what a user reads on a massager's display."""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def stamp_text(seconds: float) -> str:
    """hh:mm:ss, always all three: 00:02:05."""
    total = max(0, int(seconds))
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"
