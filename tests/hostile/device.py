"""A hostile device (RELIABILITY 26): a test double that breaks firmware_protocol.md on purpose.

It is served on a real pseudo-terminal, as a USB adapter would be, from a thread of the test process; the
host opens the slave path with pyserial like any port. It frames with the simulator's own codec
(sim/wire.py, written apart from the controller's), and records every valid frame the host sent it, so a
test can say what the host told the device to do (`Told.actuators`), whatever the device did back.

A behaviour decides what the device sends: a stream of its own (random bytes, endless zeros, a run
without a delimiter) and an answer to each host frame (nothing, or valid frames with nonsense in them).
This is a test double, not a simulator feature: the simulator (sim/) conforms unless told to break one
named rule (`--defect`); this one breaks everything it can.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import select
import threading
import tty
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol

from sim.messages import Ack, AnyMessage, Event, Nak, encode_message
from sim.protocol import MAX_PAYLOAD, MsgType, NakCode
from sim.replies import HelloReply, Status, ZoneInfo
from sim.wire import Frame, StreamDecoder, encode_frame

WRITE_CHUNK = 4096


@dataclass
class Told:
    """What the host told the device, frame by frame, and what that asks the actuators to do."""

    frames: list[Frame] = field(default_factory=list)
    bad_frames: int = 0    # delimited runs from the host that were not valid frames
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, frame: Frame) -> None:
        with self.lock:
            self.frames.append(frame)

    def types(self) -> list[int]:
        with self.lock:
            return [f.type for f in self.frames]

    def actuators(self) -> dict[int, tuple[int, int]]:
        """Zone id → (intensity, heat) as the host's SETs left it; a stop or a HELLO clears everything."""
        on: dict[int, tuple[int, int]] = {}
        with self.lock:
            frames = list(self.frames)
        for frame in frames:
            if frame.type in (MsgType.ESTOP, MsgType.SOFT_STOP, MsgType.HELLO):
                on.clear()
            elif frame.type == MsgType.SET and frame.payload:
                for k in range(frame.payload[0]):
                    entry = frame.payload[1 + 7 * k: 8 + 7 * k]
                    if len(entry) == 7:
                        on[entry[0]] = (entry[2], entry[4])
        return {zone: state for zone, state in on.items() if any(state)}


class Behaviour(Protocol):
    """How a hostile device misbehaves."""

    def stream(self) -> Iterator[bytes]:
        """Bytes it sends of its own accord, from power-up, as fast as the host reads them."""
        ...

    def answer(self, frame: Frame) -> list[bytes]:
        """Wire bytes it sends back for one valid frame from the host."""
        ...


