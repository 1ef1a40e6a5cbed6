"""A tiny test host speaking through the simulator's own codec, so sim tests never need the controller."""

from __future__ import annotations

from typing import Protocol

from controller.clock import Clock
from sim.device import Device
from sim.faults import FaultPlan
from sim.messages import (
    AnyMessage,
    Event,
    GetStatus,
    Hello,
    HelloReply,
    Nak,
    SetCmd,
    SetEntry,
    Status,
    decode_payload,
    encode_message,
)
from sim.profiles import FOOT, Profile
from sim.records import TimelineEntry
from sim.wire import Frame, StreamDecoder


class Port(Protocol):
    def write(self, data: bytes) -> None: ...

    def read(self, max_bytes: int, timeout_s: float) -> bytes: ...


class Host:
    """Numbers commands, collects events on the side, and returns each command's answer."""

    def __init__(self, port: Port) -> None:
        self.port = port
        self.seq = 0
        self.events: list[tuple[int, Event]] = []
        self.replies: list[tuple[int, AnyMessage]] = []
        self._decoder = StreamDecoder()
        self.invalid = 0

    def send(self, message: AnyMessage, seq: int | None = None) -> int:
        """Write one command; a new seq unless `seq` is given (a retransmission)."""
        if seq is None:
            self.seq = (self.seq + 1) & 0xFF
            seq = self.seq
        self.port.write(encode_message(seq, message))
        return seq

    def poll(self, timeout_s: float) -> None:
        """Read and sort whatever arrives within `timeout_s` (one read)."""
        for outcome in self._decoder.feed(self.port.read(4096, timeout_s)):
            if not isinstance(outcome, Frame):
                self.invalid += 1
                continue
            message = decode_payload(outcome.type, outcome.payload)
            if isinstance(message, Event):
                self.events.append((outcome.seq, message))
            else:
                self.replies.append((outcome.seq, message))

    def answer(self, seq: int, timeout_s: float = 0.1, tries: int = 20) -> AnyMessage:
        """The reply carrying `seq`, waiting up to tries × timeout_s."""
        for _ in range(tries):
            for i, (reply_seq, message) in enumerate(self.replies):
                if reply_seq == seq:
                    del self.replies[i]
                    return message
            self.poll(timeout_s)
        raise AssertionError(f"no answer to seq {seq}")

    def command(self, message: AnyMessage, seq: int | None = None) -> AnyMessage:
        """Send and wait for the answer."""
        return self.answer(self.send(message, seq))

    def request(self, message: AnyMessage, clock: Clock, timeout_s: float = 0.1,
                tries: int = 5) -> AnyMessage | None:
        """§4 host behaviour: resend the same bytes after each timeout (or NAK BAD_CRC), 5 tries."""
        seq = self.send(message)
        for attempt in range(tries):
            if attempt:
                self.send(message, seq)
            deadline = clock.now() + timeout_s
            while clock.now() < deadline:
                self.poll(deadline - clock.now())
                reply = self._take(seq)
                if reply == Nak(1, 0):
                    break
                if reply is not None:
                    return reply
        return None

    def _take(self, seq: int) -> AnyMessage | None:
        for i, (reply_seq, message) in enumerate(self.replies):
            if reply_seq == seq:
                del self.replies[i]
                return message
        return None

    def event_codes(self) -> list[int]:
        return [e.code for _, e in self.events]


def entry(zone: int, intensity: int = 4, motion: int = 6, speed: int = 2, heat: int = 0,
          lease_ms: int = 1500) -> SetEntry:
    """A SET entry with sensible defaults for the foot profile."""
    return SetEntry(zone, motion, intensity, speed, heat, lease_ms)


def set_cmd(*entries: SetEntry) -> SetCmd:
    return SetCmd(tuple(entries))


def on_zones_at(timeline: list[TimelineEntry], t: float) -> set[str]:
    """Zones whose latest timeline entry at or before `t` is not off."""
    latest: dict[str, TimelineEntry] = {}
    for item in timeline:
        if item.t <= t:
            latest[item.zone] = item
    return {zone for zone, item in latest.items() if not item.is_off}


class Direct:
    """Drives a Device with no transport, at exact instants: each frame is received at the `t` given."""

    def __init__(self, device: Device) -> None:
        self.device = device
        self.seq = 0
        self._decoder = StreamDecoder()

    def send(self, message: AnyMessage, t: float, seq: int | None = None) -> list[AnyMessage]:
        """Receive `message` at `t`; returns every reply (not events) the device sent at `t`."""
        if seq is None:
            self.seq = (self.seq + 1) & 0xFF
            seq = self.seq
        self.device.receive(encode_message(seq, message), t)
        return self.replies(t)

    def one(self, message: AnyMessage, t: float, seq: int | None = None) -> AnyMessage:
        """The single reply to `message` received at `t`."""
        (reply,) = self.send(message, t, seq)
        return reply

    def replies(self, t: float) -> list[AnyMessage]:
        """Replies the device has sent by `t` (events are read from device.events instead)."""
        out = []
        for outcome in self._decoder.feed(self.device.take_output(t)):
            assert isinstance(outcome, Frame)
            message = decode_payload(outcome.type, outcome.payload)
            if not isinstance(message, Event):
                out.append(message)
        return out

    def events_since(self, index: int) -> list[tuple[float, int, int]]:
        """(t, code, arg) of every event from the `index`-th on."""
        return [(e.t, e.code, e.arg) for e in self.device.events[index:]]



def ready(profile: Profile = FOOT, t0: float = 100.0, faults: FaultPlan | None = None) -> Direct:
    """A simulated device that has answered HELLO at `t0`."""
    d = Direct(Device(profile, t0, faults=faults))
    assert isinstance(d.one(Hello(1, 1), t0), HelloReply)
    return d


def status(d: Direct, t: float) -> Status:
    """The device's STATUS at `t`."""
    reply = d.one(GetStatus(), t)
    assert isinstance(reply, Status)
    return reply
