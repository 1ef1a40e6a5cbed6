"""1. Command round trip over a pty: the project's link and simulator, the echo floor, and pymodbus RTU.

Every contender talks to a peer in another process over a fresh pseudo-terminal pair. Batches of round
trips alternate between contenders, and each figure is the median over batches. Two cross pairs split our
round trip by side: the Link against the echo peer (what the host side adds to the floor) and raw bytes
against the simulator (what the simulator adds).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from bench import procs
from bench.stats import Target, alternate, at_least, at_most, summary_us
from controller.clock import RealClock
from controller.wire import codec
from controller.wire.link import Link
from controller.wire.protocol import MsgType, SetActuators, SetEntry
from controller.wire.transport import SerialTransport
from sim.messages import Ack, encode_message

ONE_ZONE = (SetEntry(zone=1, motion=1, intensity=3, speed=2, heat=0, lease_ms=1500),)
MODBUS_BAUD = 115200
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


class ModbusSyncContender:
    """pymodbus's blocking RTU client writing one holding register."""

    def __init__(self, peer: procs.Peer) -> None:
        from pymodbus.client import ModbusSerialClient

        self.client = ModbusSerialClient(port=peer.path, baudrate=MODBUS_BAUD, timeout=READ_TIMEOUT_S,
                                         retries=0)
        if not self.client.connect():
            raise RuntimeError(f"pymodbus could not open {peer.path}")

    def one(self) -> None:
        reply = self.client.write_register(0, 1234, device_id=1)
        if reply.isError():
            raise RuntimeError(f"pymodbus write failed: {reply}")

    def batch(self, n: int) -> list[float]:
        return time_batch(self.one, n)

    def close(self) -> None:
        self.client.close()


class ModbusAsyncContender:
    """pymodbus's asyncio RTU client writing one holding register, on an event loop kept across batches."""

    def __init__(self, peer: procs.Peer) -> None:
        from pymodbus.client import AsyncModbusSerialClient

        async def connect() -> AsyncModbusSerialClient:
            client = AsyncModbusSerialClient(port=peer.path, baudrate=MODBUS_BAUD, timeout=READ_TIMEOUT_S,
                                             retries=0)  # it needs a running loop to be built
            if not await client.connect():
                raise RuntimeError(f"pymodbus could not open {peer.path}")
            return client

        self.loop = asyncio.new_event_loop()
        self.client = self.loop.run_until_complete(connect())

    async def _batch(self, n: int) -> list[float]:
        out = []
        for _ in range(n):
            t0 = time.perf_counter()
            reply = await self.client.write_register(0, 1234, device_id=1)
            out.append(time.perf_counter() - t0)
            if reply.isError():
                raise RuntimeError(f"pymodbus write failed: {reply}")
        return out

    def batch(self, n: int) -> list[float]:
        return self.loop.run_until_complete(self._batch(n))

    def close(self) -> None:
        self.client.close()
        self.loop.run_until_complete(asyncio.sleep(0))  # let the transport's close callbacks run
        self.loop.close()


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


def contenders(sim: SerialTransport, echo: SerialTransport, modbus: list[procs.Peer]) -> dict[str, Any]:
    """The measured pair, the floor, the peers, and two cross pairs that split our cost by side."""
    return {"massagectl": LinkContender(sim, True), "floor": RawContender(echo, False),
            "pymodbus_sync": ModbusSyncContender(modbus[0]),
            "pymodbus_async": ModbusAsyncContender(modbus[1]),
            "link_to_echo": LinkContender(echo, False), "raw_to_sim": RawContender(sim, True)}


def run(params: RoundTripParams) -> dict[str, Any]:
    """Start the peers, alternate batches, and compare."""
    logging.getLogger("pymodbus").setLevel(logging.ERROR)
    with contextlib.ExitStack() as stack:
        sim, echo = stack.enter_context(procs.sim_host()), stack.enter_context(procs.echo_peer(ack_frames()))
        modbus = [stack.enter_context(procs.modbus_server()) for _ in range(2)]
        ports = [SerialTransport(sim.path), SerialTransport(echo.path)]
        for port in ports:
            stack.callback(port.close)
        cs = contenders(ports[0], ports[1], modbus)
        for c in cs.values():
            if hasattr(c, "close"):
                stack.callback(c.close)
            c.batch(20)  # warm up: imports, first page faults, pty buffers
        runs = alternate({n: partial(c.batch, params.per_batch) for n, c in cs.items()}, params.batches)
    return summarise({n: figures(r) for n, r in runs.items()})


def summarise(fig: dict[str, dict[str, float]]) -> dict[str, Any]:
    """Ratios to the floor and to pymodbus's faster client, and the issue's two targets."""
    ours = fig["massagectl"]["p50_us"]
    peer = min(fig["pymodbus_sync"]["p50_us"], fig["pymodbus_async"]["p50_us"])
    ratios = {"to_floor": ours / fig["floor"]["p50_us"], "peer_over_ours": peer / ours}
    targets: list[Target] = [
        at_most("round trip p50 / echo floor p50", ratios["to_floor"], 2, "x"),
        at_least("pymodbus faster client p50 / ours p50", ratios["peer_over_ours"], 2, "x"),
    ]
    ratios["link_cost_us"] = fig["link_to_echo"]["p50_us"] - fig["floor"]["p50_us"]
    ratios["sim_cost_us"] = fig["raw_to_sim"]["p50_us"] - fig["floor"]["p50_us"]
    return {"contenders": fig, "ratios": ratios, "frame_bytes": {"set": len(set_frames()[1]),
                                                                 "ack": len(ack_frames()[1])},
            "targets": [t.as_dict() for t in targets]}
