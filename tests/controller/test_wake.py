"""clock.Wake: a wait that a signal handler can cut short at once, without a lock (Controls.interrupt)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from types import FrameType

import pytest

from controller.clock import RealClock, Wake
from controller.runs.controls import Controls

LONG_S = 30.0  # a wait nothing here should ever reach


@pytest.fixture
def sigusr1() -> Iterator[list[object]]:
    """SIGUSR1 calls the callables in the returned list, from the main thread, as a stop signal would."""
    actions: list[object] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        for action in actions:
            action()  # type: ignore[operator]

    previous = signal.signal(signal.SIGUSR1, handler)
    yield actions
    signal.signal(signal.SIGUSR1, previous)


def _signal_soon() -> None:
    threading.Thread(target=os.kill, args=(os.getpid(), signal.SIGUSR1)).start()


def test_a_signal_handler_wakes_a_real_clock_wait_at_once(sigusr1: list[object]) -> None:
    controls = Controls()
    sigusr1.append(controls.interrupt)
    clock = RealClock()
    start = clock.now()
    _signal_soon()
    assert clock.wait_until(start + LONG_S, controls.wake) is True
    assert clock.now() - start < LONG_S / 2  # woken by the handler, not by the deadline
    assert controls.take() == ["interrupt"]
    assert not controls.wake.is_set()


def test_wake_is_an_event_without_a_lock() -> None:
    wake = Wake()
    assert wake.wait(0.0) is False and not wake.is_set()
    wake.set()
    wake.set()  # twice: still one waking, the pipe drained by clear
    assert wake.is_set() and wake.wait(LONG_S) is True
    wake.clear()
    assert not wake.is_set() and wake.wait(0.01) is False
    wake.close()


def test_a_stale_byte_does_not_end_a_wait_early() -> None:
    wake = Wake()
    wake.set()
    wake._flag = False  # a set() whose byte outlived a clear(): the wait drains it and goes on waiting
    clock = RealClock()
    start = clock.now()
    assert wake.wait(0.05) is False
    assert clock.now() - start >= 0.05


SIGNAL_IN_ANOTHER_THREAD = """
import os, signal, threading
from controller.cli.signals import SignalWait, stop_signals
waiter = SignalWait()
with stop_signals(waiter):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # the kernel must pick the other thread
    def send():
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        os.kill(os.getpid(), signal.SIGTERM)
    threading.Timer(0.2, send).start()
    print(waiter.wait(), flush=True)
"""


def test_a_stop_signal_that_lands_in_another_thread_still_wakes_the_wait() -> None:
    """`serve` and `sim` wait for a stop signal in select() with no timeout. A signal caught by another
    thread, or one that lands just before select() is entered, runs its Python handler only when the main
    thread next runs bytecode: without signal.set_wakeup_fd that wait slept on (seen once: `serve` ignored
    SIGQUIT until killed)."""
    done = subprocess.run([sys.executable, "-c", SIGNAL_IN_ANOTHER_THREAD], capture_output=True, text=True,
                          timeout=20)
    assert done.returncode == 0 and done.stdout.strip() == "SIGTERM", done.stderr
