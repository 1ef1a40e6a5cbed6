"""Payloads: each typed message ↔ the bytes between a frame's header and its CRC (firmware_protocol.md §3).

Pure functions, used by controller/wire/codec.py, which frames them. Every decoder checks sizes and
limits; anything that breaks §3 is a ProtocolError.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from controller.errors import ProtocolError
from controller.wire.protocol import (
    FIRMWARE_MAX,
    FLAG_HEATER,
    FLAG_SIMULATOR,
    MAX_SET_ENTRIES,
    MAX_ZONES,
    MODEL_MAX,
    SERIAL_MAX,
    ZONE_FLAG_HEATED,
    ZONE_NAME_MAX,
    Ack,
    EmergencyStop,
    Event,
    GetStatus,
    GetZone,
    Heartbeat,
    Hello,
    HelloReply,
    KeepAlive,
    Message,
    MsgType,
    Nak,
    Renew,
    SetActuators,
    SetEntry,
    SoftStop,
    Status,
    ZoneInfo,
    ZoneState,
)

# --- encoders -------------------------------------------------------------------------

_SET_ENTRY = struct.Struct("<BBBBBH")
_HELLO_REPLY_FIXED = struct.Struct("<BBBHBBBBHHHHHB")
_STATUS_FIXED = struct.Struct("<BBhIHHHB")
_ZONE_STATE = struct.Struct("<BBBBB")
_RENEW = struct.Struct("<HI")
_U8 = struct.Struct("<B")
_U16 = struct.Struct("<H")


def _pstr(text: str, limit: int, what: str) -> bytes:
    raw = text.encode("utf-8")
    if len(raw) > limit:
        raise ProtocolError(f"{what} is {len(raw)} bytes, over its {limit}-byte limit")
    return bytes([len(raw)]) + raw


def _bits(indices: tuple[int, ...]) -> int:
    """A bitmask with bit i set for each i (HELLO_REPLY motions, RENEW zones)."""
    mask = 0
    for i in indices:
        mask |= 1 << i
    return mask


def _indices(mask: int, width: int) -> tuple[int, ...]:
    return tuple(i for i in range(width) if mask >> i & 1)


def _set(msg: SetActuators) -> bytes:
    pack = _SET_ENTRY.pack
    return bytes((len(msg.entries),)) + b"".join(
        [pack(e.zone, e.motion, e.intensity, e.speed, e.heat, e.lease_ms) for e in msg.entries])


def _zone_info(msg: ZoneInfo) -> bytes:
    flags = ZONE_FLAG_HEATED if msg.heated else 0
    return bytes((msg.index, msg.zone, flags)) + _pstr(msg.name, ZONE_NAME_MAX, "zone name")


def _status(msg: Status) -> bytes:
    fixed = _STATUS_FIXED.pack(msg.state, msg.faults, msg.temp_dC, msg.uptime_ms, msg.session_s,
                               msg.invalid_frames, msg.boot_count, len(msg.zones))
    return fixed + b"".join([_ZONE_STATE.pack(z.zone, z.motion, z.intensity, z.speed, z.heat)
                             for z in msg.zones])


def _empty(msg: Message) -> bytes:
    return b""


def encode_payload(msg: Message) -> bytes:
    """The payload of `msg`; its type byte is the class's own (`msg.TYPE`)."""
    encoder = _ENCODERS.get(type(msg))
    if encoder is None:
        raise ProtocolError(f"cannot encode {msg!r}")
    return encoder(msg)


def _encode_hello_reply(msg: HelloReply) -> bytes:
    flags = (FLAG_SIMULATOR if msg.simulator else 0) | (FLAG_HEATER if msg.has_heater else 0)
    fixed = _HELLO_REPLY_FIXED.pack(
        msg.major, msg.minor, flags, msg.boot_count, msg.reset_cause, msg.intensity_max, msg.speed_max,
        msg.heat_max, msg.max_temp_dC, msg.max_session_s, msg.watchdog_ms, msg.max_lease_ms,
        _bits(msg.motions), msg.zone_count,
    )
    return (fixed + _pstr(msg.model, MODEL_MAX, "model") + _pstr(msg.firmware, FIRMWARE_MAX, "firmware")
            + _pstr(msg.serial, SERIAL_MAX, "serial"))


_ENCODERS: dict[type, Callable[[Any], bytes]] = {  # by class: one dict lookup per frame
    Hello: lambda m: bytes((m.major, m.minor)),
    SetActuators: _set,
    SoftStop: lambda m: _U16.pack(m.ramp_ms),
    EmergencyStop: _empty,
    Heartbeat: _empty,
    GetStatus: lambda m: b"" if m.flags is None else bytes((m.flags,)),
    GetZone: lambda m: bytes((m.index,)),
    KeepAlive: _empty,
    Renew: lambda m: _RENEW.pack(m.lease_ms, _bits(m.zones)),
    Ack: lambda m: bytes((m.acked_type,)),
    Nak: lambda m: bytes((m.code, m.detail)),
    Event: lambda m: bytes((m.code, m.arg)),
    ZoneInfo: _zone_info,
    HelloReply: _encode_hello_reply,
    Status: _status,
}


