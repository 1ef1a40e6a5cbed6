"""The web console as one Starlette application: configuration, templates, routes and the guard."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from controller.errors import ProgramErrors
from controller.program.diagnostics import UnplacedProgramError
from controller.program.library import ProgramFolder, program_folders
from controller.service.api import Hub
from controller.web.security import Guard
from controller.wire.capabilities import DeviceCapabilities

HERE = Path(__file__).resolve().parent
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]", "::1")
# C0 and C1 control characters but tab and newline: shown as \xNN, never passed to the page raw
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass
class WebConfig:
    """What the console serves: program folders, the health profile, the devices, and who may connect.

    `profiles` are the devices programs are shown, validated and checked against, by name: the command line
    gives the built-in simulator's foot and chair, learnt by their handshake (controller/cli/simdevice.py).
    """

    dirs: tuple[Path, ...] = ()
    profile_file: Path | None = None
    hub: Hub | None = None
    token: str | None = None
    hosts: tuple[str, ...] = LOOPBACK_NAMES
    env: Mapping[str, str] | None = None   # where the user's folders are (tests give their own)
    profiles: Mapping[str, DeviceCapabilities] = field(default_factory=dict)

    def folders(self) -> tuple[ProgramFolder, ...]:
        """Program folders in lookup order: --dir folders, the user's, the built-in library."""
        return program_folders(self.dirs, self.env)

    def user_folder(self) -> ProgramFolder:
        return next(f for f in self.folders() if f.origin == "user")

    def built_in_folder(self) -> ProgramFolder:
        return next(f for f in self.folders() if f.origin == "built-in")

    def caps(self, profile: str) -> DeviceCapabilities:
        """The device profile named `profile`; a clear error for one the console does not have."""
        if profile not in self.profiles:
            raise ProgramErrors([UnplacedProgramError(
                f"unknown device profile {profile[:20]!r}; choose from {', '.join(self.profiles)}")])
        return self.profiles[profile]


def visible(value: Any) -> Any:
    """Every value a template prints, with control characters (terminal escapes) made visible."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def templates() -> Jinja2Templates:
    """Templates from the package, escaping everything they print (program text is never trusted)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, finalize=visible)
    return Jinja2Templates(env=env)


def create_app(config: WebConfig) -> Starlette:
    """The console for `config`; live pages only when it has a hub."""
    from controller.web import live_routes, program_routes

    pages = templates()
    routes: list[BaseRoute] = [
        *program_routes.routes(config, pages),
        *live_routes.routes(config, pages),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [Middleware(Guard, hosts=config.hosts, token=config.token)]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.config = config
    return app
