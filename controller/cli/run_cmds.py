"""`massagectl run`: pick a program, run it on a massager or the simulator, and stay in control.

Only the options live here, so `massagectl --help` stays fast; controller/cli/run_session.py runs it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from controller.cli.options import baud_option, profile_option, program_dirs_option, safety_options


@click.command("run")
@click.argument("program")
@click.option("--port", "-p", help="Device path or pyserial URL of a real massager.")
@baud_option
@click.option("--sim", "use_sim", is_flag=True, help="Run against the built-in simulator.")
@profile_option("Simulator profile (with --sim).")
@click.option("--speed", help="Simulator only: speed-up factor, or 'max' for virtual time.")
@click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Session log file (JSON Lines); default ~/.local/state/massagectl/logs/.")
@click.option("--no-log", is_flag=True, help="Do not write a session log.")
@click.option("--reconnect", is_flag=True, help="If the device is lost, wait for it and resume gently.")
@safety_options
@program_dirs_option
def run_cmd(program: str, port: str | None, baud: int, use_sim: bool, profile: str, speed: str | None,
            log_path: Path | None, no_log: bool, reconnect: bool, profile_file: Path | None,
            acknowledge: bool, session_limit_s: float | None, max_intensity: int | None,
            dirs: tuple[Path, ...]) -> None:
    """Run PROGRAM (a built-in name or a file) on a massager (--port) or the simulator (--sim)."""
    from controller.cli.run_session import parse_speed, run_program

    if bool(port) == use_sim:
        raise click.UsageError("give exactly one of --port PORT or --sim")
    if use_sim and baud != 115200:
        raise click.UsageError("--baud is the line rate of a real massager's port (--port)")
    if log_path is not None and no_log:
        raise click.UsageError("give --log FILE or --no-log, not both")
    factor = parse_speed(speed)
    if factor is not None and port:
        raise click.UsageError("--speed works only with --sim: a real massager runs in real time")
    sys.exit(run_program(program, port=port, baud=baud, profile=profile, factor=factor, log_path=log_path,
                         no_log=no_log, reconnect=reconnect, profile_file=profile_file,
                         acknowledge=acknowledge, session_limit_s=session_limit_s,
                         max_intensity=max_intensity, dirs=dirs))


COMMANDS = (run_cmd,)
