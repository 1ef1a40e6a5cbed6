"""A scripted device for the link's own tests (tests/controller/test_link_mutants.py): it answers what a
test tells it to, on the virtual clock, and notes every frame the host sends with its time."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from controller.clock import VirtualClock
from controller.wire import codec
from controller.wire.link import Link
from controller.wire.protocol import (
    Ack,
    Event,
    EventCode,
    Frame,
    GetStatus,
    GetZone,
    Hello,
    HelloReply,
    KeepAlive,
    Message,
    MsgType,
    SetEntry,
    Status,
    ZoneInfo,
    ZoneState,
)
from tests.controller.test_handshake import GOOD, ZONES  # the reference 1.1 device and its three zones

__all__ = ["GOOD", "LEAST", "OLD", "PACED", "PACED_ZONES", "SET", "STATUS", "ZONES", "Line", "linked",
           "reply", "silence"]

OLD = replace(GOOD, minor=0)
LEAST = replace(GOOD, watchdog_ms=100, max_lease_ms=100)  # reply timeout 50 ms, keep-alive 37.5 ms
STATUS = Status(state=1, faults=0, temp_dC=250, uptime_ms=0, session_s=0, invalid_frames=0, boot_count=3,
                zones=(ZoneState(1, 0, 0, 0, 0),))
SET = (SetEntry(zone=1, motion=1, intensity=1, speed=1, heat=0, lease_ms=1500),)
PACED = replace(GOOD, watchdog_ms=250, zone_count=11)  # at 9600: GET_ZONEs paced, a keep-alive every 94 ms
PACED_ZONES = tuple(ZoneInfo(i, i + 1, i == 0, f"z{i}") for i in range(11))
Script = Callable[[Frame], bytes]


def reply(msg: Message) -> Script:
    """Answer the next frame of a type with `msg` under that frame's seq."""
    return lambda frame: codec.encode_frame(frame.seq, msg)


def silence(frame: Frame) -> bytes:
    return b""


@dataclass
class Line:
    """The host's end of a cable to a scripted device: HELLO → `hello`, GET_ZONE → its zone, GET_STATUS →
    STATUS, KEEPALIVE → nothing, anything else → ACK; `instead[type]` answers the next frames of that type
    its own way. A read with nothing pending lets the virtual clock run its whole timeout."""

    hello: HelloReply = GOOD
    zones: tuple[ZoneInfo, ...] = ZONES
    clock: VirtualClock = field(default_factory=VirtualClock)
    line_baud: int | None = None
    port_name: str = "/dev/ttyTEST"
    instead: dict[MsgType, deque[Script]] = field(default_factory=dict)
    writes: list[bytes] = field(default_factory=list)
    sent: list[tuple[float, Frame]] = field(default_factory=list)
    pending: bytearray = field(default_factory=bytearray)
    closes: int = 0
    events_every: float = 0.0  # the device sends an EVENT this often, whatever it answers
    events_sent: int = 0
    late_s: float = 0.0  # a read that times out returns this much later, as a real port's does

    def script(self, kind: MsgType, *answers: Script) -> None:
        self.instead.setdefault(kind, deque()).extend(answers)

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        for piece in data.split(b"\x00")[:-1]:
            if piece:
                frame = codec.decode_frame(piece)
                self.sent.append((self.clock.now(), frame))
                self.pending += self._answer(frame)

    def _answer(self, frame: Frame) -> bytes:
        queued = self.instead.get(frame.message.TYPE)
        if queued:
            return queued.popleft()(frame)
        msg = frame.message
        answer: Message | None = (
            self.hello if isinstance(msg, Hello) else self.zones[msg.index] if isinstance(msg, GetZone)
            else STATUS if isinstance(msg, GetStatus) else None if isinstance(msg, KeepAlive)
            else Ack(msg.TYPE))
        return b"" if answer is None else codec.encode_frame(frame.seq, answer)

    def read(self, max_bytes: int, timeout_s: float) -> bytes:
        assert timeout_s >= 0, "pyserial refuses a negative timeout (a port read through its own methods)"
        if not self.pending:
            return self._wait(timeout_s)
        data = bytes(self.pending[:max_bytes])
        del self.pending[:max_bytes]
        return data

    def _wait(self, timeout_s: float) -> bytes:
        due = (self.events_sent + 1) * self.events_every if self.events_every else float("inf")
        if self.clock.now() + timeout_s < due:
            self.clock.advance(timeout_s + self.late_s)
            return b""
        self.clock.wait_until(due)
        self.events_sent += 1
        return codec.encode_frame(self.events_sent & 0xFF, Event(EventCode.BUTTON, 1))

    def close(self) -> None:
        self.closes += 1

    def types(self, since: int = 0) -> list[MsgType]:
        return [f.message.TYPE for _t, f in self.sent[since:]]


def linked(hello: HelloReply = GOOD, **kwargs: object) -> tuple[Link, Line]:
    line = Line(hello, **kwargs)  # type: ignore[arg-type]
    link = Link(line, line.clock)
    link.handshake()
    return link, line
