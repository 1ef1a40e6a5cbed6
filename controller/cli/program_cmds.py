"""Commands of `massagectl` for the program feature: list, validate, show, plot, schema, new.

Program modules (pydantic, rich, matplotlib) are imported inside each command so `massagectl --help`
stays fast. A program's errors are ProgramErrors, a bad option value a click error, a file that cannot be
written an OutputError: each is exit 2 with one line that says what to fix.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from controller import exitcodes
from controller.cli.options import SESSION_LIMIT, profile_option, program_dirs_option
from controller.cli.simdevice import SIM_PROFILES
from controller.ui.text import printable

if TYPE_CHECKING:
    from controller.program.library import CatalogEntry
    from controller.program.loader import LoadedProgram
    from controller.timeline import Timeline
    from controller.wire.capabilities import DeviceCapabilities

_SKIPPED_SUFFIXES = (".py", ".pyc", ".pyo", ".md")
_COMPILE_FOR = "Simulator profile whose capabilities the program is compiled for."


def _session_limit(seconds: float | None) -> int:
    """--session-limit as whole seconds, within the range `run` accepts (the policy's rule)."""
    from controller.errors import SafetyRefusal
    from controller.safety.policy import policy_for

    try:
        return int(policy_for(None, session_limit_s=seconds).session_limit_s)
    except SafetyRefusal as err:
        raise click.BadParameter(str(err), param_hint="'--session-limit'") from None


def _check_output(path: Path) -> None:
    """OutputError unless `path` can be written as a regular file: its folder exists, and nothing else
    (a FIFO that would block, a device, a folder) is in its place."""
    import stat

    from controller.errors import OutputError
    from controller.userfiles import output_path_problem

    problem = output_path_problem(path, stat.S_ISREG)
    if problem:
        raise OutputError(f"{path}: cannot write: {problem}")


def _write_text(path: Path, text: str) -> None:
    """Write `text` to `path`; a failure is one line and exit 2, not a traceback."""
    from controller.errors import OutputError

    _check_output(path)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise OutputError(f"{path}: cannot write: {err.strerror or err}") from None


def _load(ref: str, dirs: Sequence[Path]) -> LoadedProgram:
    from controller.program.library import program_folders, resolve_program

    return resolve_program(ref, program_folders(dirs))


def _compile(loaded: LoadedProgram, profile: str) -> tuple[Timeline, DeviceCapabilities]:
    from controller.cli.simdevice import sim_profile_capabilities
    from controller.program.check import compile_loaded

    caps = sim_profile_capabilities(profile)
    return compile_loaded(loaded, caps), caps


@click.command("list")
@program_dirs_option
def list_cmd(dirs: tuple[Path, ...]) -> None:
    """List the built-in and user programs (user folder: $XDG_CONFIG_HOME/massagectl/programs)."""
    from controller.program.library import duplicate_ids, program_folders, scan_folder
    from controller.ui.programs import catalog_table, console

    entries: list[CatalogEntry] = []
    for folder in program_folders(dirs):
        entries += scan_folder(folder)
    console().print(catalog_table(entries))
    problems = [e for entry in entries for e in entry.errors] + duplicate_ids(entries)
    for problem in problems:
        click.echo(printable(problem), err=True)
    if problems:
        sys.exit(exitcodes.BAD_INPUT)


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@profile_option("Check against this simulator profile only (repeatable; default: all).", multiple=True)
@click.option("--session-limit", "session_limit_s", type=SESSION_LIMIT,
              help="Session limit to check the length against: minutes, or with a unit (20m, 90s); "
                   "default 15, at most 30.")
def validate_cmd(files: tuple[Path, ...], profiles: tuple[str, ...], session_limit_s: float | None) -> None:
    """Check program files; print every error as FILE:LINE: step N (name): field: message."""
    from controller.cli.simdevice import sim_profile_capabilities
    from controller.program.validate import expand_files, validate_file

    limit_s = _session_limit(session_limit_s)
    devices = [sim_profile_capabilities(p) for p in profiles or SIM_PROFILES]
    paths, skipped = expand_files(files, _SKIPPED_SUFFIXES)
    for path in skipped:
        click.echo(printable(f"{path}: skipped (not a program file)"), err=True)
    failed = 0
    for path in paths:
        errors, summary = validate_file(path, devices, limit_s)
        for error in errors:
            click.echo(printable(error), err=True)
        if not errors:
            click.echo(printable(f"{path}: ok ({summary})"))
        failed += bool(errors)
    if not paths:
        click.echo("massagectl: no program files to validate", err=True)
    if failed or not paths:
        sys.exit(exitcodes.BAD_INPUT)


@click.command("show")
@click.argument("program")
@profile_option(_COMPILE_FOR)
@program_dirs_option
def show_cmd(program: str, profile: str, dirs: tuple[Path, ...]) -> None:
    """Show a program (a name or a file) as a timeline table for a device profile."""
    from controller.ui.programs import console, program_header, timeline_table

    loaded = _load(program, dirs)
    timeline, caps = _compile(loaded, profile)
    out = console()
    out.print(program_header(loaded, caps))
    out.print(timeline_table(timeline, caps))


@click.command("plot")
@click.argument("program")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Image file to write: .png or .svg.")
@profile_option(_COMPILE_FOR)
@program_dirs_option
def plot_cmd(program: str, output: Path, profile: str, dirs: tuple[Path, ...]) -> None:
    """Draw a program: zones as lanes over time, intensity as height and colour, heat marked."""
    from controller.errors import OutputError
    from controller.ui.plot import PLOT_SUFFIXES, plot_timeline

    if output.suffix.lower() not in PLOT_SUFFIXES:
        raise click.BadParameter(f"{output}: can draw .png or .svg files only",
                                 param_hint="'-o' / '--output'")
    timeline, caps = _compile(_load(program, dirs), profile)
    _check_output(output)
    try:
        plot_timeline(timeline, caps, output)
    except OSError as err:
        raise OutputError(f"{output}: cannot write: {err.strerror or err}") from None
    click.echo(f"wrote {output}")


@click.command("schema")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the schema to this file instead of standard output.")
def schema_cmd(output: Path | None) -> None:
    """Print the JSON Schema of program files, for editors' YAML support."""
    from controller.program.authoring import program_json_schema

    text = json.dumps(program_json_schema(), indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        _write_text(output, text)


@click.command("new")
@click.argument("name")
@click.option("-o", "--output", help="File to write (default NAME.yaml; '-' for standard output).")
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
def new_cmd(name: str, output: str | None, force: bool) -> None:
    """Write a commented starter program called NAME that validates as it is."""
    from controller.errors import OutputError
    from controller.program.authoring import starter_program

    target = output or f"{name}.yaml"
    try:
        text = starter_program(name, None if target == "-" else target)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="'NAME'") from None
    if target == "-":
        click.echo(text, nl=False)
        return
    path = Path(target)
    _check_output(path)
    if os.path.lexists(path) and not force:
        raise OutputError(f"{path} exists; use --force to overwrite it")
    _write_text(path, text)
    click.echo(f"wrote {path}; check it with: massagectl validate {path}")


COMMANDS = (list_cmd, validate_cmd, show_cmd, plot_cmd, schema_cmd, new_cmd)
