"""A hub in memory, for testing the web layer alone: statuses a test sets, commands it records.

It implements the contract (controller/service/api.py) and nothing more. Tests of the real path — a
supervisor, its safety gate and a simulated device — drive the real hub (test_browser.py).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence

from controller.service.api import Command, CommandRefused, DeviceHandle, DeviceStatus, ZoneState


def idle(device_id: str, kind: str = "foot", *, remote_start: bool = False) -> DeviceStatus:
    return DeviceStatus(device_id=device_id, name=f"Massager {device_id}", kind=kind, state="ready",
                        program_id="", program_name="", step=0, step_name="", next_step_name="",
                        position_s=0.0, total_s=0.0, intensity_offset=0, zones=(), temperature_c=None,
                        fault="", note="", remote_start=remote_start, revision=0)


class FakeHandle:
    def __init__(self, status: DeviceStatus) -> None:
        self.device_id = status.device_id
        self._status = status
        self._subscribers: list[Callable[[DeviceStatus], None]] = []
        self.commands: list[tuple[Command, str | None, int | None, str]] = []
        self.lock = threading.Lock()

    def status(self) -> DeviceStatus:
        return self._status

    def subscribe(self, callback: Callable[[DeviceStatus], None]) -> Callable[[], None]:
        with self.lock:
            self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def command(self, command: Command, *, program: str | None = None, level: int | None = None,
                origin: str = "local") -> None:
        self.commands.append((command, program, level, origin))
        if command is Command.START and not self._status.remote_start and origin != "local":
            raise CommandRefused(f"{self.device_id}: starting remotely is off for this device")

    def change(self, **fields: object) -> DeviceStatus:
        """A new status, as a device thread would announce it."""
        self._status = dataclasses.replace(self._status, revision=self._status.revision + 1, **fields)  # type: ignore[arg-type]
        with self.lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            callback(self._status)
        return self._status


class FakeHub:
    def __init__(self, *handles: FakeHandle) -> None:
        self.handles = handles

    def devices(self) -> Sequence[DeviceHandle]:
        return self.handles

    def device(self, device_id: str) -> DeviceHandle:
        for handle in self.handles:
            if handle.device_id == device_id:
                return handle
        raise CommandRefused(f"no device {device_id!r}")

    def programs(self) -> Sequence[tuple[str, str]]:
        return (("sleep", "Sleep"), ("stress-relief", "Stress relief"))

    def refresh_programs(self) -> None:
        self.refreshed = getattr(self, "refreshed", 0) + 1


def zone(name: str, intensity: int, motion: str = "knead", heat: int = 0) -> ZoneState:
    return ZoneState(zone=name, motion=motion, intensity=intensity, speed=2, heat=heat)
