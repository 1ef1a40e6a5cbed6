"""The authoring pages (library, program, editor) and their JSON API (validate, check, save)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.templating import Jinja2Templates

from controller.errors import MassagerError, ProgramError, ProgramErrors, SafetyRefusal
from controller.paths import health_profile_file
from controller.program.authoring import starter_program
from controller.safety.health import load_profile
from controller.simnames import DEFAULT_PROFILE
from controller.web import authoring
from controller.web.app import WebConfig, visible
from controller.web.security import MAX_JSON_BYTES, BadRequest, read_json, text_field

_FILE_LIMIT = 120


def routes(config: WebConfig, pages: Jinja2Templates) -> list[BaseRoute]:
    """The authoring routes over `config`'s folders and health profile."""
    h = _Authoring(config, pages)
    return [
        Route("/", h.home),
        Route("/programs", h.library),
        Route("/programs/{ref}", h.program),
        Route("/programs/{ref}/edit", h.edit),
        Route("/new", h.new),
        Route("/api/validate", _api(h.validate), methods=["POST"]),
        Route("/api/check", _api(h.check), methods=["POST"]),
        Route("/api/save", _api(h.save), methods=["POST"]),
    ]


def error_json(err: ProgramError) -> dict[str, Any]:
    """One program error for the page: the `validate` line, and its line number to mark."""
    return {"text": str(err), "line": err.line, "message": err.message}


