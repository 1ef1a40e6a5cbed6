"""Putting the web console up, for `massagectl web` and `massagectl serve --web`: where it listens, who may
connect, the devices it authors against, and what it says at start (controller/web/server.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from controller.service.hub import ServiceHub
    from controller.web.server import WebServer

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


@dataclass(frozen=True)
class ConsoleOptions:
    """The console's options of the command line."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token_file: Path | None = None
    profile_file: Path | None = None   # the health profile "check against my profile" reads


def check_console(options: ConsoleOptions) -> None:
    """Refuse, before any device starts, a console reachable from other machines without a token."""
    from controller.web.server import WebSetupError, is_loopback

    if not is_loopback(options.host) and options.token_file is None:
        raise WebSetupError(f"--host {options.host} is reachable from other machines: give --token-file FILE "
                            "(a secret every request must carry), or listen on 127.0.0.1")


def start_console(options: ConsoleOptions, hub: ServiceHub | None, dirs: tuple[Path, ...]) -> WebServer:
    """The console serving in a background thread over `hub` (None: authoring only); says where."""
    from controller.cli.simdevice import sim_profiles
    from controller.web.app import WebConfig, create_app
    from controller.web.server import WebServer, allowed_hosts, bind, read_token, startup_lines

    token = read_token(options.token_file) if options.token_file else None
    sock = bind(options.host, options.port)
    config = WebConfig(dirs=dirs, profile_file=options.profile_file, token=token, hub=hub,
                       hosts=allowed_hosts(options.host), profiles=sim_profiles())
    server = WebServer(create_app(config), sock)
    server.start()
    for line in startup_lines(options.host, server.port, options.token_file):
        click.echo(line, err=True)
    return server
