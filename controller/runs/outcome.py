"""What a run reports: how it ended (Outcome), where it is (Snapshot), and a stop signal (Interrupted).

Apart from controller/runs/player.py so front ends can read them without the loop; player re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from controller.timeline import ZoneSetting


class Outcome(StrEnum):
    COMPLETED = "completed"
    SESSION_LIMIT = "session_limit"
    STOPPED = "stopped"
    FAULT = "fault"
    EMERGENCY_STOP = "emergency_stop"


class Interrupted(Exception):
    """A stop signal (controller/cli/signals.py): raised by its handler before the player plays, and by the
    player itself for Controls.interrupt while it plays; ends the run as a stop by the user."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a front end shows: where the program is and what the device holds."""

    state: str
    step: int
    step_name: str
    next_step_name: str
    position_s: float
    total_s: float
    offset: int
    settings: tuple[ZoneSetting, ...]
    temperature_c: float | None
