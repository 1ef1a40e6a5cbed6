"""The device under test, as the checks see it: bytes and frames out, frames in with the time they were
read, and a clock. Anything with write / read(max_bytes, timeout_s) / close is a port: a pyserial port
(hardware, pty, socket://) or the in-process simulator's transport on a virtual clock.

Every frame received is kept (the summary checks judge them all); EVENTs are set aside for the checks that
wait for them, and everything else is a reply, matched to what was sent by `seq`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from typing import Protocol

from controller.clock import Clock
from controller.conformance import frames
from controller.conformance.frames import RxFrame
from controller.conformance.host_wire import KEEPALIVE, PROTOCOL_MAJOR, MsgType
from controller.conformance.outcome import Failed

READ_CHUNK = 4096


class NoAnswer(Failed):
    """Nothing answered a command within the reply timeout."""


class Port(Protocol):
    def write(self, data: bytes) -> None: ...
    def read(self, max_bytes: int, timeout_s: float) -> bytes: ...
    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Sent:
    """A frame written at `t` (just after the write returned)."""

    seq: int
    type: int
    wire: bytes
    t: float


class Dut:
    """Frames to and from one device; `reply_timeout_s` bounds every wait for an answer."""

    def __init__(self, port: Port, clock: Clock, *, reply_timeout_s: float = 0.5) -> None:
        self.port = port
        self.clock = clock
        self.reply_timeout_s = reply_timeout_s
        self._split = frames.Splitter()
        self._inbox: deque[RxFrame] = deque()
        self.events: deque[RxFrame] = deque()  # EVENTs not yet taken by a check
        self.received: list[RxFrame] = []  # every frame, in order
        self.latencies: list[tuple[int, float]] = []  # (command type, seconds to its answer)
        self._seq = 0
        self._memory: tuple[int, int] | None = None  # what the device's duplicate memory should hold

    def now(self) -> float:
        return self.clock.now()

    # --- sending ----------------------------------------------------------------------------------

    def write(self, data: bytes) -> float:
        """Raw bytes to the device; returns the time the write completed."""
        self.port.write(data)
        return self.clock.now()

    def build(self, type_: int, payload: bytes = b"", *, seq: int | None = None,
              ver: int = PROTOCOL_MAJOR, length: int | None = None, crc_ok: bool = True) -> Sent:
        """One frame, numbered but not yet written; `seq` None takes the next number (never one the
        duplicate memory holds for this type, §4); `length`, `ver` and `crc_ok` make it invalid."""
        seq = self._next_seq(type_) if seq is None else seq & 0xFF
        self._seq = seq
        built = frames.body(type_, payload, seq=seq, ver=ver, length=length)
        wire = frames.wire(built if crc_ok else frames.bad_crc(built))
        valid = crc_ok and ver == PROTOCOL_MAJOR and length in (None, len(payload))
        self._track_memory(valid, type_, seq, payload)
        return Sent(seq, type_, wire, float("nan"))

    def send(self, type_: int, payload: bytes = b"", *, seq: int | None = None, ver: int = PROTOCOL_MAJOR,
             length: int | None = None, crc_ok: bool = True) -> Sent:
        """Build one frame (as `build`) and write it."""
        return self.resend(self.build(type_, payload, seq=seq, ver=ver, length=length, crc_ok=crc_ok))

    def resend(self, sent: Sent) -> Sent:
        """Write a built frame, or the very same bytes again, as a host retransmits (§4)."""
        return replace(sent, t=self.write(sent.wire))

    def set_next_seq(self, seq: int) -> None:
        self._seq = (seq - 1) & 0xFF

    def _next_seq(self, type_: int) -> int:
        seq = (self._seq + 1) & 0xFF
        return (seq + 1) & 0xFF if self._memory == (seq, type_) else seq

    def _track_memory(self, valid: bool, type_: int, seq: int, payload: bytes) -> None:
        if not valid or type_ == KEEPALIVE:
            return
        if type_ == MsgType.HELLO:
            if len(payload) == 2 and payload[0] == PROTOCOL_MAJOR:
                self._memory = None
            return
        self._memory = (seq, type_)

    # --- receiving --------------------------------------------------------------------------------

    def read(self, timeout_s: float) -> RxFrame | None:
        """The next frame that is not an EVENT, waiting at most `timeout_s`."""
        deadline = self.now() + timeout_s
        while not self._inbox:
            remaining = deadline - self.now()
            if remaining <= 0:
                self._pump(0.0)
                return self._inbox.popleft() if self._inbox else None
            self._pump(remaining)
        return self._inbox.popleft()

    def reply(self, sent: Sent, timeout_s: float | None = None) -> RxFrame:
        """The answer to `sent`: Failed when none comes, or another frame comes first."""
        got = self.read(self.reply_timeout_s if timeout_s is None else timeout_s)
        name = _name(sent.type)
        if got is None:
            raise NoAnswer(f"no answer to {name} (seq {sent.seq}) within "
                         f"{1000 * (timeout_s or self.reply_timeout_s):.0f} ms")
        if got.problem is not None:
            raise Failed(f"the answer to {name} is not a well-formed frame: {got.problem}")
        if got.seq != sent.seq:
            raise Failed(f"waiting for the answer to {name} seq {sent.seq}, got {got.describe()}")
        self.latencies.append((sent.type, got.t - sent.t))
        return got

    def answer_among_noise(self, sent: Sent, timeout_s: float) -> RxFrame | None:
        """The answer to `sent`, skipping whatever else arrives (a boot loader's noise, a leftover reply
        from an interrupted check); None after `timeout_s`."""
        end = self.now() + timeout_s
        while (remaining := end - self.now()) > 0:
            frame = self.read(remaining)
            if frame is not None and frame.seq == sent.seq and frame.problem is None:
                self.latencies.append((sent.type, frame.t - sent.t))
                return frame
        return None

    def request(self, type_: int, payload: bytes = b"", *, seq: int | None = None,
                ver: int = PROTOCOL_MAJOR, length: int | None = None) -> RxFrame:
        """Send one frame and return its answer."""
        return self.reply(self.send(type_, payload, seq=seq, ver=ver, length=length))

    def quiet(self, window_s: float) -> list[RxFrame]:
        """Every non-EVENT frame that arrives within `window_s` (a check expecting silence wants [])."""
        deadline = self.now() + window_s
        while self.now() < deadline:
            self._pump(deadline - self.now())
        got = list(self._inbox)
        self._inbox.clear()
        return got

    def pause(self, seconds: float, *, until_event: bool = False) -> None:
        """Let `seconds` pass (or until an EVENT comes, with `until_event`); Failed if a frame other than
        an EVENT arrives meanwhile."""
        deadline = self.now() + seconds
        pending = len(self.events)
        while self.now() < deadline and not (until_event and len(self.events) > pending):
            self._pump(deadline - self.now())
        if self._inbox:
            raise Failed(f"unexpected frame while idle: {self._inbox[0].describe()}")

    def drain(self, quiet_s: float, max_s: float = 2.0) -> list[RxFrame]:
        """Read until `quiet_s` pass with nothing new (at most `max_s`); what arrived, EVENTs aside."""
        end = self.now() + max_s
        while self.now() < end:
            seen = len(self.received)
            self._pump(min(quiet_s, end - self.now()))
            if len(self.received) == seen:
                break
        got = list(self._inbox)
        self._inbox.clear()
        return got

    def take_events(self) -> list[RxFrame]:
        out = list(self.events)
        self.events.clear()
        return out

    def _pump(self, timeout_s: float) -> None:
        data = self.port.read(READ_CHUNK, max(0.0, timeout_s))
        if not data:
            return
        t = self.now()
        for raw in self._split.feed(data):
            frame = frames.parse(raw, t)
            self.received.append(frame)
            (self.events if frame.type == MsgType.EVENT and frame.problem is None else self._inbox).append(
                frame)


def _name(type_: int) -> str:
    try:
        return MsgType(type_).name
    except ValueError:
        return f"type 0x{type_:02X}"
