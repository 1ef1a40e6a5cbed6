"""The live view on a terminal: the step and the next, the device map, intensity, heat and time, keys.

It redraws at most ~10 times a second of wall time (and at once when the state changes), so the player
may call `update` hundreds of times a second on a virtual clock at no cost.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from controller.clock import RealClock
from controller.runs.player import Snapshot
from controller.timeline import Timeline
from controller.timetext import clock_text
from controller.ui.devicemap import intensity_colour, render_map
from controller.ui.text import state_label, step_count
from controller.wire.capabilities import DeviceCapabilities

REDRAW_EVERY_S = 0.1    # live view: ~10 Hz of wall time is smooth and costs little
NOTES_SHOWN = 4
KEY_HELP = (("space", "pause/resume"), ("+/-", "intensity"), ("n", "next step"), ("s", "stop"),
            ("e", "EMERGENCY STOP"), ("q", "quit (stops safely)"))


_STATE_STYLES = {"running": "bold green", "paused": "bold yellow", "stopping": "bold yellow",
                 "fault": "bold red", "emergency_stop": "bold white on red"}


def intensity_bar(snap: Snapshot, caps: DeviceCapabilities) -> Text:
    """The strongest zone's intensity out of the device's maximum, and the user's offset if any."""
    level = max((s.intensity for s in snap.settings), default=0)
    top = caps.intensity_max
    bar = Text()
    bar.append("█" * level, style=intensity_colour(level, top))
    bar.append("░" * (top - level), style="dim")
    bar.append(f" {level}/{top}")
    if snap.offset:
        bar.append(f"  (offset {snap.offset:+d})", style="cyan")
    return bar


def heat_text(snap: Snapshot, caps: DeviceCapabilities) -> str:
    """The highest heat level held and the device's plate temperature."""
    level = max((s.heat for s in snap.settings), default=0)
    heat = f"{level}/{caps.heat_max}" if caps.has_heater else "no heater"
    temp = f"{snap.temperature_c:.1f} °C" if snap.temperature_c is not None else "— °C"
    return f"{heat} · {temp}"


def info_table(timeline: Timeline, caps: DeviceCapabilities, snap: Snapshot) -> Table:
    """Step, state, intensity, motion, heat and time, one labelled line each."""
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(no_wrap=True)
    motions = sorted({f"{s.motion} (speed {s.speed}/{caps.speed_max})" for s in snap.settings if s.intensity})
    remaining = max(0.0, snap.total_s - snap.position_s)
    table.add_row("step", Text(f"{snap.step}/{step_count(timeline)} {snap.step_name}"))
    table.add_row("next", Text(snap.next_step_name or "— (last step)"))
    table.add_row("state", Text(state_label(snap.state), style=_STATE_STYLES.get(snap.state, "dim")))
    table.add_row("intensity", intensity_bar(snap, caps))
    table.add_row("motion", Text(", ".join(motions) or "none"))
    table.add_row("heat", Text(heat_text(snap, caps)))
    table.add_row("time", f"{clock_text(snap.position_s)} elapsed · {clock_text(remaining)} remaining")
    progress = ProgressBar(total=max(snap.total_s, 1e-9), completed=snap.position_s, width=30,
                           complete_style="cyan", finished_style="green")
    table.add_row("", progress)
    return table


def key_help() -> Text:
    """The keys line: each key in bold, its action dim."""
    return Text("  ").join(Text.assemble((key, "bold"), " ", (action, "dim")) for key, action in KEY_HELP)


def render_live(timeline: Timeline, caps: DeviceCapabilities, snap: Snapshot,
                notes: tuple[str, ...] = ()) -> RenderableType:
    """The whole live screen for one snapshot: pure, so it can be tested on a recording console."""
    body = Table.grid(padding=(0, 3))
    body.add_row(render_map(caps, snap.settings), info_table(timeline, caps, snap))
    parts: list[RenderableType] = [body]
    if notes:
        parts.append(Text("\n".join(f"» {n}" for n in notes), style="italic"))
    parts.append(key_help())
    title = Text.assemble(("massagectl", "bold"), f" · {timeline.program_name} · {caps.model}")
    if caps.simulator:
        title.append("  ")
        title.append(" SIMULATOR ", style="bold black on yellow")
    return Panel(Group(*parts), title=title, title_align="left")


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

    def start(self, timeline: Timeline, caps: DeviceCapabilities) -> None:
        self._timeline, self._caps = timeline, caps
        self._live = Live(console=self.console, auto_refresh=self._auto,
                          refresh_per_second=1 / REDRAW_EVERY_S, vertical_overflow="visible",
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
        self._draw(self._now())
        if self._live is not None:
            self._live.stop()
            self._live = None
        style = "bold green" if outcome == "completed" else "bold red"
        tail = f": {message}" if message else ""
        self.console.print(Text.assemble((outcome.replace("_", " "), style), tail))

    def _screen(self) -> RenderableType:
        if self._snap is None or self._timeline is None or self._caps is None:
            return Text("connecting…")
        return render_live(self._timeline, self._caps, self._snap, tuple(self._notes))

    def _draw(self, now: float) -> None:
        if self._live is None or self._snap is None:
            return
        self._drawn_at, self._drawn_state = now, self._snap.state
        if self._auto:
            self._live.refresh()
        else:
            self._live.update(self._screen(), refresh=True)
