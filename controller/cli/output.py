"""Standard output whose reader may go away (`massagectl run … | head -5`): stop quietly, never a traceback.

Python ignores SIGPIPE, so a write to a pipe nobody reads raises BrokenPipeError. `GuardedOutput` turns
the first one into OutputClosed — an Interrupted, so the player stops the device as it does on Ctrl-C —
and points file descriptor 1 at /dev/null, so nothing later (a last line, the flush at exit) fails again.
Other commands end quietly too (controller/cli/__init__.py); the README's exit-code table says with what.
A write that fails for another reason (a full disk, a failing device: `> /dev/full`) stops a run the same
way, and then it, like any command's, ends in one line that says so (`output_failure`), exit code 2.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Callable
from typing import TextIO, cast

from controller.runs.player import Interrupted

OUTPUT_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)  # the disk or device written is at fault


class OutputClosed(Interrupted):
    """The reader of standard output went away, or writing to it failed: stop the session, as Ctrl-C does."""


def silence(stream: TextIO | None = None) -> None:
    """Send whatever is still written to `stream` (standard output by default) to /dev/null: its reader
    is gone. A stream without a file descriptor is left alone."""
    try:
        target = stream if stream is not None else sys.__stdout__
        if target is None:
            return
        fd = target.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass  # no descriptor: nothing to protect


class GuardedOutput(io.TextIOBase):
    """A text stream that raises OutputClosed once when its pipe breaks, and swallows writes after."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream
        self.broken = False
        self.failure: OSError | None = None  # what broke it, unless its reader just went away

    def write(self, text: str) -> int:
        if not self.broken:
            self._guard(lambda: self._stream.write(text))
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            self._guard(self._stream.flush)

    def isatty(self) -> bool:
        return not self.broken and self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", None) or "utf-8"

    def _guard(self, action: Callable[[], object]) -> None:
        try:
            action()
        except OSError as err:  # a full disk or a failing device: the output is gone too, for a reason
            self.broken = True
            self.failure = None if isinstance(err, BrokenPipeError) else err
            silence(self._stream)
            raise OutputClosed("standard output closed") from None


def output_failure(err: OSError) -> str | None:
    """What to say for an error writing output that no command turned into its own error: a full disk or
    a failing device under standard output (`massagectl list > /dev/full`), with standard output pointed at
    /dev/null so the flush at exit cannot fail again; None for any other OSError (a bug)."""
    if err.errno not in OUTPUT_ERRNOS:
        return None
    silence()
    return f"cannot write the output: {err.strerror or err}"


def guarded(stream: TextIO | None) -> TextIO:
    """`stream` as a GuardedOutput, typed as the text stream it stands in for; a closed standard output
    (`massagectl run … >&-`, where Python's sys.stdout is None) writes to /dev/null."""
    if stream is None:
        stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    return cast(TextIO, GuardedOutput(stream))


def is_tty(stream: TextIO | None) -> bool:
    """Whether `stream` is a terminal; False for a closed or missing one."""
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):
        return False
