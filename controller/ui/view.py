"""What a user sees of a running session: a live terminal view, or plain timestamped lines for pipes and CI.

The player calls `update` on every loop iteration (hundreds of times a second on a virtual clock), so both
views do next to nothing per call: the live view redraws at most ~10 times a second of wall time (and at once
when the state changes), the plain view writes a line only when something it shows has changed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TextIO

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from controller.clock import RealClock
from controller.runs.player import Snapshot
from controller.timeline import Timeline, ZoneSetting
from controller.timetext import clock_text, stamp_text
from controller.wire.capabilities import DeviceCapabilities

REDRAW_EVERY_S = 0.1    # live view: ~10 Hz of wall time is smooth and costs little
SETTLE_S = 1.0          # plain view: a ramp's changes within a step make one line per program second
TEMPERATURE_STEP_C = 1.0  # plain view: report temperature moves of at least this much, not sensor jitter
NOTES_SHOWN = 4
KEY_HELP = (("space", "pause/resume"), ("+/-", "intensity"), ("n", "next step"), ("s", "stop"),
            ("e", "EMERGENCY STOP"), ("q", "quit (stops safely)"))


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
    """A live view on a terminal, plain lines otherwise (the caller knows whether keys can be read)."""
    if interactive:
        return LiveView(Console(file=stream), auto_refresh=True)
    return PlainView(stream)


# --- shared formatting ----------------------------------------------------------------------------

def step_count(timeline: Timeline) -> int:
    """How many program steps the timeline plays (steps are numbered from 1)."""
    return max((c.step for c in timeline.commands), default=0)


def settings_text(settings: tuple[ZoneSetting, ...]) -> str:
    """One zone per clause, in device units: `ankle swing i=6 s=3`, heat only when on."""
    if not settings:
        return "all off"
    return ", ".join(f"{s.zone} {s.motion} i={s.intensity} s={s.speed}" + (f" h={s.heat}" if s.heat else "")
                     for s in settings)


def state_label(state: str) -> str:
    """A session state as a user reads it; the emergency stop shouts."""
    return "EMERGENCY STOP" if state == "emergency_stop" else state.replace("_", " ")


# --- the map --------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class MapRow:
    """Zones side by side on one line of the outline, between its left and right edges."""

    zones: tuple[str, ...]
    indent: int = 0
    left: str = ""
    right: str = ""


MAP_WIDTH = 38
# The sole of a right foot, toes up: big toe and the spine line on the inner side, as DOMAIN.md places them.
FOOT_MAP: tuple[MapRow | str, ...] = (
    "   _.-~~-._.-~-._.-~-._.-~-._.-~-._",
    MapRow(("big_toe_pad", "toe_tips"), 1, "(", ")"),
    MapRow(("ball",), 1, "|", "|"),
    MapRow(("diaphragm",), 1, "|", "|"),
    MapRow(("spine_arch", "outer_edge"), 1, "|", "|"),
    MapRow(("kidney",), 2, "\\", "/"),
    MapRow(("heel",), 3, "\\", "/"),
    "       '.______________________.'",
    MapRow(("ankle", "instep")),
    MapRow(("calf",)),
)
# A chair seen from the front, head to feet.
CHAIR_MAP: tuple[MapRow | str, ...] = (
    MapRow(("neck",)),
    MapRow(("shoulders",), 3, "╭─", "─╮"),
    MapRow(("upper_back",), 3, "│", "│"),
    MapRow(("lower_back",), 3, "│", "│"),
    MapRow(("seat",), 3, "╰─", "─╯"),
    MapRow(("calves",)),
    MapRow(("feet",)),
)
_CHAIR_ZONES = {z for row in CHAIR_MAP if isinstance(row, MapRow) for z in row.zones}


def map_layout(caps: DeviceCapabilities) -> tuple[MapRow | str, ...]:
    """The chair's map when the device has chair zones, else the foot's; zones off the map get a row."""
    layout = CHAIR_MAP if _CHAIR_ZONES & set(caps.zone_names) else FOOT_MAP
    drawn = {z for row in layout if isinstance(row, MapRow) for z in row.zones}
    extra = tuple(z for z in caps.zone_names if z not in drawn)
    return layout + ((MapRow(extra),) if extra else ())


def intensity_colour(intensity: int, intensity_max: int) -> str:
    """Green, yellow, red by thirds of the device's range."""
    ratio = intensity / max(1, intensity_max)
    return "green" if ratio <= 1 / 3 else "yellow" if ratio <= 2 / 3 else "red"


