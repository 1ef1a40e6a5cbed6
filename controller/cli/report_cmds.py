"""Commands of `massagectl` for session reports."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.argument("log", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON instead of a table.")
@click.option("--session", "number", type=click.IntRange(min=1), default=None,
              help="Which session of a log holding several (appended runs), from 1; default the last.")
def report(log: Path, as_json: bool, number: int | None) -> None:
    """Summarise the session log LOG: time per zone, peak intensity, pauses, faults and how it ended."""
    from controller.runs.report import load_report, report_json
    from controller.ui.console import Console
    from controller.ui.report import render_report

    summary = load_report(log, number)
    if as_json:
        click.echo(json.dumps(report_json(summary), indent=2))
    else:
        Console(highlight=False).print(render_report(summary))


COMMANDS = (report,)
