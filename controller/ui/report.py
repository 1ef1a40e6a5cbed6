"""A session report as rich tables: the session, the zones, then what happened along the way.

Log text is data: every string from a log is shown as it is, never read as rich markup.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from controller.runs.report import Incident, Report
from controller.timetext import clock_text


def render_report(r: Report) -> RenderableType:
    """The report as rich tables: the session, the zones, then what happened along the way."""
    parts: list[RenderableType] = [_overview(r)]
    if r.zones:
        parts.append(_zone_table(r))
    incidents = sorted((*r.faults, *r.events, *r.notes), key=lambda i: i.t)
    if incidents:
        parts.append(_incident_table(incidents))
    return Group(*parts)


def _add(table: Table, *cells: str | Text) -> None:
    """A row whose strings are shown as they are: log text is data, never rich markup."""
    table.add_row(*(Text(c) if isinstance(c, str) else c for c in cells))


def _out_of(value: int, top: int | None) -> str:
    return f"{value}/{top}" if top else str(value)


def _overview(r: Report) -> Table:
    """Program, device, times, peak and how it ended."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    name = f"{r.program_name} ({r.program})" if r.program_name else r.program
    planned = f" of {clock_text(r.planned_s)} planned" if r.planned_s is not None else ""
    at = f" at {clock_text(r.end_position_s)}" if r.end_position_s is not None else ""
    if r.sessions > 1:
        _add(table, "session", f"{r.session} of {r.sessions} in this log (--session N for another)")
    _add(table, "program", name)
    _add(table, "device", r.device + (" [simulator]" if r.simulator else ""))
    _add(table, "started", r.started or "unknown")
    _add(table, "duration", f"{clock_text(r.duration_s)}{planned}")
    _add(table, "ended", Text(f"{r.outcome.replace('_', ' ')}{at}", style=_outcome_style(r.outcome)))
    if r.end_error:
        _add(table, "", r.end_error)
    _add(table, "peak intensity", _out_of(r.peak_intensity, r.intensity_max))
    _add(table, "pauses", f"{r.pauses}, {clock_text(r.paused_s)} in all" if r.pauses else "none")
    _add(table, "faults", str(len(r.faults)) if r.faults else "none")
    if r.naks:
        _add(table, "NAKs", str(r.naks))
    if r.malformed:
        _add(table, "skipped", Text(f"{r.malformed} malformed lines", style="yellow"))
    return table


def _outcome_style(outcome: str) -> str:
    return {"completed": "green", "session_limit": "green", "stopped": "yellow"}.get(outcome, "bold red")


def _zone_table(r: Report) -> Table:
    table = Table(title="time per zone", title_justify="left")
    table.add_column("zone")
    table.add_column("active", justify="right")
    table.add_column("share", justify="right")
    table.add_column("peak intensity", justify="right")
    for z in r.zones:
        share = f"{100 * z.active_s / r.duration_s:.0f}%" if r.duration_s > 0 else "—"
        _add(table, z.zone, clock_text(z.active_s), share, _out_of(z.peak_intensity, r.intensity_max))
    return table


def _incident_table(incidents: list[Incident]) -> Table:
    table = Table(title="faults, events and notes", title_justify="left")
    table.add_column("at", justify="right")
    table.add_column("kind")
    table.add_column("detail")
    for i in incidents:
        style = "bold red" if i.kind in ("fault", "emergency_stop") else ""
        _add(table, clock_text(i.t), Text(i.kind.replace("_", " "), style=style), i.detail)
    return table
