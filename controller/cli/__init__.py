"""`massagectl`: the command line. Each feature's module declares its commands and lists them in COMMANDS;
controller/cli/commands.py names the module of each, imported only when its command is used."""

from __future__ import annotations

import io
import os
import sys
from typing import Any

import click

from controller import exitcodes
from controller.cli.commands import LazyGroup
from controller.errors import (
    ConfigError,
    DeviceFault,
    DeviceRejected,
    LinkError,
    MassagerError,
    OutputError,
    ProgramError,
    ProgramErrors,
    ProtocolError,
    SafetyRefusal,
)


def exit_code_for(err: MassagerError) -> int:
    """The documented exit code for an expected error."""
    if isinstance(err, ProgramError | ProgramErrors | ConfigError | OutputError):
        return exitcodes.BAD_INPUT
    if isinstance(err, LinkError | ProtocolError):
        return exitcodes.LINK
    if isinstance(err, DeviceFault | DeviceRejected):
        return exitcodes.DEVICE_FAULT
    if isinstance(err, SafetyRefusal):
        return exitcodes.REFUSED
    return exitcodes.BAD_INPUT


class _Group(LazyGroup):
    """Turns every expected error into one line on stderr and its exit code, never a traceback."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **kwargs)
        except OSError as err:  # writing a help text or a usage error, before any command ran
            exit_if_output_failed(err)
            raise

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except MassagerError as err:
            from controller.ui.text import printable

            click.echo(f"massagectl: {printable(err, newlines=True)}", err=True)
            sys.exit(exit_code_for(err))
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except BrokenPipeError:  # `massagectl list | head`: its reader is gone, end quietly
            from controller.cli.output import silence

            silence()
            silence(sys.__stderr__)
            sys.exit(exitcodes.OUTPUT_CLOSED)
        except Exception as err:  # a bug: say so plainly; the traceback only on request
            exit_if_output_failed(err)
            if os.environ.get("MASSAGECTL_DEBUG"):
                raise
            from controller.ui.text import printable

            click.echo(f"massagectl: internal error: {type(err).__name__}: {printable(err)} (a bug: please "
                       "report it; MASSAGECTL_DEBUG=1 shows the traceback)", err=True)
            sys.exit(exitcodes.INTERNAL)


def exit_if_output_failed(err: BaseException) -> None:
    """`massagectl list > /dev/full`: the output, not a bug — one line and exit code 2."""
    if isinstance(err, OSError):
        from controller.cli.output import output_failure

        message = output_failure(err)
        if message is not None:
            click.echo(f"massagectl: {message}", err=True)
            sys.exit(exit_code_for(OutputError(message)))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for wire traces).")
def main(verbose: int) -> None:
    """Drive USB foot massagers and massage chairs, run massage programs, and author them."""
    import logging  # here, not at the top: `--help` never needs it (start-up, issue 12)

    from controller.ui.text import PrintableFormatter

    for stream in (sys.stdout, sys.stderr):  # a non-UTF-8 terminal shows \xb0 rather than failing on °
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    level = logging.WARNING - 10 * min(verbose, 2)
    handler = logging.StreamHandler()
    handler.setFormatter(PrintableFormatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])

