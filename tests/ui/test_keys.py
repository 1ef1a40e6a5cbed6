"""The key map as data, and the reader thread over a real pseudo-terminal."""

from __future__ import annotations

import io
import os
import termios
import threading
from collections.abc import Iterator

import pytest

from controller.runs.controls import Controls
from controller.ui.keys import KEY_ACTIONS, KeyReader, action_for, dispatch


class RecordingControls:
    """Records requests and sets `done` once `expected` of them have arrived."""

    def __init__(self, expected: int) -> None:
        self.calls: list[str] = []
        self.expected = expected
        self.done = threading.Event()
        self._lock = threading.Lock()

    def _record(self, name: str) -> None:
        with self._lock:
            self.calls.append(name)
            if len(self.calls) >= self.expected:
                self.done.set()

    def toggle_pause(self) -> None:
        self._record("toggle_pause")

    def intensity_up(self) -> None:
        self._record("intensity_up")

    def intensity_down(self) -> None:
        self._record("intensity_down")

    def skip(self) -> None:
        self._record("skip")

    def stop(self) -> None:
        self._record("stop")

    def emergency_stop(self) -> None:
        self._record("emergency_stop")


@pytest.mark.parametrize(("key", "action"), [
    (" ", "toggle_pause"), ("+", "intensity_up"), ("=", "intensity_up"), ("-", "intensity_down"),
    ("n", "skip"), ("s", "stop"), ("q", "stop"), ("e", "emergency_stop"), ("E", "emergency_stop"),
    ("N", "skip"), ("x", None), ("\x1b", None), ("\n", None),
])
def test_key_map(key: str, action: str | None) -> None:
    assert action_for(key) == action


def test_every_mapped_action_is_a_controls_method() -> None:
    assert all(callable(getattr(Controls, action, None)) for action in KEY_ACTIONS.values())


def test_dispatch_posts_in_order_and_ignores_unmapped() -> None:
    controls = RecordingControls(expected=99)
    assert dispatch(controls, " x+-nqe") == ["toggle_pause", "intensity_up", "intensity_down", "skip",
                                                "stop", "emergency_stop"]
    assert controls.calls == ["toggle_pause", "intensity_up", "intensity_down", "skip", "stop",
                              "emergency_stop"]


def test_dispatch_reaches_the_player_queue() -> None:
    controls = Controls()
    dispatch(controls, " e")
    assert controls.take() == ["toggle_pause", "emergency_stop"]


def test_not_a_tty_is_a_no_op() -> None:
    reader = KeyReader(RecordingControls(1), io.StringIO("  e"))
    with reader:
        assert not reader.active
    assert reader.controls.calls == []  # type: ignore[attr-defined]


@pytest.fixture
def pty() -> Iterator[tuple[int, io.FileIO]]:
    master, slave = os.openpty()
    stream = io.FileIO(slave, "rb", closefd=True)
    try:
        yield master, stream
    finally:
        stream.close()
        os.close(master)


def test_reader_over_a_pty_posts_keys_and_restores_the_terminal(pty: tuple[int, io.FileIO]) -> None:
    master, stream = pty
    before = termios.tcgetattr(stream.fileno())
    controls = RecordingControls(expected=5)
    with KeyReader(controls, stream, poll_s=0.02) as reader:
        assert reader.active
        assert termios.tcgetattr(stream.fileno())[3] & termios.ICANON == 0  # cbreak: no line buffering
        os.write(master, b" +xn-e")
        assert controls.done.wait(5.0)
    assert not reader.active
    assert controls.calls == ["toggle_pause", "intensity_up", "skip", "intensity_down", "emergency_stop"]
    assert termios.tcgetattr(stream.fileno()) == before


def test_terminal_restored_when_the_body_raises(pty: tuple[int, io.FileIO]) -> None:
    master, stream = pty
    before = termios.tcgetattr(stream.fileno())
    with pytest.raises(RuntimeError), KeyReader(RecordingControls(1), stream, poll_s=0.02):
        raise RuntimeError("boom")
    assert termios.tcgetattr(stream.fileno()) == before


def test_stop_is_idempotent(pty: tuple[int, io.FileIO]) -> None:
    _, stream = pty
    reader = KeyReader(RecordingControls(1), stream, poll_s=0.02)
    reader.start()
    reader.stop()
    reader.stop()
    assert not reader.active
