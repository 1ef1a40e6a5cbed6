"""Remembers when the last session on a real massager ended, so the next one waits the minimum pause.

Without it, back-to-back sessions would defeat the session limit. The file holds one wall-clock time
(seconds since the epoch); it lives beside the session logs. Simulator runs touch no person and skip it.
"""

from __future__ import annotations

import logging
import math
import stat
from pathlib import Path

from controller.clock import wall_time
from controller.errors import InputFileError, SafetyRefusal
from controller.paths import rest_file
from controller.safety.limits import MIN_PAUSE_BETWEEN_SESSIONS_S
from controller.safety.policy import SafetyPolicy, pause_remaining_s
from controller.userfiles import output_path_problem, read_user_file

log = logging.getLogger(__name__)
MAX_REST_FILE_BYTES = 64  # one number


def last_session_end(path: Path | None = None, now: float | None = None) -> float | None:
    """When the last real session ended, or None (never, or an unreadable file: not a number, a FIFO or
    device, which is refused without waiting on it). A time in the future (the clock was set back) counts
    as now, so it asks for one pause, never for years of them."""
    try:
        text = read_user_file(path or rest_file(), "rest file", MAX_REST_FILE_BYTES).decode("ascii")
        ended = float(text.strip())
    except (InputFileError, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    if not math.isfinite(ended):
        return None
    return min(ended, wall_time() if now is None else now)


def require_rest(policy: SafetyPolicy, path: Path | None = None, now: float | None = None) -> None:
    """Raises SafetyRefusal while the minimum pause since the last session has not passed."""
    now = wall_time() if now is None else now
    remaining = pause_remaining_s(last_session_end(path, now), now, policy)
    if remaining > 0:
        raise SafetyRefusal(
            f"rest {remaining / 60:.1f} more minutes: sessions need a pause of "
            f"{policy.min_pause_s / 60:g} minutes between them")


def record_session_end(path: Path | None = None, now: float | None = None) -> None:
    """Remember that a real session ended now. It runs after the device has stopped, so a file it cannot
    write (a read-only state folder, a FIFO in its place) is a warning, never an error that would hide how
    the session ended."""
    target = path or rest_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        problem = output_path_problem(target, stat.S_ISREG)
        if problem:
            raise OSError(problem)
        target.write_text(f"{wall_time() if now is None else now:.0f}\n")
    except OSError as err:
        log.warning("cannot record when this session ended in %s (%s): wait %g minutes before the next",
                    target, getattr(err, "strerror", None) or err, MIN_PAUSE_BETWEEN_SESSIONS_S / 60)
