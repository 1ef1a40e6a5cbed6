"""Remembers when the last session on a real massager ended, so the next one waits the minimum pause.

Without it, back-to-back sessions would defeat the session limit. The file holds one wall-clock time
(seconds since the epoch); it lives beside the session logs. Simulator runs touch no person and skip it.
"""

from __future__ import annotations

from pathlib import Path

from controller.clock import wall_time
from controller.errors import SafetyRefusal
from controller.paths import rest_file
from controller.safety.policy import SafetyPolicy, pause_remaining_s


def last_session_end(path: Path | None = None) -> float | None:
    """When the last real session ended, or None (never, or an unreadable file)."""
    try:
        return float((path or rest_file()).read_text().strip())
    except (OSError, ValueError):
        return None


def require_rest(policy: SafetyPolicy, path: Path | None = None, now: float | None = None) -> None:
    """Raises SafetyRefusal while the minimum pause since the last session has not passed."""
    remaining = pause_remaining_s(last_session_end(path), wall_time() if now is None else now, policy)
    if remaining > 0:
        raise SafetyRefusal(
            f"rest {remaining / 60:.1f} more minutes: sessions need a pause of "
            f"{policy.min_pause_s / 60:g} minutes between them")


def record_session_end(path: Path | None = None, now: float | None = None) -> None:
    target = path or rest_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(f"{wall_time() if now is None else now:.0f}\n")
