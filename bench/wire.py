"""7. Wire budget: each built-in program's busiest second per direction, against the line rate.

Every built-in program runs on the virtual clock, on both simulator profiles and at both line rates,
through a transport wrapper that notes every frame written (tx) and read (rx) with the virtual time. The
wrapper reports the line rate (`line_baud`, as a real serial port's transport does), so the link paces and
times out as it would on that line. A UART is full duplex: each direction has the whole line, so each is
measured against it alone. A byte costs 10 bit times on an 8N1 line (start + 8 data + stop).

"Handshake second": the busiest one-second window holding any frame from before the first SET (HELLO,
GET_ZONE, and whatever of the program's start falls in the same second). "Playing": the busiest window
after it. The old figure (both directions added, against one direction's capacity) is kept for history.
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
PROFILES = ("foot", "chair")
BITS_PER_BYTE = 10
LEGACY_HEADROOM = 4.0  # issue 6: 4x headroom at 9600, both directions added (kept for the history)
SHARE_GOAL = 0.25  # of the line, in each direction, in every second (issue 12 target 4)
HANDSHAKE_S = 1.0  # the old figure's cut: everything before it counted as handshake

Log = list[tuple[float, int]]


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
    """Wraps a transport and notes (virtual time, bytes, message type) of every frame, per direction."""

    inner: Any
    clock: VirtualClock
    line_baud: int
    tx: Log = field(default_factory=list)
    rx: Log = field(default_factory=list)
    kinds: dict[str, list[str]] = field(default_factory=lambda: {"tx": [], "rx": []})
    play_t: float | None = None  # when the first SET went out: the handshake is over

    def note(self, data: bytes, direction: str) -> None:
        # the in-process simulator hands over whole frames, so splitting on the delimiter is exact
        log = self.tx if direction == "tx" else self.rx
        for piece in data.split(b"\x00")[:-1]:
            kind = frame_kind(piece)
            if kind == "SET" and self.play_t is None:
                self.play_t = self.clock.now()
            log.append((self.clock.now(), len(piece) + 1))
            self.kinds[direction].append(kind)

    def write(self, data: bytes) -> None:
        self.note(data, "tx")
        self.inner.write(data)

    def read(self, max_bytes: int, timeout_s: float) -> bytes:
        data: bytes = self.inner.read(max_bytes, timeout_s)
        self.note(data, "rx")
        return data

    def close(self) -> None:
        self.inner.close()


def windows(log: Log) -> list[tuple[float, int]]:
    """(t, bytes in (t − 1 s, t]) for every logged moment t: the busiest second ends at one of them."""
    out: list[tuple[float, int]] = []
    total = lo = 0
    for t, n in log:
        total += n
        while log[lo][0] <= t - 1.0:
            total -= log[lo][1]
            lo += 1
        out.append((t, total))
    return out


def busiest_second(log: Log) -> int:
    """Most bytes in any one-second window."""
    return max((n for _t, n in windows(log)), default=0)


def split_busiest(log: Log, handshake_end: float) -> tuple[int, int]:
    """(busiest window holding a handshake frame, busiest window after the handshake)."""
    shake = play = 0
    for t, n in windows(log):
        if t - 1.0 < handshake_end:
            shake = max(shake, n)
        else:
            play = max(play, n)
    return shake, play


def share(bytes_per_s: float, baud: int) -> float:
    """Fraction of a line's capacity (one direction) those bytes take."""
    return bytes_per_s * BITS_PER_BYTE / baud


def frame_sizes() -> dict[str, int]:
    """Wire bytes of the commands that dominate traffic, and of their reply."""
    return {"set_1zone": len(codec.encode_frame(1, SetActuators((entry(1),)))),
            "set_4zone": len(codec.encode_frame(1, SetActuators(tuple(entry(z) for z in range(1, 5))))),
            "heartbeat": len(codec.encode_frame(1, Heartbeat())),
            "ack": len(encode_message(1, Ack(MsgType.SET)))}


