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
    """Time sped up by a factor, for runs against the in-process simulator (`--speed N`).

    Paced virtual time: like VirtualClock, time moves only in `wait_until`, and each wait takes 1/factor of
    the time it moves on in real time. So the host's own work takes no clock time, and a simulator on the
    same clock never finds the host late, however high the factor or busy the machine (a slow terminal
    slows the run down instead of tripping the simulated watchdog). A wait that `wake` cuts short moves
    the clock on by the real time waited, times the factor.
    """

    def __init__(self, factor: float) -> None:
        if factor <= 0:
            raise ValueError("speed factor must be positive")
        self.factor = factor
        self._now = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def wait_until(self, deadline: float, wake: threading.Event | None = None) -> bool:
        remaining = deadline - self._now
        started = time.monotonic()
        woken = _wait(remaining / self.factor, wake)
        moved = (time.monotonic() - started) * self.factor if woken else remaining
        with self._lock:  # several threads may wait; time only moves forward
            self._now = max(self._now, min(deadline, self._now + moved))
        return woken


def wall_time() -> float:
    """Seconds since the epoch, for what must hold across runs and reboots (the rest between sessions)."""
    return time.time()
