"""`massagectl web`: the local web console (authoring, and live devices with --sim or --config)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from controller import exitcodes
from controller.cli.options import program_dirs_option

if TYPE_CHECKING:
    from controller.service.hub import ServiceHub


def register(group: click.Group) -> None:
    """Add this module's commands to the `massagectl` group."""
    group.add_command(web_cmd)


@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback needs --token-file.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on (0: any free port, printed at start).")
@click.option("--token-file", type=click.Path(dir_okay=False, path_type=Path),
              help="File holding the token every request must carry (required beyond loopback).")
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
    from controller.web.server import WebSetupError, is_loopback

    if sims is not None and config_path is not None:
        raise click.UsageError("give --sim N or --config FILE, not both")
    if not is_loopback(host) and token_file is None:
        raise WebSetupError(f"--host {host} is reachable from other machines: give --token-file FILE "
                            "(a secret every request must carry), or listen on 127.0.0.1")
    hub = None
    if sims is not None or config_path is not None:
        from controller.web.devices import web_hub

        hub, notes = web_hub(config_path, sims, remote_start=remote_start, no_log=no_log, dirs=dirs)
        for note in notes:
            click.echo(f"massagectl: {note}", err=True)
    _serve(host, port, token_file, profile_file, dirs, hub)


def _serve(host: str, port: int, token_file: Path | None, profile_file: Path | None, dirs: tuple[Path, ...],
           hub: ServiceHub | None) -> None:
    """Start the devices and the server; on SIGINT/SIGTERM stop every device first, then the server."""
    import sys

    from controller.cli.serve_run import stop_signals
    from controller.web.app import WebConfig, create_app
    from controller.web.server import WebServer, allowed_hosts, bind, read_token, startup_lines

    token = read_token(token_file) if token_file else None
    sock = bind(host, port)
    config = WebConfig(dirs=dirs, profile_file=profile_file, token=token, hosts=allowed_hosts(host),
                       hub=hub)
    server = WebServer(create_app(config), sock)
    stop = threading.Event()
    with stop_signals(stop):
        if hub is not None:
            hub.start()
        server.start()
        for line in startup_lines(host, server.port, token_file):
            click.echo(line, err=True)
        stop.wait()
        stuck = hub.stop() if hub is not None else []
        server.stop()
    if stuck:
        click.echo(f"massagectl: not confirmed stopped: {', '.join(stuck)} (their watchdogs stop them)",
                   err=True)
        sys.exit(exitcodes.LINK)
