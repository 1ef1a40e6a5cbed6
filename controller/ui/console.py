"""rich's Console for the command line's output, ending quietly on a closed pipe (`massagectl list | head`).

rich answers a BrokenPipeError by exiting with code 1, which the README keeps for bugs. This Console
raises BrokenPipeError instead, and the command line (controller/cli/__init__.py) ends with the exit code
the README gives a closed output.
"""

from __future__ import annotations

import errno

import rich.console


class Console(rich.console.Console):
    """A rich Console whose closed pipe is an error the command line handles, not rich's exit(1)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True  # nothing more to write: its reader is gone
        raise BrokenPipeError(errno.EPIPE, "standard output closed")