# --- decoders -------------------------------------------------------------------------


class _Reader:
    """Bounds-checked cursor over a payload; any overrun is a ProtocolError."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: struct.Struct) -> tuple[int, ...]:
        if self.pos + fmt.size > len(self.data):
            raise ProtocolError("payload shorter than its fields")
        values = fmt.unpack_from(self.data, self.pos)
        self.pos += fmt.size
        return values

    def string(self, limit: int, what: str) -> str:
        (length,) = self.take(_U8)
        if length > limit or self.pos + length > len(self.data):
            raise ProtocolError(f"{what} length {length} is over its limit or the payload")
        raw = self.data[self.pos : self.pos + length]
        self.pos += length
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(f"{what} is not valid UTF-8") from None

    def done(self) -> None:
        if self.pos != len(self.data):
            raise ProtocolError(f"{len(self.data) - self.pos} unexpected trailing payload bytes")



def _fixed(size: int, build: Callable[[bytes], Message]) -> Callable[[bytes], Message]:
    def decode(payload: bytes) -> Message:
        if len(payload) != size:
            raise ProtocolError(f"payload is {len(payload)} bytes, expected {size}")
        return build(payload)
    return decode


def _decode_set(payload: bytes) -> Message:
    if not payload or payload[0] < 1 or payload[0] > MAX_SET_ENTRIES:
        raise ProtocolError("SET entry count outside 1..16")
    if len(payload) != 1 + payload[0] * _SET_ENTRY.size:
        raise ProtocolError("SET payload size does not match its entry count")
    entries = tuple(SetEntry(*_SET_ENTRY.unpack_from(payload, 1 + i * _SET_ENTRY.size))
                    for i in range(payload[0]))
    return SetActuators(entries)


def _decode_get_status(payload: bytes) -> Message:
    if len(payload) > 1:
        raise ProtocolError(f"GET_STATUS payload is {len(payload)} bytes, expected 0 or 1")
    return GetStatus(payload[0] if payload else None)


def _renew(lease_ms: int, mask: int) -> Message:
    return Renew(lease_ms, _indices(mask, 32))


def _decode_hello_reply(payload: bytes) -> Message:
    r = _Reader(payload)
    (major, minor, flags, boot, cause, imax, smax, hmax, temp, session, wd, lease, mask, zones) = r.take(
        _HELLO_REPLY_FIXED)
    model = r.string(MODEL_MAX, "model")
    firmware = r.string(FIRMWARE_MAX, "firmware")
    serial = r.string(SERIAL_MAX, "serial")
    r.done()
    motions = tuple(bit for bit in _indices(mask, 16) if bit)  # bit 0 is always 0 (§3.2)
    return HelloReply(major, minor, bool(flags & FLAG_SIMULATOR), bool(flags & FLAG_HEATER), boot, cause,
                      imax, smax, hmax, temp, session, wd, lease, motions, zones, model, firmware, serial)


def _decode_status(payload: bytes) -> Message:
    r = _Reader(payload)
    state, faults, temp, uptime, session, invalid, boot, count = r.take(_STATUS_FIXED)
    if count > MAX_ZONES:
        raise ProtocolError(f"STATUS lists {count} zones, over {MAX_ZONES}")
    zones = tuple(ZoneState(*r.take(_ZONE_STATE)) for _ in range(count))
    r.done()
    return Status(state, faults, temp, uptime, session, invalid, boot, zones)


def _decode_zone_info(payload: bytes) -> Message:
    r = _Reader(payload)
    index, zone, flags = r.take(struct.Struct("<BBB"))
    name = r.string(ZONE_NAME_MAX, "zone name")
    r.done()
    return ZoneInfo(index, zone, bool(flags & ZONE_FLAG_HEATED), name)


DECODERS: dict[int, Callable[[bytes], Message]] = {
    MsgType.HELLO: _fixed(2, lambda p: Hello(p[0], p[1])),
    MsgType.SET: _decode_set,
    MsgType.SOFT_STOP: _fixed(2, lambda p: SoftStop(_U16.unpack(p)[0])),
    MsgType.ESTOP: _fixed(0, lambda p: EmergencyStop()),
    MsgType.HEARTBEAT: _fixed(0, lambda p: Heartbeat()),
    MsgType.GET_STATUS: _decode_get_status,
    MsgType.GET_ZONE: _fixed(1, lambda p: GetZone(p[0])),
    MsgType.KEEPALIVE: _fixed(0, lambda p: KeepAlive()),
    MsgType.RENEW: _fixed(_RENEW.size, lambda p: _renew(*_RENEW.unpack(p))),
    MsgType.ACK: _fixed(1, lambda p: Ack(p[0])),
    MsgType.NAK: _fixed(2, lambda p: Nak(p[0], p[1])),
    MsgType.EVENT: _fixed(2, lambda p: Event(p[0], p[1])),
    MsgType.HELLO_REPLY: _decode_hello_reply,
    MsgType.STATUS: _decode_status,
    MsgType.ZONE_INFO: _decode_zone_info,
}
