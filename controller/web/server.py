"""Running the console under uvicorn: where it listens, who may connect, and what it says at start.

It listens on loopback unless told otherwise. Listening anywhere else needs a token (`--token-file`),
and the server says so loudly: a massage device's stop and start buttons must not be open to a network.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import stat
import threading
from pathlib import Path
from typing import ClassVar

from controller.errors import MassagerError

MIN_TOKEN_CHARS = 16
MAX_TOKEN_FILE_BYTES = 4096


class WebSetupError(MassagerError):
    """The console cannot start as asked: a bad address, a missing token, a port in use."""

    kind: ClassVar[str] = "web_setup"


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_token(path: Path) -> str:
    """The token in `path`: one line of at least MIN_TOKEN_CHARS characters; WebSetupError otherwise."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise WebSetupError(f"--token-file {path}: not a regular file")
        if info.st_size > MAX_TOKEN_FILE_BYTES:
            raise WebSetupError(f"--token-file {path}: larger than {MAX_TOKEN_FILE_BYTES} bytes")
        token = path.read_text(encoding="utf-8").strip()
    except OSError as err:
        raise WebSetupError(f"--token-file {path}: cannot read: {err.strerror}") from None
    except UnicodeDecodeError:
        raise WebSetupError(f"--token-file {path}: not UTF-8 text") from None
    if len(token) < MIN_TOKEN_CHARS or any(c.isspace() or not c.isprintable() for c in token):
        raise WebSetupError(f"--token-file {path}: the token must be one word of at least {MIN_TOKEN_CHARS} "
                            "printable characters (e.g. `python3 -c 'import secrets; "
                            "print(secrets.token_urlsafe(24))' > FILE`)")
    return token


def allowed_hosts(host: str) -> tuple[str, ...]:
    """Host names a request may carry: loopback names on loopback; any name once a token guards it."""
    if is_loopback(host):
        return ("127.0.0.1", "localhost", "[::1]", "::1")
    return ("*",)


def startup_lines(host: str, port: int, token_file: Path | None) -> list[str]:
    """What the server prints at start; beyond loopback, a loud warning and how to get in."""
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    if is_loopback(host):
        lines = [f"massagectl web: {url} (this machine only)"]
        if token_file:
            lines.append(f"  every request needs the token in {token_file}: open {url}?token=… once")
        return lines
    return [
        "!" * 78,
        f"!! massagectl web is listening on {url} — REACHABLE FROM OTHER MACHINES.",
        f"!! Every request needs the token in {token_file}; open {url}?token=<that token> once.",
        "!! Anyone with the token can start and stop the devices; keep it secret, use a trusted network.",
        "!" * 78,
    ]


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on `host`:`port` (0: a free port); WebSetupError when it cannot be had."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise WebSetupError(f"--host {host}: {err.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as err:
        sock.close()
        raise WebSetupError(f"cannot listen on {host}:{port}: {err.strerror}") from None
    sock.set_inheritable(True)
    return sock


class WebServer:
    """uvicorn serving one app on one bound socket, in this thread (`run`) or a background one (`start`)."""

    def __init__(self, app: object, sock: socket.socket) -> None:
        import uvicorn

        self.sock = sock
        level = os.environ.get("MASSAGECTL_WEB_LOG", "warning")  # uvicorn's own log, for debugging
        config = uvicorn.Config(app, log_level=level,  # type: ignore[arg-type]
                                ws_max_size=64 * 1024, server_header=False, lifespan="off",
                                timeout_graceful_shutdown=2)
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def run(self) -> None:
        """Serve until stopped (Ctrl-C or SIGTERM: uvicorn's own handlers end it cleanly)."""
        self.server.run(sockets=[self.sock])

    def start(self) -> None:
        """Serve from a background thread; returns once the server accepts connections."""
        self._thread = threading.Thread(target=self.run, name="massagectl-web", daemon=True)
        self._thread.start()
        while not self.server.started and self._thread.is_alive():
            self._thread.join(0.01)  # uvicorn has no started event; its flag is set within milliseconds
        if not self.server.started:
            raise WebSetupError("the web server did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
