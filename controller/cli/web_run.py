"""Putting the web console up, for `massagectl web` and `massagectl serve --web`: where it listens, who may
connect, the devices it authors against, and what it says at start (controller/web/server.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:
    from controller.service.hub import ServiceHub
    from controller.web.server import WebServer

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
F = TypeVar("F", bound=Callable[..., object])


def listen_options(host: str = "--host", port: str = "--port", prefix: str = "") -> Callable[[F], F]:
    """Where the console listens and its token: `web`'s --host/--port, `serve`'s --web-host/--web-port."""
    def decorate(command: F) -> F:
        for option in (
            click.option("--token-file", type=click.Path(dir_okay=False, path_type=Path),
                         help=f"{prefix}File holding the token every request must carry (required "
                              "beyond loopback)."),
            click.option(port, type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
                         help=f"{prefix}Port to listen on (0: any free port, printed at start)."),
            click.option(host, default=DEFAULT_HOST, show_default=True,
                         help=f"{prefix}Address to listen on; anything but loopback needs --token-file."),
        ):
            command = option(command)
        return command
    return decorate


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