class HostileDevice:
    """A Behaviour served on a pseudo-terminal; `path` is what the host opens."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.told = Told()
        self.sent_bytes = 0
        self._master, self._slave = os.openpty()  # our slave stays open: no EIO between host opens
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.path = os.ttyname(self._slave)
        self._decoder = StreamDecoder()
        self._stop = threading.Event()
        self.crash: BaseException | None = None  # the serving thread's own failure, for the test to see
        self._thread = threading.Thread(target=self._guarded_serve, name="hostile-device", daemon=True)

    def __enter__(self) -> HostileDevice:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self.crash is not None and kind is None:
            raise AssertionError(f"the hostile device itself failed: {self.crash!r}") from self.crash

    def _guarded_serve(self) -> None:
        try:
            self._serve()
        except BaseException as err:  # handed to the test, which fails on it
            self.crash = err

    def _serve(self) -> None:
        pending = bytearray()
        stream: Iterator[bytes] | None = self.behaviour.stream()
        while not self._stop.is_set():
            if not pending and stream is not None:
                pending += next(stream, b"")
                if not pending:
                    stream = None  # the behaviour's own stream is over
            want_write = [self._master] if pending else []
            readable, writable, _ = select.select([self._master], want_write, [], 0.02)
            if readable:
                pending += self._take(self._read())
            if writable and pending:
                pending = pending[self._write(bytes(pending[:WRITE_CHUNK])):]

    def _read(self) -> bytes:
        try:
            return os.read(self._master, 4096)
        except (BlockingIOError, InterruptedError):
            return b""
        except OSError as err:
            if err.errno == errno.EIO:
                return b""
            raise

    def _take(self, data: bytes) -> bytes:
        """Record the host's valid frames and return the behaviour's answers to them."""
        out = bytearray()
        for outcome in self._decoder.feed(data):
            if isinstance(outcome, Frame):
                self.told.add(outcome)
                for reply in self.behaviour.answer(outcome):
                    out += reply
            else:
                self.told.bad_frames += 1
        return bytes(out)

    def _write(self, data: bytes) -> int:
        try:
            written = os.write(self._master, data)
        except (BlockingIOError, InterruptedError):
            return 0
        self.sent_bytes += written
        return written


# --- behaviours -------------------------------------------------------------------------------------

class Silent:
    """Base: sends nothing of its own and answers nothing."""

    def stream(self) -> Iterator[bytes]:
        return iter(())

    def answer(self, frame: Frame) -> list[bytes]:
        return []


@dataclass
class RandomBytes(Silent):
    """Random bytes, forever (0x00 included, so the host keeps finding "frames" that are not)."""

    seed: int = 1

    def stream(self) -> Iterator[bytes]:
        rng = random.Random(self.seed)
        while True:
            yield rng.randbytes(WRITE_CHUNK)


class EndlessZeros(Silent):
    """Nothing but frame delimiters: an endless run of empty frames."""

    def stream(self) -> Iterator[bytes]:
        while True:
            yield bytes(WRITE_CHUNK)


@dataclass
class NoDelimiter(Silent):
    """`megabytes` of non-zero bytes with no 0x00 anywhere: one frame that never ends."""

    megabytes: float = 10.0

    def stream(self) -> Iterator[bytes]:
        rng = random.Random(2)
        left = int(self.megabytes * 1024 * 1024)
        while left > 0:
            chunk = bytes(b % 255 + 1 for b in rng.randbytes(min(WRITE_CHUNK, left)))
            left -= len(chunk)
            yield chunk


@dataclass
class Nonsense(Silent):
    """Answers every host frame at once with valid frames (good COBS and CRC, the host's seq) that make no
    sense: any type, device → host or not, with random payloads of any legal length; and events of
    unknown codes in between."""

    seed: int = 3
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def answer(self, frame: Frame) -> list[bytes]:
        rng = self.rng
        replies = []
        for _ in range(rng.randint(1, 3)):
            kind = rng.choice([*range(0x80, 0xC0), *range(0x01, 0x0A), frame.type | 0x80])
            payload = rng.randbytes(rng.choice([0, 1, 2, 3, 4, 20, rng.randint(0, MAX_PAYLOAD)]))
            replies.append(encode_frame(rng.choice([frame.seq, frame.seq, 0, rng.randint(0, 255)]), kind,
                                        payload))
        return replies


@dataclass
class Answering(Silent):
    """Answers like a device that never objects: the handshake it is given, ACK to every command, a
    STATUS with everything off. The base of the behaviours that are hostile only in part."""

    hello: HelloReply
    zones: tuple[ZoneInfo, ...]

    def answer(self, frame: Frame) -> list[bytes]:
        reply = self.reply(frame)
        return [] if reply is None else [encode_message(frame.seq, reply)]

    def reply(self, frame: Frame) -> AnyMessage | None:
        kind = frame.type
        if kind == MsgType.HELLO:
            return self.hello
        if kind == MsgType.GET_ZONE:
            index = frame.payload[0] if frame.payload else 255
            return self.zones[index] if index < len(self.zones) else Nak(NakCode.OUT_OF_RANGE, 0)
        if kind == MsgType.GET_STATUS:
            return Status(state=1, faults=0, temp_dC=250, uptime_ms=0, session_s=0, invalid_frames=0,
                          boot_count=self.hello.boot_count, zones=())
        if kind == MsgType.KEEPALIVE:
            return None
        return Ack(kind)


def hello(**changes: object) -> HelloReply:
    """A legal HELLO_REPLY (a small foot massager without a heater), with `changes`."""
    fields: dict[str, object] = dict(
        major=1, minor=1, simulator=False, has_heater=False, boot_count=7, reset_cause=0,
        intensity_max=10, speed_max=5, heat_max=0, max_temp_dC=450, max_session_s=1800, watchdog_ms=400,
        max_lease_ms=2000, motions=tuple(range(1, 10)), zone_count=3, model="Hostile Foot",
        firmware="6.6.6", serial="H-1")
    fields.update(changes)
    return HelloReply(**fields)  # type: ignore[arg-type]


def zone_infos(*names: str, first_id: int = 1) -> tuple[ZoneInfo, ...]:
    return tuple(ZoneInfo(k, first_id + k, False, name) for k, name in enumerate(names))


FOOT_ZONES = ("heel", "spine_arch", "ball")


def escaped_identity() -> Answering:
    """Terminal escape sequences in every identity string the protocol allows them in (model, firmware and
    serial are any UTF-8): an OSC window title, clear-screen, colour, a C1 CSI and a bell."""
    return Answering(hello(model="\x1b]0;pwned\x07Foot\x1b[2J", firmware="1\x1b[31m\u009b2J",
                           serial="\x07\x1b[H"), zone_infos(*FOOT_ZONES))


def escaped_zone_names() -> Answering:
    """Zone names outside §3.5's lower-case letters, digits and `_`: escape sequences."""
    return Answering(hello(), zone_infos("heel\x1b[2J", "\x1b]0;x\x07", "ball"))


@dataclass
class TurnsHostile(Answering):
    """Conforming until `after` SETs have been acknowledged; then every answer is nonsense (any type, any
    payload, seq right or wrong), with unknown events and garbage bytes in between."""

    after: int = 2
    nonsense: Nonsense = field(default_factory=Nonsense)
    sets: int = 0

    def answer(self, frame: Frame) -> list[bytes]:
        if self.sets >= self.after:
            rng = self.nonsense.rng
            junk = [rng.randbytes(rng.randint(0, 64)), encode_message(0, Event(rng.randint(12, 255), 0))]
            return [*self.nonsense.answer(frame), *junk]
        self.sets += frame.type == MsgType.SET
        return super().answer(frame)
