"""`massagectl web`: the local web console (authoring, and live devices with --sim)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from controller.cli.options import program_dirs_option


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
@click.option("--profile-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Health profile for 'check against my profile' (default: the user's).")
@program_dirs_option
def web_cmd(host: str, port: int, token_file: Path | None, profile_file: Path | None,
            dirs: tuple[Path, ...]) -> None:
    """Serve the web console: the program library, a program's plot and table, an editor that validates
    as you type, and 'check against my profile'."""
    from controller.web.app import WebConfig, create_app
    from controller.web.server import (
        WebServer,
        WebSetupError,
        allowed_hosts,
        bind,
        is_loopback,
        read_token,
        startup_lines,
    )

    if not is_loopback(host) and token_file is None:
        raise WebSetupError(f"--host {host} is reachable from other machines: give --token-file FILE "
                            "(a secret every request must carry), or listen on 127.0.0.1")
    token = read_token(token_file) if token_file else None
    sock = bind(host, port)
    config = WebConfig(dirs=dirs, profile_file=profile_file, token=token, hosts=allowed_hosts(host))
    server = WebServer(create_app(config), sock)
    for line in startup_lines(host, server.port, token_file):
        click.echo(line, err=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
