"""Words both run views use: a step count, the settings a device holds, a session state."""

from __future__ import annotations

from controller.timeline import Timeline, ZoneSetting


def step_count(timeline: Timeline) -> int:
    """How many program steps the timeline plays (steps are numbered from 1)."""
    return max((c.step for c in timeline.commands), default=0)


def settings_text(settings: tuple[ZoneSetting, ...]) -> str:
    """One zone per clause, in device units: `ankle swing i=6 s=3`, heat only when on."""
    if not settings:
        return "all off"
    return ", ".join(f"{s.zone} {s.motion} i={s.intensity} s={s.speed}" + (f" h={s.heat}" if s.heat else "")
                     for s in settings)


def state_label(state: str) -> str:
    """A session state as a user reads it; the emergency stop shouts."""
    return "EMERGENCY STOP" if state == "emergency_stop" else state.replace("_", " ")
