"""A device's published status: one immutable DeviceStatus at a time, and the front ends subscribed to it.

Only the device's own thread updates it; any thread reads it. A change is published (revision + 1, every
subscriber called) when something a front end shows changed; the program position counts in whole seconds,
so a running device publishes about once a second plus at every real change.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import replace

from controller.service.api import DeviceStatus
from controller.wire.capabilities import DeviceCapabilities

log = logging.getLogger(__name__)


class StatusBoard:
    """Holds the present DeviceStatus; `update` publishes a change to every subscriber."""

    def __init__(self, initial: DeviceStatus) -> None:
        self._lock = threading.Lock()
        self._status = initial
        self._subscribers: list[Callable[[DeviceStatus], None]] = []

    @property
    def current(self) -> DeviceStatus:
        return self._status

    def subscribe(self, callback: Callable[[DeviceStatus], None]) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._subscribers.remove(callback)

        return unsubscribe

    def update(self, **fields: object) -> None:
        """Publish the status with `fields` changed, if a front end would see a difference."""
        with self._lock:
            old = self._status
            new = replace(old, **fields)  # type: ignore[arg-type]
            if _same(old, new):
                return
            new = replace(new, revision=old.revision + 1)
            self._status = new
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(new)
            except Exception:  # a front end's bug must not stop the device
                log.exception("device %s: status subscriber failed", new.device_id)


def _same(a: DeviceStatus, b: DeviceStatus) -> bool:
    return replace(a, position_s=float(int(a.position_s)), revision=0) == \
        replace(b, position_s=float(int(b.position_s)), revision=0)


def program_level(device_level: int, caps: DeviceCapabilities | None) -> int:
    """A device intensity on the program scale 0..10 (rounded up: what the user would feel as asked)."""
    if caps is None or caps.intensity_max <= 0:
        return device_level
    return -(-device_level * 10 // caps.intensity_max)


def kind_of(caps: DeviceCapabilities) -> str:
    """"chair" or "foot": which map a front end draws, decided as the terminal view decides it."""
    from controller.ui.devicemap import CHAIR_MAP, map_layout

    return "chair" if map_layout(caps)[: len(CHAIR_MAP)] == CHAIR_MAP else "foot"


def identity(caps: DeviceCapabilities | None) -> str:
    if caps is None:
        return "unknown device"
    return f"{caps.model}{' (simulator)' if caps.simulator else ''}, firmware {caps.firmware}"
