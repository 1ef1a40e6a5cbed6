"""The device's replies that carry data (§3.2 HELLO_REPLY, §3.4 STATUS, §3.5 ZONE_INFO), little-endian."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar, Self

from sim.payload import MalformedPayload, pack_str, unpack_str
from sim.protocol import (
    HELLO_FLAG_HEATER,
    HELLO_FLAG_SIMULATOR,
    MAX_FIRMWARE_LEN,
    MAX_MODEL_LEN,
    MAX_SERIAL_LEN,
    MAX_ZONE_NAME_LEN,
    MAX_ZONES,
    ZONE_FLAG_HEATED,
    MsgType,
)

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
            fixed + pack_str(self.model, MAX_MODEL_LEN)
            + pack_str(self.firmware, MAX_FIRMWARE_LEN) + pack_str(self.serial, MAX_SERIAL_LEN)
        )

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        size = struct.calcsize(_HELLO_REPLY_FIXED)
        if len(payload) < size:
            raise MalformedPayload("HELLO_REPLY shorter than its fixed fields")
        (major, minor, flags, boot, cause, i_max, s_max, h_max, temp, session, wd, lease, mask,
         zones) = struct.unpack_from(_HELLO_REPLY_FIXED, payload)
        model, at = unpack_str(payload, size, MAX_MODEL_LEN)
        firmware, at = unpack_str(payload, at, MAX_FIRMWARE_LEN)
        serial, at = unpack_str(payload, at, MAX_SERIAL_LEN)
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
        return bytes((self.index, self.zone, flags)) + pack_str(self.name, MAX_ZONE_NAME_LEN)

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        if len(payload) < 4:
            raise MalformedPayload("ZONE_INFO shorter than its fixed fields")
        name, at = unpack_str(payload, 3, MAX_ZONE_NAME_LEN)
        if at != len(payload) or not name:
            raise MalformedPayload("ZONE_INFO has trailing bytes or an empty name")
        return cls(payload[0], payload[1], bool(payload[2] & ZONE_FLAG_HEATED), name)
