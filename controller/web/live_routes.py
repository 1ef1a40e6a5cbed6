"""The live page, the one WebSocket that pushes device state, and device commands.

Only the hub's contract (controller/service/api.py) is used: statuses, subscriptions and `command`, which
passes every request through the device's safety gate. Every command from a page is sent with origin
"web", so a remote start follows the device's own rule; stop and emergency stop are always honoured.

The WebSocket sends each device's status at once when it opens, then every change as it happens: a change
is handed from the device's thread to the event loop and sent straight away (several changes that pile up
while a send is in flight are merged into the newest).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.templating import Jinja2Templates
from starlette.websockets import WebSocket, WebSocketDisconnect

from controller.service.api import Command, CommandRefused, DeviceStatus, Hub
from controller.web.app import WebConfig
from controller.web.livestate import BUTTONS, device_map, status_json
from controller.web.security import BadRequest, read_json, text_field

log = logging.getLogger(__name__)
ALL = "*"                                     # the device "id" that means every device
FOR_ALL = (Command.STOP, Command.EMERGENCY_STOP)
MAX_COMMAND_BYTES = 4096


def routes(config: WebConfig, pages: Jinja2Templates) -> list[BaseRoute]:
    """The live routes; none when the console drives no devices."""
    if config.hub is None:
        return []
    live = _Live(config.hub, pages)
    return [
        Route("/live", live.page),
        WebSocketRoute("/ws", live.socket),
        Route("/api/devices/{device}/command", live.command, methods=["POST"]),
    ]


def parse_command(data: dict[str, Any]) -> tuple[Command, str | None, int | None]:
    """The command, program and level of a request body; BadRequest for anything malformed."""
    name = text_field(data, "command", limit=40)
    try:
        command = Command(name)
    except ValueError:
        choices = ", ".join(c.value for c in Command)
        raise BadRequest(400, f"unknown command {name!r}; expected one of: {choices}") from None
    program = data.get("program")
    if program is not None and (not isinstance(program, str) or len(program) > 64):
        raise BadRequest(400, "'program' must be a program id")
    level = data.get("level")
    if level is not None and (isinstance(level, bool) or not isinstance(level, int) or abs(level) > 100):
        raise BadRequest(400, "'level' must be a whole number")
    return command, program, level


class _Live:
    def __init__(self, hub: Hub, pages: Jinja2Templates) -> None:
        self.hub = hub
        self.pages = pages

    async def page(self, request: Request) -> Response:
        cards = [(status_json(h.status()), *device_map(h.status().kind)) for h in self.hub.devices()]
        return self.pages.TemplateResponse(request, "live.html", {
            "title": "Live", "live": True, "cards": cards, "programs": list(self.hub.programs()),
            "buttons": BUTTONS})

    async def command(self, request: Request) -> Response:
        try:
            command, program, level = parse_command(await read_json(request, MAX_COMMAND_BYTES))
        except BadRequest as err:
            return JSONResponse({"error": err.message}, status_code=err.status)
        target = request.path_params["device"]
        if target == ALL:
            return self._for_all(command)
        try:
            handle = self.hub.device(target)
        except CommandRefused as err:
            return JSONResponse({"error": str(err)}, status_code=404)
        try:
            handle.command(command, program=program, level=level, origin="web")
        except CommandRefused as err:
            return JSONResponse({"error": str(err), "device": target}, status_code=409)
        return JSONResponse({"ok": True, "device": target, "command": command.value})

    def _for_all(self, command: Command) -> Response:
        """Stop or emergency-stop every device; one device refusing never keeps the others running."""
        if command not in FOR_ALL:
            return JSONResponse({"error": f"only {' and '.join(FOR_ALL)} can be sent to every device"},
                                status_code=400)
        errors = {}
        for handle in self.hub.devices():
            try:
                handle.command(command, origin="web")
            except CommandRefused as err:
                errors[handle.device_id] = str(err)
        return JSONResponse({"ok": not errors, "command": command.value, "errors": errors},
                            status_code=409 if errors else 200)

    async def socket(self, websocket: WebSocket) -> None:
        await websocket.accept()
        outbox = _Outbox(asyncio.get_running_loop())
        unsubscribe = [h.subscribe(outbox.put_threadsafe) for h in self.hub.devices()]
        for handle in self.hub.devices():  # after subscribing: no change falls between the two
            outbox.put(handle.status())
        closed: asyncio.Future[object] = asyncio.ensure_future(_until_closed(websocket))
        try:
            while not closed.done():
                for status in await outbox.take(closed):
                    await websocket.send_json(status_json(status))
        except (WebSocketDisconnect, RuntimeError, OSError) as err:
            log.debug("live socket closed: %s", err)
        finally:
            for undo in unsubscribe:
                undo()
            closed.cancel()


class _Outbox:
    """The newest status of each device not yet sent, filled from device threads, emptied by the socket."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.pending: dict[str, DeviceStatus] = {}
        self.ready = asyncio.Event()

    def put_threadsafe(self, status: DeviceStatus) -> None:
        """From a device's thread: hand `status` to the loop (quietly, if the loop has closed)."""
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self.put, status)

    def put(self, status: DeviceStatus) -> None:
        held = self.pending.get(status.device_id)
        if held is None or status.revision >= held.revision:
            self.pending[status.device_id] = status
        self.ready.set()

    async def take(self, closed: asyncio.Future[object]) -> list[DeviceStatus]:
        """Every pending status, once there is one (nothing when the socket closes first)."""
        waiting: asyncio.Future[object] = asyncio.ensure_future(self.ready.wait())
        await asyncio.wait([waiting, closed], return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        self.ready.clear()
        batch, self.pending = list(self.pending.values()), {}
        return batch


async def _until_closed(websocket: WebSocket) -> None:
    """Read (and ignore) what the page sends until it goes away."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
