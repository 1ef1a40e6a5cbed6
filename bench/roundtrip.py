"""1. Command round trip over a pty: the project's link and simulator, the floors, and pymodbus RTU.

Every contender talks to a peer in another process over a fresh pseudo-terminal pair. Batches of round
trips alternate between contenders, and each figure is the median over batches. Issue 6's rows: the link
against the simulator, the echo floor (pyserial's read pattern against a Python echo), pymodbus against
its own server, and two cross pairs. Issue 12's floors, all against the C echo (bench/peers/cfloor.c) on one
pty: a C client (the physical floor), Python's os.read/os.write (the Python floor), pyserial's read
pattern, the link, and pymodbus's clients against a second C echo that answers their request at once.
Each ratio names its floor (FLOORS); bench/README.md says why each is one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import statistics
import termios
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bench import modbus, native, procs
from bench.stats import Target, alternate, at_least, at_most, summary_us
from controller.clock import RealClock
from controller.wire import codec
from controller.wire.link import Link
from controller.wire.protocol import MsgType, SetActuators, SetEntry
from controller.wire.transport import SerialTransport
from sim.messages import Ack, encode_message

ONE_ZONE = (SetEntry(zone=1, motion=1, intensity=3, speed=2, heat=0, lease_ms=1500),)
READ_TIMEOUT_S = 1.0


@dataclass
class RoundTripParams:
    """How many round trips per batch, and how many alternating batches."""

    per_batch: int = 500
    batches: int = 7


def set_frames() -> list[bytes]:
    """The exact bytes the link sends for a one-zone SET, for every sequence number."""
    return [codec.encode_frame(seq, SetActuators(ONE_ZONE)) for seq in range(256)]


def ack_frames() -> list[bytes]:
    """The exact bytes the simulator answers a SET with, for every sequence number."""
    return [encode_message(seq, Ack(MsgType.SET)) for seq in range(256)]


def time_batch(one: Callable[[], object], n: int) -> list[float]:
    """n durations of `one()` in seconds, by the monotonic high-resolution counter."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        one()
        out.append(time.perf_counter() - t0)
    return out


class LinkContender:
    """massagectl's Link over a SerialTransport (shared with the raw contender on the same peer)."""

    def __init__(self, transport: SerialTransport, handshake: bool) -> None:
        self.transport = transport
        self.handshake = handshake

    def batch(self, n: int) -> list[float]:
        link = Link(self.transport, RealClock())
        if self.handshake:  # a fresh one per batch: the device's watchdog ends a session left silent
            link.handshake()
        return time_batch(lambda: link.set_actuators(ONE_ZONE), n)


class RawContender:
    """The same transport and read pattern with raw bytes only: write a SET, read to the reply's 0x00."""

    def __init__(self, transport: SerialTransport, handshake: bool) -> None:
        self.transport = transport
        self.handshake = handshake
        self.frames = set_frames()
        self.seq = 0

    def one(self) -> bytes:
        self.seq = self.seq % 255 + 1
        self.transport.write(self.frames[self.seq])
        got = self.transport.read(4096, READ_TIMEOUT_S)
        while not got.endswith(b"\x00"):
            more = self.transport.read(4096, READ_TIMEOUT_S)
            if not more:
                raise TimeoutError("the peer did not answer")
            got += more
        return got

    def batch(self, n: int) -> list[float]:
        if self.handshake:  # the simulator answers SET only after HELLO (and its watchdog ends a session)
            Link(self.transport, RealClock()).handshake()
        return time_batch(self.one, n)


class OsContender:
    """The Python floor: os.write the SET, os.read to the reply's 0x00 on a raw tty; nothing else."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        self.frames = set_frames()
        self.seq = 0

    def one(self) -> bytes:
        self.seq = self.seq % 255 + 1
        os.write(self.fd, self.frames[self.seq])
        got = os.read(self.fd, 4096)
        while not got.endswith(b"\x00"):
            more = os.read(self.fd, 4096)
            if not more:
                raise TimeoutError("the peer did not answer within a second")
            got += more
        return got

    def batch(self, n: int) -> list[float]:
        raw_with_timeout(self.fd)  # each batch: another client on this pty may have changed its settings
        return time_batch(self.one, n)

    def close(self) -> None:
        os.close(self.fd)


def raw_with_timeout(fd: int) -> None:
    """Raw tty whose blocking read returns what has arrived, or b"" after a second of silence (VTIME)."""
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[6][termios.VMIN], attrs[6][termios.VTIME] = 0, 10
    termios.tcsetattr(fd, termios.TCSANOW, attrs)


def figures(batches: list[list[float]]) -> dict[str, float]:
    """Median over batches of p50 and p99, the worst single round trip, and round trips per second."""
    per = [summary_us(b) for b in batches]
    return {
        "p50_us": statistics.median(s["p50_us"] for s in per),
        "p99_us": statistics.median(s["p99_us"] for s in per),
        "max_us": max(s["max_us"] for s in per),
        "per_s": statistics.median(len(b) / sum(b) for b in batches),
        "n": sum(len(b) for b in batches),
    }


def issue6_contenders(stack: contextlib.ExitStack) -> dict[str, Any]:
    """Issue 6's rows, kept so the history compares: the measured pair, its floor, pymodbus, cross pairs."""
    sim, echo = stack.enter_context(procs.sim_host()), stack.enter_context(procs.echo_peer(ack_frames()))
    servers = [stack.enter_context(procs.modbus_server()) for _ in range(2)]
    ports = [SerialTransport(sim.path), SerialTransport(echo.path)]
    for port in ports:
        stack.callback(port.close)
    return {"massagectl": LinkContender(ports[0], True), "floor": RawContender(ports[1], False),
            "pymodbus_sync": modbus.ModbusSyncContender(servers[0].path),
            "pymodbus_async": modbus.ModbusAsyncContender(servers[1].path),
            "link_to_echo": LinkContender(ports[1], False), "raw_to_sim": RawContender(ports[0], True)}


