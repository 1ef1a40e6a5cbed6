"""7. Wire budget: bytes per command, and each built-in program's busiest second against the line rate.

Each program runs on the virtual clock through a transport wrapper that notes every byte written and
read with the virtual time; the busiest second is the largest byte count in any sliding one-second window.
A byte costs 10 bit times on an 8N1 line (start + 8 data + stop). A UART is full duplex: each direction has
the line's whole capacity, so the honest figure is per direction, tx (host to device) and rx (device to
host), each against one direction's capacity. Issue 6's figure, both directions added against one
direction's capacity, stays beside it so the history compares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.library import builtin_programs, run_virtual
from bench.stats import Target, at_most
from controller.clock import VirtualClock
from controller.wire import codec
from controller.wire.protocol import Heartbeat, MsgType, SetActuators, SetEntry
from sim.messages import Ack, encode_message
from sim.wire import Frame, parse_encoded

BAUDS = (115200, 9600)
BITS_PER_BYTE = 10
HEADROOM = 4.0
DIRECTIONS = ("tx", "rx")
HANDSHAKE_S = 1.0  # virtual time: HELLO and one GET_ZONE per zone all land in the first instant


def entry(zone: int) -> SetEntry:
    return SetEntry(zone=zone, motion=2, intensity=5, speed=3, heat=1, lease_ms=1500)


def frame_kind(encoded: bytes) -> str:
    """The message type of one delimited frame (without its 0x00), for the traffic breakdown."""
    if not encoded:
        return "flush"
    frame = parse_encoded(encoded)
    return MsgType(frame.type).name if isinstance(frame, Frame) else "invalid"


@dataclass
class CountingTransport:
    """Wraps a transport and notes (virtual time, bytes, message type, direction) of every frame."""

    inner: Any
    clock: VirtualClock
    log: list[tuple[float, int]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    directions: list[str] = field(default_factory=list)

    def note(self, data: bytes, direction: str) -> None:
        # the in-process simulator hands over whole frames, so splitting on the delimiter is exact
        for piece in data.split(b"\x00")[:-1]:
            self.log.append((self.clock.now(), len(piece) + 1))
            self.kinds.append(frame_kind(piece))
            self.directions.append(direction)

    def write(self, data: bytes) -> None:
        self.note(data, "tx")
        self.inner.write(data)

    def read(self, max_bytes: int, timeout_s: float) -> bytes:
        data: bytes = self.inner.read(max_bytes, timeout_s)
        self.note(data, "rx")
        return data

    def one_way(self, direction: str) -> list[tuple[float, int]]:
        """The log of one direction only."""
        return [e for e, d in zip(self.log, self.directions, strict=True) if d == direction]

    def close(self) -> None:
        self.inner.close()


def busiest_second(log: list[tuple[float, int]]) -> int:
    """Most bytes in any window [t, t + 1 s) that starts at a logged moment."""
    best = total = lo = 0
    for t, n in log:
        total += n
        while log[lo][0] <= t - 1.0:
            total -= log[lo][1]
            lo += 1
        best = max(best, total)
    return best


def share(bytes_per_s: float, baud: int) -> float:
    """Fraction of a line's capacity those bytes take."""
    return bytes_per_s * BITS_PER_BYTE / baud


def frame_sizes() -> dict[str, int]:
    """Wire bytes of the commands that dominate traffic, and of their reply."""
    return {"set_1zone": len(codec.encode_frame(1, SetActuators((entry(1),)))),
            "set_4zone": len(codec.encode_frame(1, SetActuators(tuple(entry(z) for z in range(1, 5))))),
            "heartbeat": len(codec.encode_frame(1, Heartbeat())),
            "ack": len(encode_message(1, Ack(MsgType.SET)))}


def by_kind_per_s(c: CountingTransport, since_s: float) -> dict[str, float]:
    """Average bytes per second of each message type from since_s to the end: where the budget goes."""
    end = c.log[-1][0]
    totals: dict[str, float] = {}
    for (t, n), kind in zip(c.log, c.kinds, strict=True):
        if t >= since_s:
            totals[kind] = totals.get(kind, 0) + n
    return {k: round(v / (end - since_s), 1) for k, v in sorted(totals.items(), key=lambda kv: -kv[1])}


def program_budget(file: Any) -> dict[str, Any]:
    """One program's busiest second (with and without the handshake) and its share of each line rate."""
    counters: list[CountingTransport] = []

    def wrap(transport: Any, clock: VirtualClock) -> CountingTransport:
        counters.append(CountingTransport(transport, clock))
        return counters[-1]

    run_virtual(file, wrap)
    c = counters[0]
    busiest = busiest_second(c.log)
    playing = busiest_second([e for e in c.log if e[0] >= HANDSHAKE_S])
    out: dict[str, Any] = {"busiest_bytes_per_s": busiest, "busiest_playing_bytes_per_s": playing,
                           "total_bytes": sum(n for _t, n in c.log)}
    out.update({f"share_{b}": share(busiest, b) for b in BAUDS})
    out.update({f"playing_share_{b}": share(playing, b) for b in BAUDS})
    out["playing_bytes_per_s_by_type"] = by_kind_per_s(c, HANDSHAKE_S)
    out["per_direction"] = {d: per_direction(c.one_way(d)) for d in DIRECTIONS}
    return out


def per_direction(log: list[tuple[float, int]]) -> dict[str, Any]:
    """One direction's busiest second, with and without the handshake, against one direction's capacity."""
    busiest, playing = busiest_second(log), busiest_second([e for e in log if e[0] >= HANDSHAKE_S])
    return {"busiest_bytes_per_s": busiest, "busiest_playing_bytes_per_s": playing,
            **{f"share_{b}": share(busiest, b) for b in BAUDS},
            **{f"playing_share_{b}": share(playing, b) for b in BAUDS}}


def worst_one_way(programs: dict[str, Any], key: str) -> float:
    """The largest share of one direction's capacity, over every program and both directions."""
    return max(p["per_direction"][d][key] for p in programs.values() for d in DIRECTIONS)


def run(limit: int | None = None) -> dict[str, Any]:
    """Every built-in program's budget (the first `limit` when quick), both ways added and per direction."""
    programs = {f.stem: program_budget(f) for f in builtin_programs()[:limit]}
    worst = max(p["share_9600"] for p in programs.values())
    playing = max(p["playing_share_9600"] for p in programs.values())
    targets: list[Target] = [
        at_most("busiest second of any program at 9600 baud", 100 * worst, 100 / HEADROOM, "% of line"),
        at_most("same, after the handshake", 100 * playing, 100 / HEADROOM, "% of line"),
        at_most("busiest second at 9600 baud, either direction", 100 * worst_one_way(programs, "share_9600"),
                25, "% of one direction", issue="12"),
        at_most("same, after the handshake, either direction",
                100 * worst_one_way(programs, "playing_share_9600"), 25, "% of one direction", issue="12")]
    return {"frames": frame_sizes(), "programs": programs, "worst_share_9600": worst,
            "worst_share_115200": max(p["share_115200"] for p in programs.values()),
            "worst_one_way_share_9600": worst_one_way(programs, "share_9600"),
            "targets": [t.as_dict() for t in targets]}
