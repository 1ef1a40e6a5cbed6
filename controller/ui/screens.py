"""The live view's screens, one per terminal size, picked again at every redraw so a resize takes effect.

    full      the body map beside the figures, the notes, every key       from FULL_MIN_WIDTH columns
    compact   the figures and the lit zones, the notes, the keys in short  from COMPACT_MIN_WIDTH, 80×24
    status    one line: state, intensity, time left, the stop key, …      anything smaller

Each fits its terminal: no line wraps and a screen is never taller than the terminal (less one line, which
a frame that fills the terminal would scroll away). Text from a program or a device goes through
`literal`/`printable`: shown escaped, never read as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from controller.runs.player import Snapshot
from controller.timeline import Timeline
from controller.timetext import clock_text
from controller.ui.devicemap import MAP_WIDTH, intensity_colour, map_layout, render_map, zone_slot
from controller.ui.text import literal, printable, state_label, step_count
from controller.wire.capabilities import DeviceCapabilities

KEY_HELP = (("space", "pause/resume"), ("+/-", "intensity"), ("n", "next step"), ("s", "stop"),
            ("e", "EMERGENCY STOP"), ("q", "quit (stops safely)"))
SHORT_KEY_HELP = (("space", "pause"), ("+/-", "intensity"), ("n", "next"), ("s", "stop"),
                  ("e", "EMERGENCY STOP"), ("q", "quit"))
PANEL_ROWS = 2            # a panel's top and bottom borders
PANEL_COLUMNS = 4         # its side borders and padding
INFO_ROWS = 8             # step, next, state, intensity, motion, heat, time and the progress bar
FULL_MIN_WIDTH = 100      # the full key help (95 columns) in a panel
COMPACT_MIN_WIDTH = 72    # the short key help (68 columns) in a panel
COMPACT_ROWS = PANEL_ROWS + INFO_ROWS + 2   # the figures, the lit zones and the keys

STATE_STYLES = {"running": "bold green", "paused": "bold yellow", "stopping": "bold yellow",
                "completed": "bold green", "session_limit": "bold green", "stopped": "bold yellow",
                "fault": "bold red", "emergency_stop": "bold white on red"}


@dataclass(frozen=True, slots=True)
class Frame:
    """What every screen shows: the plan, the device, where the session is, and the latest notes."""

    timeline: Timeline
    caps: DeviceCapabilities
    snap: Snapshot
    notes: tuple[str, ...] = ()


class LiveScreen:
    """The screen that fits the console it is drawn on: full, compact or one status line."""

    def __init__(self, frame: Frame) -> None:
        self.frame = frame

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield screen_for(self.frame, console, options.max_width, options.max_height - 1)


def screen_for(frame: Frame, console: Console, width: int, rows: int) -> RenderableType:
    """The richest screen that fits `width` columns and `rows` lines; notes fill the lines left."""
    full_rows = PANEL_ROWS + max(len(map_layout(frame.caps)), INFO_ROWS) + 1
    if width >= FULL_MIN_WIDTH and rows >= full_rows:
        return full_screen(frame, note_lines(console, frame.notes, width - PANEL_COLUMNS, rows - full_rows))
    if width >= COMPACT_MIN_WIDTH and rows >= COMPACT_ROWS:
        notes = note_lines(console, frame.notes, width - PANEL_COLUMNS, rows - COMPACT_ROWS)
        return compact_screen(frame, notes)
    return status_line(frame, width)


def full_screen(frame: Frame, notes: Sequence[Text] = ()) -> Panel:
    """The body map beside the figures, then the notes, then every key."""
    body = Table.grid(padding=(0, 3))
    body.add_column(width=MAP_WIDTH, no_wrap=True, overflow="crop")
    body.add_column(no_wrap=True)
    body.add_row(render_map(frame.caps, frame.snap.settings), info_table(frame))
    return Panel(Group(body, *notes, key_help(KEY_HELP)), title=title(frame), title_align="left")


def compact_screen(frame: Frame, notes: Sequence[Text] = ()) -> Panel:
    """The figures with the lit zones in place of the map, the notes, the keys in short."""
    body = info_table(frame, lit_zones=True)
    return Panel(Group(body, *notes, key_help(SHORT_KEY_HELP)), title=title(frame), title_align="left")


def note_lines(console: Console, notes: Sequence[str], width: int, room: int) -> list[Text]:
    """The newest notes that fit `room` lines of `width`, wrapped, oldest first; the newest is cut to fit."""
    shown: list[Text] = []
    for note in reversed(notes):
        lines = literal(f"» {note}", style="italic").wrap(console, width)
        if len(lines) > room:
            if not shown and room > 0:
                last = lines[room - 1]
                last.truncate(width - 1)
                last.append("…")
                shown.append(Text("\n").join(lines[:room]))
            break
        shown.insert(0, Text("\n").join(lines))
        room -= len(lines)
    return shown


def title(frame: Frame) -> Text:
    """massagectl, the simulator badge (first, so it is never cut), the program and the device."""
    text = Text("massagectl", style="bold")
    if frame.caps.simulator:
        text.append(" ")
        text.append(" SIMULATOR ", style="bold black on yellow")
    text.append(f" · {printable(frame.timeline.program_name)} · {printable(frame.caps.model)}")
    return text


def info_table(frame: Frame, *, lit_zones: bool = False) -> Table:
    """Step, next, state, intensity (and the lit zones), motion, heat and time, one labelled line each."""
    snap, caps = frame.snap, frame.caps
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True, min_width=len("intensity"))  # a long value cannot squeeze it
    table.add_column(no_wrap=True)
    motions = sorted({f"{printable(s.motion)} (speed {s.speed}/{caps.speed_max})"
                      for s in snap.settings if s.intensity})
    remaining = max(0.0, snap.total_s - snap.position_s)
    table.add_row("step", literal(f"{snap.step}/{step_count(frame.timeline)} {snap.step_name}"))
    table.add_row("next", literal(snap.next_step_name or "— (last step)"))
    table.add_row("state", state_text(snap.state))
    table.add_row("intensity", intensity_bar(snap, caps))
    if lit_zones:
        table.add_row("zones", lit_zone_chips(snap, caps))
    table.add_row("motion", Text(", ".join(motions) or "none"))
    table.add_row("heat", Text(heat_text(snap, caps)))
    table.add_row("time", f"{clock_text(snap.position_s)} elapsed · {clock_text(remaining)} remaining")
    table.add_row("", ProgressBar(total=max(snap.total_s, 1e-9), completed=snap.position_s, width=30,
                                  complete_style="cyan", finished_style="green"))
    return table


def state_text(state: str) -> Text:
    return Text(state_label(state), style=STATE_STYLES.get(state, "dim"))


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


def lit_zone_chips(snap: Snapshot, caps: DeviceCapabilities) -> Text:
    """The zones the device holds on, each highlighted as on the map, or `none`."""
    chips = [zone_slot(s.zone, s, caps) for s in snap.settings if s.intensity or s.heat]
    return Text(" ").join(chips) if chips else Text("none", style="dim")


def heat_text(snap: Snapshot, caps: DeviceCapabilities, *, separator: str = " · ") -> str:
    """The highest heat level held and the device's plate temperature."""
    level = max((s.heat for s in snap.settings), default=0)
    heat = f"{level}/{caps.heat_max}" if caps.has_heater else "no heater"
    temp = f"{snap.temperature_c:.1f} °C" if snap.temperature_c is not None else "— °C"
    return f"{heat}{separator}{temp}"