def c_echo_contenders(stack: contextlib.ExitStack, binary: Path) -> dict[str, Any]:
    """Issue 12's rows: every client of ours against one C echo; pymodbus's clients against C echoes."""
    echo = stack.enter_context(native.echo_peer(binary, ack_frames()))
    port = SerialTransport(echo.path)
    stack.callback(port.close)
    request, reply = modbus.write_register_request(), modbus.write_register_reply()
    peers = [stack.enter_context(native.fixed_peer(binary, request, reply)) for _ in range(2)]
    return {"c_client_c_echo": native.CClient(binary, echo.path, set_frames()),
            "python_os_c_echo": OsContender(echo.path), "pyserial_c_echo": RawContender(port, False),
            "link_c_echo": LinkContender(port, False),
            "pymodbus_sync_c_echo": modbus.ModbusSyncContender(peers[0].path),
            "pymodbus_async_c_echo": modbus.ModbusAsyncContender(peers[1].path)}


def run(params: RoundTripParams) -> dict[str, Any]:
    """Start the peers, alternate batches, and compare; the C rows are skipped, saying why, without cc."""
    logging.getLogger("pymodbus").setLevel(logging.ERROR)
    skipped = {}
    with contextlib.ExitStack() as stack:
        cs = issue6_contenders(stack)
        try:
            cs.update(c_echo_contenders(stack, native.build()))
        except native.Unavailable as why:
            skipped["c_echo"] = str(why)
        for c in cs.values():
            if hasattr(c, "close"):
                stack.callback(c.close)
            c.batch(20)  # warm up: imports, first page faults, pty buffers
        runs = alternate({n: partial(c.batch, params.per_batch) for n, c in cs.items()}, params.batches)
    return {**summarise({n: figures(r) for n, r in runs.items()}), "skipped": skipped}


# Each ratio: its key, numerator, and the floor it is measured against (the denominator and what it is).
PYTHON_FLOOR = "python_os_c_echo", "the Python floor: os.read/os.write ↔ C echo"
PHYSICAL_FLOOR = "c_client_c_echo", "the physical floor: C client ↔ C echo"
FLOORS: tuple[tuple[str, str, tuple[str, str]], ...] = (
    ("to_floor", "massagectl", ("floor", "issue 6's echo floor: pyserial's read pattern ↔ Python echo")),
    ("link_to_python_floor", "link_c_echo", PYTHON_FLOOR),
    ("ours_to_python_floor", "massagectl", PYTHON_FLOOR),
    ("pyserial_to_python_floor", "pyserial_c_echo", PYTHON_FLOOR),
    ("python_to_physical_floor", "python_os_c_echo", PHYSICAL_FLOOR),
    ("link_to_physical_floor", "link_c_echo", PHYSICAL_FLOOR),
)
# pymodbus's faster client over ours: (key, pymodbus's rows, ours, the peers both ran against)
PEERS: tuple[tuple[str, tuple[str, str], str, str], ...] = (
    ("peer_over_ours", ("pymodbus_sync", "pymodbus_async"), "massagectl",
     "each against its own server: mostly measures pymodbus's server"),
    ("client_peer_over_ours", ("pymodbus_sync_c_echo", "pymodbus_async_c_echo"), "link_c_echo",
     "client only: both against C echoes that answer at once"),
)


def ratios_of(fig: dict[str, dict[str, float]]) -> tuple[dict[str, float], dict[str, str]]:
    """Every ratio whose contenders ran, and for each what it divides by what (its floor, said)."""
    p50 = {name: f["p50_us"] for name, f in fig.items()}
    values, floors = {}, {}
    for key, ours, (floor, why) in FLOORS:
        if ours in p50 and floor in p50:
            values[key], floors[key] = p50[ours] / p50[floor], f"{ours} / {floor} ({why})"
    for key, theirs, ours, why in PEERS:
        if ours in p50 and all(t in p50 for t in theirs):
            values[key] = min(p50[t] for t in theirs) / p50[ours]
            floors[key] = f"min({', '.join(theirs)}) / {ours} ({why})"
    return values, floors


def summarise(fig: dict[str, dict[str, float]]) -> dict[str, Any]:
    """The ratios, each with its floor, what each side adds over the floor, and the targets."""
    ratios, floors = ratios_of(fig)
    ratios["link_cost_us"] = fig["link_to_echo"]["p50_us"] - fig["floor"]["p50_us"]
    ratios["sim_cost_us"] = fig["raw_to_sim"]["p50_us"] - fig["floor"]["p50_us"]
    targets: list[Target] = [
        at_most("round trip p50 / echo floor p50", ratios["to_floor"], 2, "x"),
        at_least("pymodbus faster client p50 / ours p50", ratios["peer_over_ours"], 2, "x")]
    if "link_to_python_floor" in ratios:
        targets += [
            at_most("link p50 / Python OS floor p50, both against the C echo",
                    ratios["link_to_python_floor"], 2, "x", issue="12"),
            at_least("pymodbus faster client p50 / link p50, client only (C echo)",
                     ratios["client_peer_over_ours"], 2, "x")]
    return {"contenders": fig, "ratios": ratios, "floors": floors,
            "frame_bytes": {"set": len(set_frames()[1]), "ack": len(ack_frames()[1])},
            "targets": [t.as_dict() for t in targets]}
