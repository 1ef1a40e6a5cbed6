"""The signals that end a long-running command, installed explicitly whatever the process inherited.

A shell without job control (`massagectl run … &` in a script) starts a background job with SIGINT and
SIGQUIT ignored, and Python installs its KeyboardInterrupt handler only when SIGINT was not ignored; SIGHUP
(the terminal closed) and SIGQUIT (Ctrl-\\) would end the process by their default action, leaving a
device to its own watchdog. So `run` and `sim` handle all four: each stops the device and exits as a stop
by the user. Handlers run in the main thread between bytecodes, possibly inside a lock that thread holds:
they must not take a lock (no threading.Event.set), only set a flag, append to a deque or write to a pipe.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from controller.clock import Wake

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)

Handler = Callable[[int, FrameType | None], None]


@contextmanager
def stop_signals(handler: Handler) -> Iterator[None]:
    """`handler` for every stop signal while inside; then what was there before (ignored stays ignored)."""
    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            if old is not None:  # None: set outside Python, nothing to give back
                signal.signal(sig, old)


class SignalWait:
    """A handler that records the signal and wakes `wait`, lock-free (a list append and clock.Wake), for a
    main thread that has nothing to do but wait for a stop signal (`sim`, `serve`)."""

    def __init__(self) -> None:
        self.received: list[int] = []
        self._wake = Wake()

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        self._wake.set()

    def wait(self) -> str:
        """Block until a stop signal arrives; its name (SIGTERM …)."""
        with self._wake.on_signals():
            self._wake.wait()
        return signal.Signals(self.received[0]).name

    def close(self) -> None:
        self._wake.close()
