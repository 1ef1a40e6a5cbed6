"""The compiled form of a program: a flat, deterministic list of absolute device states over time.

The compiler produces it (pure), the safety policy filters it (pure), the runner plays it, and the simulator's
recorded timeline is compared against it. Each Command says: from `start_s`, for `duration_s`, the device's
zones are exactly `settings`; every zone not listed is off.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ZoneSetting:
    """One zone's absolute state, already in the device's own ids and ranges."""

    zone: str
    zone_id: int
    motion: str
    motion_id: int
    intensity: int
    speed: int
    heat: int


@dataclass(frozen=True, slots=True)
class Command:
    """The device state to hold from start_s for duration_s."""

    start_s: float
    duration_s: float
    step: int  # 1-based number of the program step this command comes from
    step_name: str
    settings: tuple[ZoneSetting, ...]

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


@dataclass(frozen=True, slots=True)
class Timeline:
    """A whole compiled program for one device."""

    program_id: str
    program_name: str
    device_model: str
    commands: tuple[Command, ...]

    @property
    def total_s(self) -> float:
        return self.commands[-1].end_s if self.commands else 0.0
