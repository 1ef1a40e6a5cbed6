"""Typed messages of §3 and their payload layouts, little-endian as the document says.

Each message is frozen data with `to_payload()` and `from_payload()`; `from_payload` raises MalformedPayload
when the size or shape is wrong (NAK MALFORMED on the device side). Range checks that depend on the device's
profile (§3.3) live in the device model, not here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar, Protocol, Self

from sim.payload import MalformedPayload, empty, exact
from sim.protocol import RENEW_LEN, SET_ENTRY_LEN, MsgType
from sim.replies import HelloReply, Status, ZoneInfo, ZoneState  # noqa: F401 - replies are messages too
from sim.wire import encode_frame


class Message(Protocol):
    """What every message offers: its type, and a payload both ways."""

    TYPE: ClassVar[MsgType]

    def to_payload(self) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Hello:
    TYPE: ClassVar[MsgType] = MsgType.HELLO
    major: int
    minor: int

    def to_payload(self) -> bytes:
        return struct.pack("<BB", self.major, self.minor)

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        return cls(*exact(payload, "<BB"))


_SET_ENTRY = struct.Struct("<BBBBBH")


@dataclass(frozen=True, slots=True)
class SetEntry:
    """One zone's absolute target (§3.3)."""

    zone: int
    motion: int
    intensity: int
    speed: int
    heat: int
    lease_ms: int

    def to_bytes(self) -> bytes:
        return _SET_ENTRY.pack(self.zone, self.motion, self.intensity, self.speed, self.heat, self.lease_ms)

    @property
    def is_off(self) -> bool:
        """§3.3: intensity 0 and heat 0 is off, and needs no lease (§6.2)."""
        return self.intensity == 0 and self.heat == 0


@dataclass(frozen=True, slots=True)
class SetCmd:
    """SET: `count` then entries; count's range (1…16) is judged by the device, the size here."""

    TYPE: ClassVar[MsgType] = MsgType.SET
    entries: tuple[SetEntry, ...]

    def to_payload(self) -> bytes:
        return bytes((len(self.entries),)) + b"".join(e.to_bytes() for e in self.entries)

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        if not payload or len(payload) != 1 + payload[0] * SET_ENTRY_LEN:
            raise MalformedPayload("SET size does not match its count")
        return cls(tuple(SetEntry(*fields) for fields in _SET_ENTRY.iter_unpack(payload[1:])))


@dataclass(frozen=True, slots=True)
class SoftStop:
    TYPE: ClassVar[MsgType] = MsgType.SOFT_STOP
    ramp_ms: int

    def to_payload(self) -> bytes:
        return struct.pack("<H", self.ramp_ms)

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        return cls(*exact(payload, "<H"))


@dataclass(frozen=True, slots=True)
class _NoPayload:
    def to_payload(self) -> bytes:
        return b""

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        empty(payload)
        return cls()


@dataclass(frozen=True, slots=True)
class Estop(_NoPayload):
    TYPE: ClassVar[MsgType] = MsgType.ESTOP


@dataclass(frozen=True, slots=True)
class Heartbeat(_NoPayload):
    TYPE: ClassVar[MsgType] = MsgType.HEARTBEAT


@dataclass(frozen=True, slots=True)
class Keepalive(_NoPayload):
    """1.1 (§3.9): never answered; a device ignores any payload it carries."""

    TYPE: ClassVar[MsgType] = MsgType.KEEPALIVE


@dataclass(frozen=True, slots=True)
class GetStatus:
    """§3.4: no payload (1.0, every zone) or, in 1.1, one `flags` byte (bit 0: only the zones that are on)."""

    TYPE: ClassVar[MsgType] = MsgType.GET_STATUS
    flags: int | None = None

    def to_payload(self) -> bytes:
        return b"" if self.flags is None else bytes((self.flags,))

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        if len(payload) > 1:
            raise MalformedPayload(f"GET_STATUS payload of {len(payload)} bytes, expected 0 or 1")
        return cls(payload[0] if payload else None)


_RENEW = struct.Struct("<HI")
_MASK_BITS = 32


@dataclass(frozen=True, slots=True)
class Renew:
    """1.1 (§3.10): renew the zones at these ZONE_INFO indices (a u32 bitmask on the wire)."""

    TYPE: ClassVar[MsgType] = MsgType.RENEW
    lease_ms: int
    zones: tuple[int, ...]

    def to_payload(self) -> bytes:
        return _RENEW.pack(self.lease_ms, sum(1 << i for i in set(self.zones)))

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        if len(payload) != RENEW_LEN:
            raise MalformedPayload(f"RENEW payload of {len(payload)} bytes, expected {RENEW_LEN}")
        lease_ms, mask = _RENEW.unpack(payload)
        return cls(lease_ms, tuple(i for i in range(_MASK_BITS) if mask >> i & 1))


@dataclass(frozen=True, slots=True)
class GetZone:
    TYPE: ClassVar[MsgType] = MsgType.GET_ZONE
    index: int

    def to_payload(self) -> bytes:
        return bytes((self.index,))

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        return cls(*exact(payload, "<B"))


@dataclass(frozen=True, slots=True)
class Ack:
    TYPE: ClassVar[MsgType] = MsgType.ACK
    acked_type: int

    def to_payload(self) -> bytes:
        return bytes((self.acked_type,))

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        return cls(*exact(payload, "<B"))


@dataclass(frozen=True, slots=True)
class Nak:
    TYPE: ClassVar[MsgType] = MsgType.NAK
    code: int
    detail: int

    def to_payload(self) -> bytes:
        return struct.pack("<BB", self.code, self.detail)

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        return cls(*exact(payload, "<BB"))


@dataclass(frozen=True, slots=True)
class Event:
    TYPE: ClassVar[MsgType] = MsgType.EVENT
    code: int
    arg: int

    def to_payload(self) -> bytes:
        return struct.pack("<BB", self.code, self.arg)

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        return cls(*exact(payload, "<BB"))


AnyMessage = (
    Hello | SetCmd | SoftStop | Estop | Heartbeat | GetStatus | GetZone | Keepalive | Renew
    | Ack | Nak | Event | HelloReply | Status | ZoneInfo
)

MESSAGE_CLASSES: dict[MsgType, type[AnyMessage]] = {
    cls.TYPE: cls
    for cls in (Hello, SetCmd, SoftStop, Estop, Heartbeat, GetStatus, GetZone, Keepalive, Renew,
                Ack, Nak, Event, HelloReply, Status, ZoneInfo)
}


def decode_payload(msg_type: int, payload: bytes) -> AnyMessage:
    """Typed message for a known type; KeyError for an unknown type, MalformedPayload for a bad size."""
    cls = MESSAGE_CLASSES.get(msg_type)  # type: ignore[call-overload]
    if cls is None:
        raise KeyError(msg_type)
    return cls.from_payload(payload)


def encode_message(seq: int, message: AnyMessage) -> bytes:
    """Wire bytes (COBS + delimiter) of `message` with sequence number `seq`."""
    return encode_frame(seq, message.TYPE, message.to_payload())
