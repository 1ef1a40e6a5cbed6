"""The one seam for time: a real monotonic clock and a virtual one advanced by hand.

Everything that needs the time or has to wait receives a Clock, so a 20-minute program runs in milliseconds
on the virtual clock against the in-process simulator, and tests never sleep to synchronise.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Protocol


class Waker(Protocol):
    """What a wait can be cut short by: a threading.Event, or a Wake (which a signal handler may set)."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


class Wake:
    """Like threading.Event, but `set` takes no lock — a flag and a byte down a pipe — so a signal handler
    may set it even while its own thread is inside `wait` (Event.set could deadlock there, on the lock the
    interrupted wait holds). `close` (or collection) closes the pipe."""

    def __init__(self) -> None:
        self._flag = False
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)
        self.close = weakref.finalize(self, _close, self._read, self._write)

    def set(self) -> None:
        self._flag = True
        with contextlib.suppress(BlockingIOError):  # a full pipe wakes the waiter already
            os.write(self._write, b"\0")

    def is_set(self) -> bool:
        return self._flag

    def clear(self) -> None:
        self._flag = False
        self._drain()

    def wait(self, timeout: float | None = None) -> bool:
        """Until set, or `timeout` seconds (None: for ever); whether it is set."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._flag:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            if select.select([self._read], [], [], left)[0]:
                self._drain()  # set() raises the flag before it writes: the loop's test sees it
        return self._flag

    @contextlib.contextmanager
    def on_signals(self) -> Iterator[None]:
        """While inside (in the main thread): a signal wakes `wait` from the C level, before its Python
        handler runs. Without it, one that lands just before `wait` enters select(), or in another
        thread, would leave a `wait` without a timeout asleep for ever (signal.set_wakeup_fd)."""
        previous = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        try:
            yield
        finally:
            signal.set_wakeup_fd(previous)

    def _drain(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while os.read(self._read, 4096):
                pass


def _close(*fds: int) -> None:
    for fd in fds:
        os.close(fd)


class Clock(Protocol):
    """Monotonic seconds, and a wait that a control request can cut short."""

    def now(self) -> float: ...

    def wait_until(self, deadline: float, wake: Waker | None = None) -> bool:
        """Wait until `deadline` or until `wake` is set; True when woken early."""
        ...


def _wait(remaining_s: float, wake: Waker | None) -> bool:
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

    def wait_until(self, deadline: float, wake: Waker | None = None) -> bool:
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

    def wait_until(self, deadline: float, wake: Waker | None = None) -> bool:
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

    def wait_until(self, deadline: float, wake: Waker | None = None) -> bool:
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
