"""9. The host side against the OS floor: the link, and Python's bare os.write/os.read, on one C peer.

A peer written in C (bench/peers/echo.c, built here with the host's `cc`; the section is skipped, with the
reason, where there is none) answers each frame at once with a canned ACK carrying its seq, so the peer
costs next to nothing. On the same peer, in alternating batches:

- `os_floor`: Python writing the SET's bytes with os.write and reading the ACK with os.read on a blocking
  descriptor — the least a Python host can pay for a round trip over a pty;
- `transport`: the same bytes through SerialTransport (what the link reads and writes with);
- `link`: massagectl's Link (encode, write, read, decode, match) over SerialTransport.

The target (issue 12, 2): link p50 ≤ 2 × os_floor p50.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import procs
from bench.roundtrip import ONE_ZONE, READ_TIMEOUT_S, ack_frames, figures, set_frames, time_batch
from bench.stats import Target, alternate, at_most
from controller.clock import RealClock
from controller.wire.link import Link
from controller.wire.transport import SerialTransport

SOURCE = Path(__file__).resolve().parent / "peers" / "echo.c"


@dataclass
class FloorParams:
    """How many round trips per batch, and how many alternating batches."""

    per_batch: int = 2000
    batches: int = 7


def build(workdir: Path) -> Path | None:
    """Compile the C peer with the host's cc; None when there is no compiler."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return None
    binary = workdir / "echo"
    subprocess.run([cc, "-O2", "-Wall", "-o", str(binary), str(SOURCE)], check=True, capture_output=True)
    return binary


class CPeer(procs.Peer):
    """The C peer in another process; it says where its pty is, and ends when its stdin closes."""

    def __init__(self, binary: Path, replies: list[bytes], workdir: Path) -> None:
        table = workdir / "replies.txt"
        table.write_text("".join(r.hex() + "\n" for r in replies))
        self.proc = subprocess.Popen([str(binary), str(table)], text=True, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE)
        hello = self._line()
        self.path = hello["path"]
        self.pid = hello["pid"]


class OsFloor:
    """Python's least: os.write the frame, os.read (blocking) until the reply's 0x00."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        self.frames = set_frames()
        self.seq = 0

    def one(self) -> None:
        self.seq = self.seq % 255 + 1
        os.write(self.fd, self.frames[self.seq])
        got = os.read(self.fd, 4096)
        while not got.endswith(b"\x00"):
            got += os.read(self.fd, 4096)

    def batch(self, n: int) -> list[float]:
        return time_batch(self.one, n)

    def close(self) -> None:
        os.close(self.fd)


class TransportOnly:
    """The same bytes through SerialTransport's write and read."""

    def __init__(self, transport: SerialTransport) -> None:
        self.transport = transport
        self.frames = set_frames()
        self.seq = 0

    def one(self) -> None:
        self.seq = self.seq % 255 + 1
        self.transport.write(self.frames[self.seq])
        got = self.transport.read(4096, READ_TIMEOUT_S)
        while not got.endswith(b"\x00"):
            got += self.transport.read(4096, READ_TIMEOUT_S)

    def batch(self, n: int) -> list[float]:
        return time_batch(self.one, n)


class LinkOnly:
    """massagectl's Link sending one-zone SETs; the peer ACKs each."""

    def __init__(self, transport: SerialTransport) -> None:
        self.link = Link(transport, RealClock())

    def batch(self, n: int) -> list[float]:
        return time_batch(lambda: self.link.set_actuators(ONE_ZONE), n)


def measure(binary: Path, workdir: Path, params: FloorParams) -> dict[str, Any]:
    """Alternate batches of the three contenders on one C peer; medians over batches."""
    with CPeer(binary, ack_frames(), workdir) as peer:
        floor = OsFloor(peer.path)
        transport = SerialTransport(peer.path)
        try:
            contenders: dict[str, Any] = {"os_floor": floor, "transport": TransportOnly(transport),
                                          "link": LinkOnly(transport)}
            runs: dict[str, Callable[[], list[float]]] = {
                name: (lambda c=c: c.batch(params.per_batch)) for name, c in contenders.items()}
            for c in contenders.values():  # warm up: first use pays for imports and page faults
                c.batch(50)
            batches = alternate(runs, params.batches)
        finally:
            transport.close()
            floor.close()
    return {name: figures(b) for name, b in batches.items()}


def run(params: FloorParams) -> dict[str, Any]:
    """Build the peer, measure, and compare with the floor."""
    with tempfile.TemporaryDirectory(prefix="massagectl-floor-") as tmp:
        workdir = Path(tmp)
        try:
            binary = build(workdir)
        except subprocess.CalledProcessError as err:
            return {"skipped": f"cc failed: {err.stderr[-500:]}", "targets": []}
        if binary is None:
            return {"skipped": "no C compiler (cc) on this machine", "targets": []}
        t0 = time.perf_counter()
        fig = measure(binary, workdir, params)
    floor = fig["os_floor"]["p50_us"]
    ratios = {"link_to_os_floor": fig["link"]["p50_us"] / floor,
              "transport_to_os_floor": fig["transport"]["p50_us"] / floor}
    target = at_most("link round trip p50 / Python OS floor p50", ratios["link_to_os_floor"], 2, "x")
    return {"contenders": fig, "ratios": ratios, "params": params.__dict__,
            "measure_s": round(time.perf_counter() - t0, 2), "targets": [Target.as_dict(target)]}


if __name__ == "__main__":
    print(json.dumps(run(FloorParams()), indent=1))
