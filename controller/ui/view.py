"""What a user sees of a running session: a live terminal view, or plain timestamped lines for pipes and CI.

The player calls `update` on every loop iteration (hundreds of times a second on a virtual clock), so both
views do next to nothing per call: the live view redraws at most ~10 times a second of wall time (and at once
when the state changes), the plain view writes a line only when something it shows has changed.
"""

from __future__ import annotations

from typing import Protocol, TextIO

from controller.runs.player import Snapshot
from controller.timeline import Timeline
from controller.ui.plain import PlainView
from controller.wire.capabilities import DeviceCapabilities


class View(Protocol):
    """A front end the run command drives: told the plan once, then every snapshot, note and the end."""

    def start(self, timeline: Timeline, caps: DeviceCapabilities) -> None:
        """Once, before the first update: what will be played, on what device."""
        ...

    def update(self, snap: Snapshot) -> None:
        """Every loop iteration: must stay cheap, so a view decides itself when to draw."""
        ...

    def note(self, text: str) -> None:
        """A message for the user (a fault, a skip, the session limit)."""
        ...

    def finish(self, outcome: str, message: str) -> None:
        """Once, at the end, however the session ended; leaves the terminal usable."""
        ...


def make_view(stream: TextIO, *, interactive: bool) -> View:
    """A live view on a terminal, plain lines otherwise (the caller knows whether keys can be read).

    rich and the live view are imported only for a terminal: plain lines (a pipe, a simulated run at full
    speed) start without them (issue 12)."""
    if interactive:
        from rich.console import Console

        from controller.ui.live import LiveView

        return LiveView(Console(file=stream), auto_refresh=True)
    return PlainView(stream)
