"""Single-key control of a running session from the terminal: space, +/-, n, s, q, e.

The mapping is plain data, testable without a terminal. `KeyReader` is the edge: a daemon thread that puts
a TTY in cbreak mode, reads keys with select timeouts (so `stop` never waits on a blocked read) and always
gives the terminal back its settings. Off a TTY it does nothing, so piped and CI runs need no keys.
"""

from __future__ import annotations

import logging
import os
import select
import sys
import threading
from types import TracebackType
from typing import Any, Protocol

log = logging.getLogger(__name__)

POLL_S = 0.1  # how soon the reader notices `stop`

KEY_ACTIONS: dict[str, str] = {
    " ": "toggle_pause",
    "+": "intensity_up",
    "=": "intensity_up",  # the unshifted '+' key
    "-": "intensity_down",
    "n": "skip",
    "s": "stop",
    "q": "stop",  # quitting stops safely: a ramp-down, never an abrupt cut
    "e": "emergency_stop",
}


class SessionControls(Protocol):
    """What keys can ask of a session: player.Controls, or anything with the same methods."""

    def toggle_pause(self) -> None: ...

    def intensity_up(self) -> None: ...

    def intensity_down(self) -> None: ...

    def skip(self) -> None: ...

    def stop(self) -> None: ...

    def emergency_stop(self) -> None: ...


def action_for(key: str) -> str | None:
    """The Controls method a key asks for, or None; letters work with caps lock on too."""
    return KEY_ACTIONS.get(key) or KEY_ACTIONS.get(key.lower())


def dispatch(controls: SessionControls, keys: str) -> list[str]:
    """Post the request of every mapped key in `keys`, in order; returns the actions posted."""
    posted = []
    for key in keys:
        action = action_for(key)
        if action is not None:
            getattr(controls, action)()
            posted.append(action)
    return posted


class KeyReader:
    """Reads keys from a TTY on a daemon thread and posts them to `controls`; a no-op off a TTY."""

    def __init__(self, controls: SessionControls, stream: Any = None, *, poll_s: float = POLL_S) -> None:
        self.controls = controls
        self.stream = sys.stdin if stream is None else stream
        self.poll_s = poll_s
        self._fd: int | None = None
        self._saved: list[Any] | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def active(self) -> bool:
        """Whether keys are being read (a TTY was found and the reader runs)."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Enter cbreak mode and start reading; does nothing when the stream is not a TTY."""
        if self._thread is not None or not _is_tty(self.stream):
            return
        import termios
        import tty

        self._fd = self.stream.fileno()
        self._saved = termios.tcgetattr(self._fd)
        try:
            tty.setcbreak(self._fd)
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="massagectl-keys", daemon=True)
            self._thread.start()
        except BaseException:
            self._restore()
            raise

    def stop(self) -> None:
        """Stop reading and give the terminal back its settings, whatever happened."""
        self._stopping.set()
        try:
            if self._thread is not None and self._thread is not threading.current_thread():
                self._thread.join(timeout=5 * self.poll_s + 1.0)
        finally:
            self._thread = None
            self._restore()

    def __enter__(self) -> KeyReader:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _run(self) -> None:
        fd = self._fd
        while fd is not None and not self._stopping.is_set():
            try:
                ready, _, _ = select.select([fd], [], [], self.poll_s)
                data = os.read(fd, 64) if ready else None
            except OSError as err:  # the terminal went away: stop reading, the session carries on
                log.debug("key reader stopped: %s", err)
                return
            if data == b"":
                return
            if data:
                dispatch(self.controls, data.decode("utf-8", errors="ignore"))

    def _restore(self) -> None:
        if self._fd is None or self._saved is None:
            return
        import termios

        fd, saved, self._fd, self._saved = self._fd, self._saved, None, None
        try:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        except (OSError, termios.error) as err:
            log.warning("could not restore the terminal settings: %s", err)


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # closed or replaced streams (pytest, pythonw)
        return False
