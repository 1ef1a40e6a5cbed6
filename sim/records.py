"""What the simulated device logs for tests and `--record`: actuator changes, applied SETs, events."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sim.messages import SetEntry
from sim.profiles import MOTION_IDS
from sim.protocol import EventCode

MOTION_NAMES: dict[int, str] = {0: "none", **{v: k for k, v in MOTION_IDS.items()}}


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """A zone's actuators changed at `t` (clock seconds) for `cause` (set, lease, watchdog, …)."""

    t: float
    zone: str
    zone_id: int
    intensity: int
    motion: str
    speed: int
    heat: int
    cause: str

    @property
    def is_off(self) -> bool:
        """Nothing moving and no heat (§3.3)."""
        return self.intensity == 0 and self.heat == 0


@dataclass(frozen=True, slots=True)
class AppliedSet:
    """One SET the device applied, so tests can check exactly-once, in-order application."""

    seq: int
    t: float
    entries: tuple[SetEntry, ...]


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One EVENT the device decided to send (even if a fault then lost it on the wire)."""

    t: float
    seq: int
    code: EventCode
    arg: int


@dataclass(slots=True)
class Counters:
    """Running totals; STATUS reports invalid_frames (saturated), the rest are for tests and tools."""

    frames_received: int = 0
    invalid_frames: int = 0
    garbage_bytes: int = 0
    commands_answered: int = 0
    frames_applied: int = 0
    renewals: int = 0
    keepalives: int = 0
    duplicates: int = 0
    naks_sent: int = 0
    events_sent: int = 0
    frames_silenced: int = 0


def timeline_json(entry: TimelineEntry, t0: float) -> dict[str, object]:
    """A `--record` line for an actuator change, time relative to the simulator's start."""
    return {"kind": "actuator", **asdict(entry), "t": round(entry.t - t0, 6)}


def event_json(event: EventRecord, t0: float) -> dict[str, object]:
    """A `--record` line for an event."""
    return {"kind": "event", "t": round(event.t - t0, 6), "seq": event.seq,
            "event": event.code.name, "arg": event.arg}