def by_kind_per_s(log: Log, kinds: list[str], since_s: float) -> dict[str, float]:
    """Average bytes per second of each message type from since_s to the end: where the budget goes."""
    end = log[-1][0] if log else since_s
    totals: dict[str, float] = {}
    for (t, n), kind in zip(log, kinds, strict=True):
        if t >= since_s:
            totals[kind] = totals.get(kind, 0) + n
    span = max(end - since_s, 1e-9)
    return {k: round(v / span, 1) for k, v in sorted(totals.items(), key=lambda kv: -kv[1])}


def measure(file: Any, profile: str, baud: int) -> dict[str, Any]:
    """One program on one profile at one line rate: per-direction busiest seconds and their share."""
    counters: list[CountingTransport] = []

    def wrap(transport: Any, clock: VirtualClock) -> CountingTransport:
        counters.append(CountingTransport(transport, clock, baud))
        return counters[-1]

    run = run_virtual(file, wrap, profile=profile)
    c = counters[0]
    end = c.play_t if c.play_t is not None else float("inf")
    out: dict[str, Any] = {"outcome": run.outcome.value, "handshake_s": round(end, 3)}
    for direction, log in (("tx", c.tx), ("rx", c.rx)):
        shake, play = split_busiest(log, end)
        out[direction] = {"handshake_bytes": shake, "playing_bytes": play,
                          "handshake_share": share(shake, baud), "playing_share": share(play, baud),
                          "playing_by_type": by_kind_per_s(log, c.kinds[direction], end)}
    both = sorted(c.tx + c.rx)
    after = [e for e in both if e[0] >= HANDSHAKE_S]
    out["both_ways"] = {"busiest_bytes_per_s": busiest_second(both),
                        "busiest_playing_bytes_per_s": busiest_second(after),
                        "total_bytes": sum(n for _t, n in both)}
    return out


def worst(cases: list[dict[str, Any]], part: str) -> float:
    """The largest share of `part` ("handshake_share" / "playing_share") over both directions and cases."""
    return max((c[d][part] for c in cases for d in ("tx", "rx")), default=0.0)


def run(limit: int | None = None) -> dict[str, Any]:
    """Every built-in program (the first `limit` when quick) on both profiles at both line rates."""
    files = builtin_programs()[:limit]
    runs = {f"{profile}/{baud}": {f.stem: measure(f, profile, baud) for f in files}
            for profile in PROFILES for baud in BAUDS}
    slow = [case for key, progs in runs.items() if key.endswith("/9600") for case in progs.values()]
    legacy = {name: _legacy(case["both_ways"]) for name, case in runs["foot/9600"].items()}
    targets: list[Target] = [
        at_most("busiest second of any program at 9600 baud, both ways added (old figure)",
                100 * max(p["share_9600"] for p in legacy.values()), 100 / LEGACY_HEADROOM, "% of line"),
        at_most("same, after the handshake (old figure)",
                100 * max(p["playing_share_9600"] for p in legacy.values()), 100 / LEGACY_HEADROOM,
                "% of line"),
        at_most("busiest second at 9600 baud, playing, either direction", 100 * worst(slow, "playing_share"),
                100 * SHARE_GOAL, "% of one direction", issue="12"),
        at_most("busiest second at 9600 baud, handshake, either direction",
                100 * worst(slow, "handshake_share"), 100 * SHARE_GOAL, "% of one direction", issue="12")]
    return {"frames": frame_sizes(), "runs": runs, "programs": legacy,
            "worst_share_9600": max(p["share_9600"] for p in legacy.values()),
            "worst_share_115200": max(p["share_115200"] for p in legacy.values()),
            "worst_direction_share_9600": {"playing": worst(slow, "playing_share"),
                                           "handshake": worst(slow, "handshake_share")},
            "targets": [t.as_dict() for t in targets]}


def _legacy(both: dict[str, int]) -> dict[str, Any]:
    """The old figure, both directions added (kept so the history stays comparable)."""
    out: dict[str, Any] = dict(both)
    out.update({f"share_{b}": share(both["busiest_bytes_per_s"], b) for b in BAUDS})
    out.update({f"playing_share_{b}": share(both["busiest_playing_bytes_per_s"], b) for b in BAUDS})
    return out
