"""The live view on a terminal: the step and the next, the device map, intensity, heat and time, keys.

It redraws at most ~10 times a second of wall time (and at once when the state changes), so the player
may call `update` hundreds of times a second on a virtual clock at no cost. Each redraw fits the terminal
as it is then (controller/ui/screens.py); after a resize the screen is cleared once, so no part of a frame
drawn for the old size is left behind.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable

from rich.console import Console, Group, RenderableType
from rich.control import Control
from rich.live import Live
from rich.segment import ControlType
from rich.text import Text

from controller.clock import RealClock
from controller.runs.player import Snapshot
from controller.timeline import Timeline
from controller.ui.screens import STATE_STYLES, Frame, LiveScreen
from controller.ui.text import printable
from controller.wire.capabilities import DeviceCapabilities

REDRAW_EVERY_S = 0.1    # live view: ~10 Hz of wall time is smooth and costs little
NOTES_SHOWN = 4


def render_live(timeline: Timeline, caps: DeviceCapabilities, snap: Snapshot,
                notes: tuple[str, ...] = ()) -> RenderableType:
    """The live screen for one snapshot, laid out for the console it is drawn on: pure, so it can be
    tested on a recording console of any size."""
    return LiveScreen(Frame(timeline, caps, snap, notes))


def final_snapshot(snap: Snapshot, outcome: str) -> Snapshot:
    """How a session ended, as the device is then: in the outcome's state, every zone off.

    Every way a session ends stops the device (an emergency stop at once, the others by a soft stop, a
    fault by the device's own watchdog); the last frame must not show the last running one.
    """
    return dataclasses.replace(snap, state=outcome, settings=())


class LiveView:
    """A rich Live screen, redrawn about REDRAW_EVERY_S by rich's own thread, never by the player's.

    `update` only stores the snapshot, so drawing (tens of ms) cannot delay a step's onset or a
    keep-alive. With auto_refresh=False (tests), it draws synchronously, throttled the same way.
    """

    def __init__(self, console: Console, *, now: Callable[[], float] | None = None,
                 auto_refresh: bool = False) -> None:
        self.console = console
        self._now = now or RealClock().now
        self._auto = auto_refresh
        self._live: Live | None = None
        self._timeline: Timeline | None = None
        self._caps: DeviceCapabilities | None = None
        self._snap: Snapshot | None = None
        self._notes: deque[str] = deque(maxlen=NOTES_SHOWN)
        self._drawn_at = float("-inf")
        self._drawn_state = ""
        self._size: tuple[int, int] | None = None

    def start(self, timeline: Timeline, caps: DeviceCapabilities) -> None:
        self._timeline, self._caps = timeline, caps
        self._live = Live(console=self.console, auto_refresh=self._auto,
                          refresh_per_second=1 / REDRAW_EVERY_S, vertical_overflow="crop",
                          get_renderable=self._screen if self._auto else None)
        self._live.start()

    def update(self, snap: Snapshot) -> None:
        self._snap = snap
        if self._auto:
            return
        now = self._now()
        if snap.state != self._drawn_state or now - self._drawn_at >= REDRAW_EVERY_S:
            self._draw(now)

    def note(self, text: str) -> None:
        self._notes.append(text)
        if not self._auto:
            self._draw(self._now())

    def finish(self, outcome: str, message: str) -> None:
        """The last frame shows the state the device is left in, then one line says how it ended."""
        if self._snap is not None:
            self._snap = final_snapshot(self._snap, outcome)
        self._draw(self._now())
        if self._live is not None:
            self._live.stop()
            self._live = None
        tail = f": {printable(message)}" if message else ""
        self.console.print(Text.assemble((outcome.replace("_", " "), STATE_STYLES.get(outcome, "bold red")),
                                         tail))

    def _screen(self) -> RenderableType:
        """The screen for the latest snapshot; after a resize, led by a clear screen."""
        size = (self.console.width, self.console.height)
        resized, self._size = self._size not in (None, size), size
        if self._snap is None or self._timeline is None or self._caps is None:
            return Text("connecting…")
        screen = render_live(self._timeline, self._caps, self._snap, tuple(self._notes))
        return Group(Control(ControlType.CLEAR, ControlType.HOME), screen) if resized else screen

    def _draw(self, now: float) -> None:
        if self._live is None or self._snap is None:
            return
        self._drawn_at, self._drawn_state = now, self._snap.state
        if self._auto:
            self._live.refresh()
        else:
            self._live.update(self._screen(), refresh=True)
