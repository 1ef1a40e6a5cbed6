"""Who may talk to the console, and how much: one ASGI guard in front of every request and WebSocket.

- Host: only the names the server listens on (a DNS-rebinding page cannot reach a loopback console).
- Origin: a browser's request from another site is refused (no cross-site start, stop or save), for
  POSTs and for the WebSocket alike; JSON bodies must say `application/json`, which no plain form can.
- Token: when the server listens beyond loopback, every request needs the token, as
  `Authorization: Bearer …`, the `massagectl_token` cookie, or once as `?token=…` (which sets the cookie).
- Bodies: JSON bodies are read up to a limit, never whole first.
- Headers: a content security policy that allows only the console's own scripts, no framing, no sniffing.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Sequence
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "massagectl_token"
MAX_JSON_BYTES = 256 * 1024   # a 64 KiB program escaped into JSON, with room to spare
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class BadRequest(Exception):
    """A request the console cannot take: its status and a message for the user."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def read_json(request: Request, limit: int = MAX_JSON_BYTES) -> dict[str, Any]:
    """The JSON object in the request's body, read at most `limit` bytes; BadRequest otherwise."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise BadRequest(415, "send the request as application/json")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BadRequest(413, f"request body larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BadRequest(413, f"request body larger than {limit} bytes")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest(400, "the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadRequest(400, "the request body must be a JSON object")
    return data


def text_field(data: dict[str, Any], key: str, *, default: str | None = None, limit: int = 200) -> str:
    """A string member of a JSON request; BadRequest when missing, of another type or too long."""
    value = data.get(key, default)
    if not isinstance(value, str):
        raise BadRequest(400, f"{key!r} must be a string" if key in data else f"{key!r} is missing")
    if len(value) > limit:
        raise BadRequest(413, f"{key!r} is longer than {limit} characters")
    return value


class Guard:
    """ASGI middleware: host, origin and token checks, and the security headers on every response."""

    def __init__(self, app: ASGIApp, *, hosts: Sequence[str], token: str | None) -> None:
        self.app = app
        self.hosts = {h.lower() for h in hosts}
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await _refuse(scope, receive, send, *refusal)
            return
        if scope["type"] == "http" and self.token and _query_token(scope):
            await _strip_token(scope, receive, send, self.token)
            return
        await self.app(scope, receive, send_with_headers(send))

    def _refusal(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        host = headers.get("host", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if "*" not in self.hosts and name.lower() not in self.hosts:
            return 400, f"this console answers to {', '.join(sorted(self.hosts))}, not {host or 'no host'}"
        origin = headers.get("origin")
        unsafe = scope["type"] == "websocket" or scope.get("method") not in ("GET", "HEAD")
        if unsafe and origin is not None and origin.split("://", 1)[-1].lower() != host.lower():
            return 403, "requests from another site are refused"
        if self.token and not self._authorised(scope, headers):
            return 401, ("this console needs its token: open the address with ?token=… once "
                         "(see the --token-file the server was started with)")
        return None

    def _authorised(self, scope: Scope, headers: Headers) -> bool:
        assert self.token is not None
        expected = self.token.encode()
        in_address = _query_token(scope)
        if in_address is not None:  # a link with a token decides alone: a wrong one is refused
            return hmac.compare_digest(in_address.encode(), expected)
        offered = []
        bearer = headers.get("authorization", "")
        if bearer.lower().startswith("bearer "):
            offered.append(bearer[7:].strip())
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except CookieError:  # a malformed cookie header is just no cookie
            cookie = SimpleCookie()
        if COOKIE in cookie:
            offered.append(cookie[COOKIE].value)
        return any(hmac.compare_digest(o.encode(), expected) for o in offered if o)


def send_with_headers(send: Send) -> Send:
    """`send` that adds the security headers to the start of every HTTP response."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {k.lower() for k, _ in message.get("headers", [])}
            extra = [(k, v) for k, v in HEADERS if k not in present]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return wrapped


def _query_token(scope: Scope) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    return values[0] if values else None


async def _strip_token(scope: Scope, receive: Receive, send: Send, token: str) -> None:
    """A valid ?token= once: keep it as a cookie and send the browser on without it in the address."""
    query = {k: v for k, v in parse_qs(scope.get("query_string", b"").decode("latin-1")).items()
             if k != "token"}
    target = scope.get("path", "/") + (f"?{urlencode(query, doseq=True)}" if query else "")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")
    await response(scope, receive, send_with_headers(send))


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})
        return
    response: Response = PlainTextResponse(message + "\n", status_code=status)
    await response(scope, receive, send_with_headers(send))
