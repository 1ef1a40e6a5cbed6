"""What a front end (MQTT, the web console) sees of the devices one host drives, and what it may ask.

A `Hub` holds one `DeviceHandle` per configured device. Front ends never touch a session, a link or a
player: they read `DeviceStatus` snapshots, subscribe to changes, and send commands. Every command passes
the same safety gate as a key press in `massagectl run`; stop and emergency stop are honoured in every
state; a remote start is refused unless the device's configuration allows it (someone must be there).

    CommandRefused (a MassagerError)   a command that is not allowed now, or a bad argument; says why
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from controller.errors import MassagerError


class CommandRefused(MassagerError):
    """A front end's command was refused: unknown device or program, bad value, or not allowed now."""


class Command(StrEnum):
    """The commands a front end may send; the same set as the live view's keys, plus start and clear."""

    START = "start"                    # needs `program`; remote only when the device allows it
    PAUSE = "pause"
    RESUME = "resume"
    TOGGLE_PAUSE = "toggle_pause"
    INTENSITY_UP = "intensity_up"
    INTENSITY_DOWN = "intensity_down"
    SET_INTENSITY = "set_intensity"    # needs `level`: the user's offset, clamped to what the limits allow
    SKIP = "skip"
    STOP = "stop"                      # soft stop; always honoured
    EMERGENCY_STOP = "emergency_stop"  # everything off at once, latched; always honoured
    CLEAR = "clear"                    # after a fault or an emergency stop: reconnect, ready for a new start


@dataclass(frozen=True, slots=True)
class ZoneState:
    """One zone as the device holds it now."""

    zone: str
    motion: str
    intensity: int
    speed: int
    heat: int


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """One device, as every front end shows it. `revision` grows by one with each change."""

    device_id: str
    name: str
    kind: str                      # "foot" or "chair": which map to draw
    state: str                     # the session state (controller/runs/session.py), or "disconnected"
    program_id: str
    program_name: str
    step: int
    step_name: str
    next_step_name: str
    position_s: float
    total_s: float
    intensity_offset: int
    zones: tuple[ZoneState, ...]   # only zones that are on
    temperature_c: float | None
    fault: str                     # "" when none: the last fault's message, for the user
    note: str                      # the last note (a clamp, a skip, the session limit)
    remote_start: bool
    revision: int
    started_by: str = ""           # origin of the running program's start ("local", "mqtt", "web"); "" idle
    model: str = ""                # as the device reported it at its last handshake; "" before one
    firmware: str = ""

    @property
    def remaining_s(self) -> float:
        return max(0.0, self.total_s - self.position_s)


class DeviceHandle(Protocol):
    """One device a hub drives."""

    device_id: str

    def status(self) -> DeviceStatus:
        """The present status; cheap, from any thread."""
        ...

    def subscribe(self, callback: Callable[[DeviceStatus], None]) -> Callable[[], None]:
        """Call `callback` on every change (from the device's thread: keep it short); returns unsubscribe."""
        ...

    def command(self, command: Command, *, program: str | None = None, level: int | None = None,
                origin: str = "local") -> None:
        """Ask the device to do something; CommandRefused says why not. Never blocks on the device."""
        ...


class Hub(Protocol):
    """Every device one host drives, and the programs they can run."""

    def devices(self) -> Sequence[DeviceHandle]:
        """In configuration order."""
        ...

    def device(self, device_id: str) -> DeviceHandle:
        """One device; CommandRefused when there is no such device."""
        ...

    def programs(self) -> Sequence[tuple[str, str]]:
        """(program id, display name) of every program a start may name."""
        ...

    def refresh_programs(self) -> None:
        """Read the program folders again if they changed (a program saved or edited); a start does too."""
        ...