def _api(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
    """A JSON endpoint whose expected failures are clear JSON errors with fitting statuses."""

    async def endpoint(request: Request) -> Response:
        try:
            return JSONResponse(await handler(request))
        except BadRequest as err:
            return JSONResponse({"error": err.message}, status_code=err.status)
        except authoring.ProgramExists as err:
            return JSONResponse({"error": str(err), "exists": True, "id": err.program_id}, status_code=409)
        except ProgramErrors as err:
            return JSONResponse({"errors": [error_json(e) for e in err.errors]}, status_code=422)
        except MassagerError as err:
            return JSONResponse({"error": str(err)}, status_code=422)

    return endpoint


class _Authoring:
    def __init__(self, config: WebConfig, pages: Jinja2Templates) -> None:
        self.config = config
        self.pages = pages

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        context.setdefault("title", "massagectl")
        return self.pages.TemplateResponse(request, name, {"live": self.config.hub is not None, **context},
                                           status_code=status)

    def failure(self, request: Request, status: int, title: str, lines: list[str]) -> Response:
        return self.render(request, "error.html", status, title=title, lines=lines)

    async def home(self, request: Request) -> Response:
        return RedirectResponse("/live" if self.config.hub is not None else "/programs", status_code=303)

    async def library(self, request: Request) -> Response:
        rows, problems = await run_in_threadpool(authoring.library, self.config.folders())
        return self.render(request, "library.html", title="Programs", rows=rows, problems=problems,
                           user_dir=str(self.config.user_folder().path))

    async def program(self, request: Request) -> Response:
        ref, device = request.path_params["ref"], request.query_params.get("device", DEFAULT_PROFILE)
        try:
            caps = self.config.caps(device)
            page = await run_in_threadpool(authoring.program_page, ref, self.config.folders(), caps)
        except ProgramErrors as err:
            found = all(e.line is not None and e.file for e in err.errors)
            return self.failure(request, 422 if found else 404, f"Cannot show {ref}",
                                [str(e) for e in err.errors])
        return self.render(request, "program.html", title=page.loaded.program.name, page=page,
                           svg=_inline_svg(page.svg), devices=tuple(self.config.profiles), device=device,
                           ref=ref)

    async def edit(self, request: Request) -> Response:
        ref = request.path_params["ref"]
        try:
            loaded, origin = await run_in_threadpool(authoring.find_program, ref, self.config.folders())
            text = await run_in_threadpool(authoring.read_text, Path(loaded.file))
        except ProgramErrors as err:
            return self.failure(request, 404, f"Cannot open {ref}", [str(e) for e in err.errors])
        return self.render(request, "editor.html", title=f"Edit {loaded.program.name}", text=text,
                           file=Path(loaded.file).name, origin=origin,
                           replace=loaded.program.id if origin == "user" else "",
                           user_dir=str(self.config.user_folder().path))

    async def new(self, request: Request) -> Response:
        program_id = request.query_params.get("id", "my-program")
        try:
            text = starter_program(program_id, f"{program_id}.yaml")
        except ValueError as err:
            return self.failure(request, 400, "Cannot start a program", [str(err)])
        return self.render(request, "editor.html", title="New program", text=text,
                           file=f"{program_id}.yaml", origin="new", replace="",
                           user_dir=str(self.config.user_folder().path))

    async def validate(self, request: Request) -> dict[str, Any]:
        text, file = await _program_text(request)
        devices = list(self.config.profiles.values())
        errors, summary = await run_in_threadpool(authoring.validate_text, text, file, devices)
        return {"errors": [error_json(e) for e in errors], "summary": summary}

    async def check(self, request: Request) -> dict[str, Any]:
        data = await read_json(request)
        device = text_field(data, "device", default=DEFAULT_PROFILE, limit=20)
        if "program" in data:  # a program of the library, by its id
            ref = text_field(data, "program", limit=_FILE_LIMIT)
            loaded, _ = await run_in_threadpool(authoring.find_program, ref, self.config.folders())
            text = await run_in_threadpool(authoring.read_text, Path(loaded.file))
            file = loaded.file  # as `massagectl check ID` names it
        else:
            text, file = _text_from(data)
        return await run_in_threadpool(self._check, text, file, device)

    def _check(self, text: str, file: str, device: str) -> dict[str, Any]:
        loaded = authoring.load_text(text, file)
        try:
            health = load_profile(self.config.profile_file, self.config.env)
        except SafetyRefusal as err:
            raise SafetyRefusal(f"your health profile cannot be read: {err}") from None
        caps = self.config.caps(device)
        findings, assessment = authoring.check_program(loaded, health, caps)
        where = self.config.profile_file or health_profile_file(self.config.env)
        return {
            "program": loaded.program.name, "device": caps.model,
            "health": str(where) if health is not None else f"none ({where} not found)",
            "findings": [{"level": f.level.value, "text": str(f)} for f in findings],
            "verdict": assessment.verdict, "refused": assessment.refused,
        }

    async def save(self, request: Request) -> dict[str, Any]:
        data = await read_json(request)
        text, file = _text_from(data)
        replace = data.get("replace") or None
        if replace is not None and not isinstance(replace, str):
            raise BadRequest(400, "'replace' must be a program id")
        path = await run_in_threadpool(authoring.save_program, text, file, self.config.user_folder(),
                                       self.config.built_in_folder(), list(self.config.profiles.values()),
                                       replace=replace)
        if self.config.hub is not None:  # startable at once, and listed for MQTT's select
            await run_in_threadpool(self.config.hub.refresh_programs)
        program_id = path.stem
        return {"saved": str(path), "id": program_id, "url": f"/programs/{program_id}"}


async def _program_text(request: Request) -> tuple[str, str]:
    return _text_from(await read_json(request))


def _text_from(data: dict[str, Any]) -> tuple[str, str]:
    """The editor's text and the file name its errors are reported under."""
    text = text_field(data, "text", limit=MAX_JSON_BYTES)  # the loader says when a file is too big
    file = text_field(data, "file", default="program.yaml", limit=_FILE_LIMIT)
    return text, Path(file).name or "program.yaml"


def _inline_svg(svg: str) -> Markup:
    """matplotlib's SVG document as an element to put in a page: no XML prolog, no doctype.

    matplotlib escapes the text it writes (as comments beside the glyph paths); control characters
    from program text are made visible like everywhere else in the page.
    """
    start = svg.find("<svg")
    return Markup(visible(svg[start:] if start >= 0 else ""))
