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
