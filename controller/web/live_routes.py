"""The live page, the WebSocket that pushes device state, and device commands."""

from __future__ import annotations

from starlette.routing import BaseRoute
from starlette.templating import Jinja2Templates

from controller.web.app import WebConfig


def routes(config: WebConfig, pages: Jinja2Templates) -> list[BaseRoute]:
    """Nothing until there is a hub."""
    return []
