"""Calling something that must not block on a FIFO, so a regression fails the test instead of hanging it."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def within(seconds: float, call: Callable[[], T], *, fifos: tuple[Path, ...] = ()) -> T:
    """`call()`'s result, or its exception; AssertionError if it has not returned after `seconds`.

    A call that blocked opening or reading one of `fifos` is then released (a writer opens and closes
    each), so the thread ends and the suite goes on.
    """
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(("ok", call()))
        except BaseException as err:  # handed to the caller below
            outcome.append(("err", err))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        for fifo in fifos:
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(5)
        raise AssertionError(f"still blocked after {seconds} s")
    kind, value = outcome[0]  # type: ignore[misc]
    if kind == "err":
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]