def key_help(keys: tuple[tuple[str, str], ...] = KEY_HELP) -> Text:
    """The keys line: each key in bold, its action dim; one line, cut rather than wrapped."""
    line = Text("  ").join(Text.assemble((key, "bold"), " ", (action, "dim")) for key, action in keys)
    line.no_wrap, line.overflow = True, "ellipsis"
    return line


def status_line(frame: Frame, width: int) -> Text:
    """One line: the most important pieces that fit, in reading order; the step's name gets the room left."""
    snap, caps = frame.snap, frame.caps
    level = max((s.intensity for s in snap.settings), default=0)
    offset = f"{snap.offset:+d}" if snap.offset else ""
    step = Text(f"{snap.step}/{step_count(frame.timeline)}")
    # (priority: 0 is kept longest, text), in the order they are read
    pieces = [
        (0, state_text(snap.state)),
        (5, step),
        (1, Text(f"{level}/{caps.intensity_max}{offset}", style=intensity_colour(level, caps.intensity_max))),
        (6, Text(f"heat {heat_text(snap, caps, separator=' ')}")),
        (3, Text(f"{clock_text(max(0.0, snap.total_s - snap.position_s))} left")),
        (2, Text.assemble(("e", "bold"), " ", ("E-STOP", "dim"))),
        (7, Text.assemble(("q", "bold"), " ", ("quit", "dim"))),
    ]
    kept = _fitting(pieces, width)
    room = width - _joined_width(kept)
    if snap.step_name and room >= 5 and any(text is step for _, text in kept):  # a space and a few letters
        name = literal(" " + snap.step_name)
        name.truncate(room, overflow="ellipsis")
        step.append_text(name)
    line = Text(" · ", style="dim").join(text for _, text in kept)
    line.no_wrap, line.overflow = True, "ellipsis"
    return line


def _joined_width(pieces: list[tuple[int, Text]]) -> int:
    return sum(t.cell_len for _, t in pieces) + 3 * (len(pieces) - 1)


def _fitting(pieces: list[tuple[int, Text]], width: int) -> list[tuple[int, Text]]:
    """Drop the least important pieces until the rest, joined by ` · `, fit `width` (the first stays)."""
    kept = list(pieces)
    while len(kept) > 1 and _joined_width(kept) > width:
        kept.remove(max(kept, key=lambda piece: piece[0]))
    return kept
