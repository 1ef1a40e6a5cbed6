"""Rich renderings of programs for the terminal: the catalogue, a program's header, its timeline."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text

from controller.program.library import CatalogEntry
from controller.program.loader import LoadedProgram
from controller.timeline import Command, Timeline
from controller.timetext import format_duration, minutes_text
from controller.ui.console import Console
from controller.ui.text import literal
from controller.wire.capabilities import DeviceCapabilities


def console() -> Console:
    """The console commands print to (no colour when not a terminal, wide enough for tables)."""
    return Console(width=None if Console().is_terminal else 140)


def catalog_table(entries: Sequence[CatalogEntry]) -> Table:
    """Every program found, with where it comes from; later ones with a taken id are marked."""
    table = Table("id", "name", "class", "length", "from", "file", title="Programs")
    first: dict[str, CatalogEntry] = {}
    for entry in entries:
        if entry.loaded is None:
            table.add_row("—", Text("invalid: see below", style="red"), "", "",
                          entry.folder.origin, literal(entry.file))
            continue
        p = entry.loaded.program
        taken = first.setdefault(p.id, entry) is not entry
        origin = entry.folder.origin + (f" (hidden by {first[p.id].file})" if taken else "")
        table.add_row(literal(p.id), literal(p.name), p.intensity_class, format_duration(p.total_s),
                      literal(origin), literal(entry.file))
    return table


def program_header(loaded: LoadedProgram, caps: DeviceCapabilities) -> Group:
    """Name, description, device and the program's contraindications and cautions."""
    p = loaded.program
    lines = [
        literal(f"{p.name} ({p.id}) — {p.intensity_class}, on {caps.model}", style="bold"),
        literal(p.description, newlines=True),
    ]
    forbidden = [c.condition for c in loaded.conditions() if c.kind == "contraindication"]
    if forbidden:
        lines.append(literal("Not for: " + ", ".join(forbidden), style="yellow"))
    for ref in loaded.conditions():
        if ref.kind == "caution":
            lines.append(literal(f"Caution, {ref.condition}: {ref.note or 'take care'}", style="yellow"))
    return Group(*lines)


def timeline_columns(caps: DeviceCapabilities) -> tuple[str, ...]:
    """The timeline table's column headings, with each device scale."""
    return ("start", "duration", "step", "zones", "motion", f"intensity\n(0..{caps.intensity_max})",
            f"speed\n(1..{caps.speed_max})", f"heat\n(0..{caps.heat_max})")


def timeline_caption(timeline: Timeline) -> str:
    return (f"total {format_duration(timeline.total_s)} ({timeline.total_s:g} s), "
            f"{len(timeline.commands)} commands")


def timeline_table(timeline: Timeline, caps: DeviceCapabilities) -> Table:
    """One row per command: when, how long, which step, and the zones' settings in device levels."""
    title = literal(f"{timeline.program_name} on {timeline.device_model}")
    table = Table(*timeline_columns(caps), title=title, caption=timeline_caption(timeline))
    for command in timeline.commands:
        table.add_row(*(literal(cell) for cell in timeline_row(command)))
    return table


def timeline_row(command: Command) -> tuple[str, ...]:
    """One command as the table's cells, plain text (the terminal's table and the web console's)."""
    settings = command.settings
    motions = sorted({s.motion for s in settings})
    heated = [f"{s.heat} {s.zone}" for s in settings if s.heat]
    return (
        minutes_text(command.start_s),
        format_duration(command.duration_s),
        f"{command.step} {command.step_name}",
        ", ".join(s.zone for s in settings),
        ", ".join(motions),
        ", ".join(sorted({str(s.intensity) for s in settings})),
        ", ".join(sorted({str(s.speed) for s in settings})),
        ", ".join(heated) or "off",
    )
