"""The C floors: bench/peers/cfloor.c built with the host's C compiler, and its echo peer and client.

The binary goes to a per-user cache folder in the temp directory, named by a hash of the source and the
compiler, so it is built once per change and never committed. `$CC` picks the compiler (default `cc`).
Without one the C rows are skipped with the reason (`Unavailable`); a source that does not compile is a
bug in the benchmark and fails loudly.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.procs import Peer

SOURCE = Path(__file__).resolve().parent / "peers" / "cfloor.c"
CFLAGS = ("-O2", "-std=c11", "-Wall", "-Wextra")


class Unavailable(Exception):
    """No C compiler on this machine: the C floors cannot run (the message says what to install)."""


def compiler() -> str:
    """The C compiler's path: $CC, else `cc`; Unavailable when there is none."""
    name = os.environ.get("CC") or "cc"
    found = shutil.which(name)
    if found is None:
        raise Unavailable(f"no C compiler {name!r}: install the Debian package gcc (apt-get install gcc), "
                          "or point $CC at one")
    return found


def cache_dir() -> Path:
    """Where built binaries live: the temp folder, one subfolder per user."""
    return Path(tempfile.gettempdir()) / f"massagectl-bench-{os.getuid()}"


def build() -> Path:
    """The cfloor binary, compiled now unless this source was already built with this compiler."""
    cc = compiler()
    tag = hashlib.sha256(SOURCE.read_bytes() + cc.encode() + " ".join(CFLAGS).encode()).hexdigest()[:12]
    binary = cache_dir() / f"cfloor-{tag}"
    binary.parent.mkdir(mode=0o700, exist_ok=True)
    if binary.parent.stat().st_uid != os.getuid():  # a shared temp folder: run only what we built
        raise RuntimeError(f"{binary.parent} belongs to another user: remove it, or set TMPDIR")
    if binary.exists():
        return binary
    partial = binary.with_name(f"{binary.name}.{os.getpid()}.tmp")
    done = subprocess.run([cc, *CFLAGS, "-o", str(partial), str(SOURCE)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{cc} could not build {SOURCE.name}:\n{done.stderr[-2000:]}")
    os.replace(partial, binary)  # atomic: two benches building at once both end with a whole binary
    return binary


def _hex_list(messages: list[bytes]) -> str:
    return ",".join(m.hex() for m in messages)


def echo_peer(binary: Path, replies: list[bytes]) -> Peer:
    """The C echo on a new pty, answering a frame with sequence number n with replies[n] (256 of them)."""
    return Peer([str(binary), "echo", "cobs", _hex_list(replies)])


def fixed_peer(binary: Path, request: bytes, reply: bytes) -> Peer:
    """The C echo on a new pty, answering each exact `request` with `reply` at once."""
    return Peer([str(binary), "echo", "fixed", request.hex(), reply.hex()])


class CClient:
    """The C client on `path`: timed round trips of frames[1..255] in turn, each to the reply's 0x00."""

    def __init__(self, binary: Path, path: str, frames: list[bytes]) -> None:
        self.peer = Peer([str(binary), "client", path, _hex_list(frames)])

    def batch(self, n: int) -> list[float]:
        """n round trips timed by the client itself (CLOCK_MONOTONIC), in seconds."""
        answer = self.peer.ask(str(n))
        if isinstance(answer, dict):
            raise RuntimeError(f"the C client: {answer.get('error', answer)}")
        return [float(x) for x in answer]

    def close(self) -> None:
        self.peer.close()
