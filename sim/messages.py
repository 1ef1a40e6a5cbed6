"""Typed messages of §3 and their payload layouts, little-endian as the document says.

Each message is frozen data with `to_payload()` and `from_payload()`; `from_payload` raises MalformedPayload
when the size or shape is wrong (NAK MALFORMED on the device side). Range checks that depend on the device's
profile (§3.3) live in the device model, not here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar, Protocol, Self

from sim.protocol import (
    HELLO_FLAG_HEATER,
    HELLO_FLAG_SIMULATOR,
    MAX_FIRMWARE_LEN,
    MAX_MODEL_LEN,
    MAX_SERIAL_LEN,
    MAX_ZONE_NAME_LEN,
    MAX_ZONES,
    RENEW_LEN,
    SET_ENTRY_LEN,
    ZONE_FLAG_HEATED,
    MsgType,
)
from sim.wire import encode_frame


class MalformedPayload(ValueError):
    """A payload whose size or shape is wrong for its type (§3: NAK MALFORMED)."""


class Message(Protocol):
    """What every message offers: its type, and a payload both ways."""

    TYPE: ClassVar[MsgType]

    def to_payload(self) -> bytes: ...


def _exact(payload: bytes, fmt: str) -> tuple[int, ...]:
    """Unpack a fixed-size payload, refusing any other size."""
    if len(payload) != struct.calcsize(fmt):
        raise MalformedPayload(f"payload is {len(payload)} bytes, expected {struct.calcsize(fmt)}")
    return struct.unpack(fmt, payload)


def _empty(payload: bytes) -> None:
    """Refuse a payload on a message that has none."""
    if payload:
        raise MalformedPayload(f"payload of {len(payload)} bytes on a message without one")


@dataclass(frozen=True, slots=True)
class Hello:
    TYPE: ClassVar[MsgType] = MsgType.HELLO
    major: int
    minor: int

    def to_payload(self) -> bytes:
        return struct.pack("<BB", self.major, self.minor)

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        return cls(*_exact(payload, "<BB"))


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
        return cls(*_exact(payload, "<H"))


@dataclass(frozen=True, slots=True)
class _NoPayload:
    def to_payload(self) -> bytes:
        return b""

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        _empty(payload)
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
        return cls(*_exact(payload, "<B"))


@dataclass(frozen=True, slots=True)
class Ack:
    TYPE: ClassVar[MsgType] = MsgType.ACK
    acked_type: int

    def to_payload(self) -> bytes:
        return bytes((self.acked_type,))

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        return cls(*_exact(payload, "<B"))


@dataclass(frozen=True, slots=True)
class Nak:
    TYPE: ClassVar[MsgType] = MsgType.NAK
    code: int
    detail: int

    def to_payload(self) -> bytes:
        return struct.pack("<BB", self.code, self.detail)

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        return cls(*_exact(payload, "<BB"))


@dataclass(frozen=True, slots=True)
class Event:
    TYPE: ClassVar[MsgType] = MsgType.EVENT
    code: int
    arg: int

    def to_payload(self) -> bytes:
        return struct.pack("<BB", self.code, self.arg)

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        return cls(*_exact(payload, "<BB"))


def _pack_str(text: str, limit: int) -> bytes:
    """u8 length + UTF-8, refusing a string over its limit."""
    raw = text.encode("utf-8")
    if len(raw) > limit:
        raise ValueError(f"string {text!r} is longer than {limit} bytes")
    return bytes((len(raw),)) + raw


def _unpack_str(payload: bytes, offset: int, limit: int) -> tuple[str, int]:
    """Read a u8-length UTF-8 string; MalformedPayload if short, too long or not UTF-8."""
    if offset >= len(payload):
        raise MalformedPayload("payload ends before a string's length")
    size = payload[offset]
    raw = payload[offset + 1 : offset + 1 + size]
    if size > limit or len(raw) != size:
        raise MalformedPayload(f"string of {size} bytes is over its limit or truncated")
    try:
        return raw.decode("utf-8"), offset + 1 + size
    except UnicodeDecodeError as err:
        raise MalformedPayload("string is not UTF-8") from err


_HELLO_REPLY_FIXED = "<BBBHBBBBHHHHHB"  # §3.2 offsets 0…19


@dataclass(frozen=True, slots=True)
class HelloReply:
    """§3.2; `motions` lists the supported motion ids (the u16 bitmask on the wire)."""

    TYPE: ClassVar[MsgType] = MsgType.HELLO_REPLY
    major: int
    minor: int
    simulator: bool
    has_heater: bool
    boot_count: int
    reset_cause: int
    intensity_max: int
    speed_max: int
    heat_max: int
    max_temp_dC: int
    max_session_s: int
    watchdog_ms: int
    max_lease_ms: int
    motions: tuple[int, ...]
    zone_count: int
    model: str
    firmware: str
    serial: str

    def to_payload(self) -> bytes:
        flags = (HELLO_FLAG_SIMULATOR if self.simulator else 0) | (
            HELLO_FLAG_HEATER if self.has_heater else 0
        )
        mask = sum(1 << m for m in set(self.motions))
        fixed = struct.pack(
            _HELLO_REPLY_FIXED, self.major, self.minor, flags, self.boot_count, self.reset_cause,
            self.intensity_max, self.speed_max, self.heat_max, self.max_temp_dC,
            self.max_session_s, self.watchdog_ms, self.max_lease_ms, mask, self.zone_count,
        )
        return (
            fixed + _pack_str(self.model, MAX_MODEL_LEN)
            + _pack_str(self.firmware, MAX_FIRMWARE_LEN) + _pack_str(self.serial, MAX_SERIAL_LEN)
        )

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        size = struct.calcsize(_HELLO_REPLY_FIXED)
        if len(payload) < size:
            raise MalformedPayload("HELLO_REPLY shorter than its fixed fields")
        (major, minor, flags, boot, cause, i_max, s_max, h_max, temp, session, wd, lease, mask,
         zones) = struct.unpack_from(_HELLO_REPLY_FIXED, payload)
        model, at = _unpack_str(payload, size, MAX_MODEL_LEN)
        firmware, at = _unpack_str(payload, at, MAX_FIRMWARE_LEN)
        serial, at = _unpack_str(payload, at, MAX_SERIAL_LEN)
        if at != len(payload) or not 1 <= zones <= MAX_ZONES or i_max == 0 or s_max == 0:
            raise MalformedPayload("HELLO_REPLY has trailing bytes or impossible capabilities")
        motions = tuple(m for m in range(16) if mask >> m & 1)
        return cls(major, minor, bool(flags & HELLO_FLAG_SIMULATOR), bool(flags & HELLO_FLAG_HEATER),
                   boot, cause, i_max, s_max, h_max, temp, session, wd, lease, motions, zones,
                   model, firmware, serial)


@dataclass(frozen=True, slots=True)
class ZoneState:
    """A zone's present actuator values as STATUS reports them (§3.4)."""

    zone: int
    motion: int
    intensity: int
    speed: int
    heat: int


