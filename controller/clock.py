"""The one seam for time: a real monotonic clock and a virtual one advanced by hand.

Everything that needs the time or has to wait receives a Clock, so a 20-minute program runs in milliseconds
on the virtual clock against the in-process simulator, and tests never sleep to synchronise.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Monotonic seconds, and a wait that a control request can cut short."""

    def now(self) -> float: ...

    def wait_until(self, deadline: float, wake: threading.Event | None = None) -> bool:
        """Wait until `deadline` or until `wake` is set; True when woken early."""
        ...


def _wait(remaining_s: float, wake: threading.Event | None) -> bool:
    """Block up to remaining_s of real time, or until `wake` is set; True when woken."""
    if wake is None:
        if remaining_s > 0:
            time.sleep(remaining_s)
        return False
    if remaining_s <= 0:
        return wake.is_set()
    return wake.wait(remaining_s)


class RealClock:
    """time.monotonic, with waits on an Event so a pause or e-stop wakes the runner at once."""

    def now(self) -> float:
        return time.monotonic()

    def wait_until(self, deadline: float, wake: threading.Event | None = None) -> bool:
        return _wait(deadline - time.monotonic(), wake)


class VirtualClock:
    """Time that moves only when told to: waiting jumps straight to the deadline."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time on by `seconds`; ValueError for a negative step."""
        if seconds < 0:
            raise ValueError("a virtual clock cannot go backwards")
        self._now += seconds

    def wait_until(self, deadline: float, wake: threading.Event | None = None) -> bool:
        if wake is not None and wake.is_set():
            return True
        if deadline > self._now:
            self._now = deadline
        return False


class ScaledClock:
    """Real time sped up by a factor, for demos against the simulator (`--speed N`)."""

    def __init__(self, factor: float) -> None:
        if factor <= 0:
            raise ValueError("speed factor must be positive")
        self.factor = factor
        self._t0 = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._t0) * self.factor

    def wait_until(self, deadline: float, wake: threading.Event | None = None) -> bool:
        return _wait((deadline - self.now()) / self.factor, wake)


def wall_time() -> float:
    """Seconds since the epoch, for what must hold across runs and reboots (the rest between sessions)."""
    return time.time()
