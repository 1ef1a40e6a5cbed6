"""The user's intensity offset (`+` / `-`, the device's BUTTON 3 / 4), in program levels.

The offset is kept within what the limits allow: a press that cannot change what the device may hold is not
stored (so `+` pressed past the cap stores nothing for `-` to unwind), and a press moves to the next offset
that does change it (so every `-` lowers what the device does at once, until every zone is at level 1).
What the limits allow is the safety gate's answer (Session.ceiling), never a rule repeated here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from controller.safety.limits import PROGRAM_INTENSITY_MAX
from controller.timeline import ZoneSetting

OFFSET_MAX = PROGRAM_INTENSITY_MAX - 1  # ± program levels
Settings = tuple[ZoneSetting, ...]


def with_offset(settings: Settings, offset: int, intensity_max: int) -> Settings:
    """`settings` with every working zone moved by `offset` program levels, within 1..intensity_max."""
    if not offset:
        return settings
    step = round(offset * intensity_max / PROGRAM_INTENSITY_MAX) or (1 if offset > 0 else -1)
    return tuple(replace(s, intensity=max(1, min(intensity_max, s.intensity + step))) if s.intensity > 0
                 else s for s in settings)


def nudged(offset: int, direction: int, settings: Settings, intensity_max: int,
           ceiling: Callable[[ZoneSetting], int]) -> int:
    """The offset after one press in `direction` (+1 / -1) during `settings`: the nearest one that changes
    what the limits let the device hold, or `offset` itself when none does."""
    working = tuple(s for s in settings if s.intensity > 0)
    ceilings = [ceiling(s) for s in working]

    def allowed(o: int) -> list[int]:
        return [min(c, s.intensity) for c, s in zip(ceilings, with_offset(working, o, intensity_max),
                                                     strict=True)]

    now = allowed(offset)
    candidate = offset + direction
    while working and -OFFSET_MAX <= candidate <= OFFSET_MAX:
        if allowed(candidate) != now:
            return candidate
        candidate += direction
    return offset