_STATUS_FIXED = "<BBhIHHHB"  # §3.4 offsets 0…14
_STATUS_ENTRY = "<BBBBB"


@dataclass(frozen=True, slots=True)
class Status:
    TYPE: ClassVar[MsgType] = MsgType.STATUS
    state: int
    faults: int
    temp_dC: int
    uptime_ms: int
    session_s: int
    invalid_frames: int
    boot_count: int
    zones: tuple[ZoneState, ...]

    def to_payload(self) -> bytes:
        fixed = struct.pack(
            _STATUS_FIXED, self.state, self.faults, self.temp_dC, self.uptime_ms, self.session_s,
            self.invalid_frames, self.boot_count, len(self.zones),
        )
        return fixed + b"".join(
            struct.pack(_STATUS_ENTRY, z.zone, z.motion, z.intensity, z.speed, z.heat)
            for z in self.zones
        )

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        size = struct.calcsize(_STATUS_FIXED)
        entry = struct.calcsize(_STATUS_ENTRY)
        if len(payload) < size or len(payload) != size + payload[size - 1] * entry:
            raise MalformedPayload("STATUS size does not match its zone count")
        state, faults, temp, uptime, session, invalid, boot, count = struct.unpack_from(
            _STATUS_FIXED, payload
        )
        zones = tuple(
            ZoneState(*struct.unpack_from(_STATUS_ENTRY, payload, size + i * entry))
            for i in range(count)
        )
        return cls(state, faults, temp, uptime, session, invalid, boot, zones)


@dataclass(frozen=True, slots=True)
class ZoneInfo:
    TYPE: ClassVar[MsgType] = MsgType.ZONE_INFO
    index: int
    zone: int
    heated: bool
    name: str

    def to_payload(self) -> bytes:
        flags = ZONE_FLAG_HEATED if self.heated else 0
        return bytes((self.index, self.zone, flags)) + _pack_str(self.name, MAX_ZONE_NAME_LEN)

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        if len(payload) < 4:
            raise MalformedPayload("ZONE_INFO shorter than its fixed fields")
        name, at = _unpack_str(payload, 3, MAX_ZONE_NAME_LEN)
        if at != len(payload) or not name:
            raise MalformedPayload("ZONE_INFO has trailing bytes or an empty name")
        return cls(payload[0], payload[1], bool(payload[2] & ZONE_FLAG_HEATED), name)


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