def zone_slot(name: str, setting: ZoneSetting | None, caps: DeviceCapabilities) -> Text:
    """A zone's label: dim when off, highlighted with its intensity (or heat level) when on."""
    width = max(2, len(str(caps.intensity_max)))
    if setting is None:
        return Text(f" {name} {'':>{width}} ", style="dim")
    if setting.intensity:
        value, colour = str(setting.intensity), intensity_colour(setting.intensity, caps.intensity_max)
    else:
        value, colour = f"h{setting.heat}", "dark_orange"
    return Text(f" {name} {value:>{width}} ", style=f"bold black on {colour}")


def render_map(caps: DeviceCapabilities, settings: tuple[ZoneSetting, ...]) -> Text:
    """The device's body map as text, the zones it holds now highlighted."""
    held = {s.zone: s for s in settings}
    lines: list[Text] = []
    for row in map_layout(caps):
        if isinstance(row, str):
            lines.append(Text(row, style="dim"))
            continue
        inner = Text(" ").join(zone_slot(z, held.get(z), caps) for z in row.zones if caps.zone(z))
        room = MAP_WIDTH - 2 * row.indent - len(row.left) - len(row.right)
        pad = max(0, room - inner.cell_len)
        line = Text(" " * row.indent) + Text(row.left, style="dim") + Text(" " * (pad // 2))
        line += inner + Text(" " * (pad - pad // 2)) + Text(row.right, style="dim")
        line.rstrip()
        lines.append(line)
    return Text("\n").join(lines)


# --- the live view --------------------------------------------------------------------------------

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


# --- the plain view -------------------------------------------------------------------------------

class PlainView:
    """Timestamped lines (program position, [hh:mm:ss]) for pipes and CI; silent while nothing changes."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._steps = 0
        self._position_s = 0.0
        self._state = ""
        self._step = -1
        self._settings: tuple[ZoneSetting, ...] = ()
        self._settings_at = float("-inf")
        self._offset = 0
        self._temperature_c: float | None = None

    def start(self, timeline: Timeline, caps: DeviceCapabilities) -> None:
        self._steps = step_count(timeline)
        where = f"{caps.model} [simulator]" if caps.simulator else caps.model
        self._line(f"{timeline.program_name} ({timeline.program_id}) on {where}: "
                   f"{self._steps} steps, {clock_text(timeline.total_s)}")

    def update(self, snap: Snapshot) -> None:
        self._position_s = snap.position_s
        if snap.state != self._state:
            self._state, self._settings_at = snap.state, snap.position_s
            self._line(state_label(snap.state))
        if snap.step != self._step:
            self._step_line(snap)
        elif snap.settings != self._settings:
            self._settings_changed(snap)
        if snap.offset != self._offset:
            self._offset = snap.offset
            self._line(f"intensity offset {snap.offset:+d}")
        self._temperature(snap.temperature_c)

    def note(self, text: str) -> None:
        self._line(text)

    def finish(self, outcome: str, message: str) -> None:
        self._line(outcome.replace("_", " ") + (f": {message}" if message else ""))

    def _settings_changed(self, snap: Snapshot) -> None:
        """Within a step, while running: one line per SETTLE_S, so a ramp does not flood the output."""
        if snap.state != "running":
            self._settings = snap.settings  # pausing, stopping: the state line already said so
        elif snap.position_s - self._settings_at >= SETTLE_S:
            self._step_line(snap)

    def _step_line(self, snap: Snapshot) -> None:
        self._step, self._settings, self._settings_at = snap.step, snap.settings, snap.position_s
        name = f" ({snap.step_name})" if snap.step_name else ""
        self._line(f"step {snap.step}/{self._steps}{name}: {settings_text(snap.settings)}")

    def _temperature(self, temperature_c: float | None) -> None:
        if temperature_c is None:
            return
        last = self._temperature_c
        if last is None or abs(temperature_c - last) >= TEMPERATURE_STEP_C:
            self._temperature_c = temperature_c
            self._line(f"temperature {temperature_c:.1f} °C")

    def _line(self, text: str) -> None:
        self.stream.write(f"[{stamp_text(self._position_s)}] {text}\n")
        self.stream.flush()
