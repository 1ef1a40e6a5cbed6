"""The `massagectl` console script: the top-level `--help` without importing click; all else through click.

`massagectl --help` is the first command a new user types, and importing click is most of its start-up
(issue 12: at most 2x `python -c pass`). The group's help is fixed text — its options and the command
table of controller/cli/commands.py — so its rendering at click's default width is kept in
controller/launch/helptext.py, and tests/controller/test_launch.py fails when it differs from click's own
rendering (the test says how to write it again). On a terminal narrower than that width, under another
program name, or for any other arguments, click renders and runs everything as before.
"""

from __future__ import annotations

import os
import sys

FULL_WIDTH = 80  # click's help is as wide as the terminal, up to 80 columns: at 80 and wider it is this text


def main() -> None:
    """The console script's entry point."""
    if _is_top_level_help(sys.argv) and _columns() >= FULL_WIDTH:
        from controller.launch.helptext import HELP

        _write(HELP)
        return
    from controller.cli import main as cli

    cli()


def _is_top_level_help(argv: list[str]) -> bool:
    return os.path.basename(argv[0]) == "massagectl" and argv[1:] in (["--help"], ["-h"])


def _columns() -> int:
    """The width click would find: $COLUMNS, else the terminal's, else 80 (shutil.get_terminal_size's
    order, without importing shutil)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else FULL_WIDTH


def _write(text: str) -> None:
    """The help on standard output; a reader that went away (`| head -1`) ends it quietly, as click's does,
    and an output that cannot be written is said in one line."""
    if sys.stdout is None:  # `massagectl --help >&-`: nowhere to write, nothing to say
        return
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        from controller import exitcodes
        from controller.cli.output import silence

        silence()  # the interpreter's own flush at exit must not fail again
        sys.exit(exitcodes.OUTPUT_CLOSED)
    except OSError as err:  # a full disk, a failing terminal: the one rule of the command line
        from controller.cli import exit_if_output_failed

        exit_if_output_failed(err)
        raise


def render() -> str:
    """`massagectl --help` as click renders it at FULL_WIDTH columns."""
    import click

    from controller.cli import main as cli

    # click's own width at FULL_WIDTH columns or more: min(columns, 80) - 2
    with click.Context(cli, info_name="massagectl", terminal_width=FULL_WIDTH - 2,
                       **cli.context_settings) as ctx:
        return cli.get_help(ctx) + "\n"


def module_text(help_text: str) -> str:
    """controller/launch/helptext.py for `help_text`."""
    if '"""' in help_text or "\\" in help_text:
        raise ValueError("the help text needs escaping: write helptext.py by hand with repr()")
    return (f'"""`massagectl --help` as click renders it at {FULL_WIDTH} columns: written by `python -m '
            'controller.launch`,\nchecked by tests/controller/test_launch.py."""\n\n'
            f'HELP = """\\\n{help_text}"""\n')
