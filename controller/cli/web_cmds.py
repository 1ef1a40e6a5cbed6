"""`massagectl web`: the local web console (authoring, and live devices with --sim or --config)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from controller.cli.options import program_dirs_option
from controller.cli.web_run import listen_options


@click.command("web")
@listen_options()
@click.option("--sim", "sims", type=click.IntRange(1, 64), is_flag=False, flag_value=1,
              help="Drive N simulated devices (foot, chair, foot, …); --sim alone: one.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Drive the devices of a `massagectl serve` configuration file.")
@click.option("--remote-start", is_flag=True, help="With --sim: allow starting programs from the page.")
@click.option("--no-log", is_flag=True, help="Do not write session logs.")
@click.option("--profile-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Health profile for 'check against my profile' (default: the user's).")
@program_dirs_option
def web_cmd(host: str, port: int, token_file: Path | None, sims: int | None, config_path: Path | None,
            remote_start: bool, no_log: bool, profile_file: Path | None, dirs: tuple[Path, ...]) -> None:
    """Serve the web console: programs with their plot and table, an editor that validates as you type,
    'check against my profile', and (with --sim or --config) the devices live, with their controls."""
    from controller.cli.serve_run import run_service, service_config, service_hub
    from controller.cli.web_run import ConsoleOptions, check_console

    if sims is not None and config_path is not None:
        raise click.UsageError("give --sim N or --config FILE, not both")
    console = ConsoleOptions(host, port, token_file, profile_file)
    check_console(console)
    if sims is None and config_path is None:
        sys.exit(run_service(None, None, console, dirs))
    config = service_config(config_path, sims, remote_start=remote_start, broker=None, no_log=no_log,
                            dirs=dirs)
    sys.exit(run_service(service_hub(config), None, console, tuple(config.program_dirs)))


COMMANDS = (web_cmd,)
