"""Helper processes on the far side of a pty: start one, learn its port, ask it questions, stop it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
START_TIMEOUT_S = 20.0


def python_env() -> dict[str, str]:
    """The environment for child processes: this repo importable, no bytecode surprises."""
    return {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}


def massagectl() -> str:
    """The installed `massagectl` entry point next to this interpreter, as a user would run it."""
    return str(VENV_BIN / "massagectl")


class Peer:
    """A child process that prints {"path", "pid"} first and then answers one JSON line per request."""

    def __init__(self, argv: list[str]) -> None:
        self.proc = subprocess.Popen(argv, cwd=REPO, env=python_env(), text=True, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE)
        hello = self._line()
        self.path: str = hello["path"]
        self.pid: int = hello["pid"]

    def ask(self, request: str) -> Any:
        """Send one request line and return its JSON answer."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(request + "\n")
        self.proc.stdin.flush()
        return self._line()

    def _line(self) -> Any:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"helper {self.proc.args!r} exited with {self.proc.wait()}")
        return json.loads(line)

    def close(self) -> None:
        """Ask it to end (closing stdin); kill it if it does not."""
        if self.proc.poll() is None:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> Peer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def python_peer(module: str, *args: str) -> Peer:
    """A peer written in Python (`python -m module args`), with this interpreter."""
    return Peer([sys.executable, "-m", module, *args])


def sim_host(profile: str = "foot") -> Peer:
    """The project's simulator in another process (bench/peers/simhost.py)."""
    return python_peer("bench.peers.simhost", profile)


def echo_peer(replies: list[bytes]) -> Peer:
    """The floor peer answering a frame with sequence number n with replies[n]."""
    return python_peer("bench.peers.echo", ",".join(r.hex() for r in replies))


def modbus_server() -> Peer:
    """pymodbus's RTU server in another process."""
    return python_peer("bench.peers.modbus_server")
