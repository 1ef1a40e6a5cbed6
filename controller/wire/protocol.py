"""Protocol constants and typed messages, each named once with its section of firmware_protocol.md.

Each message class carries its §3 type byte (`TYPE`), so nothing re-encodes a message to learn it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar

DEFAULT_BAUD = 115200  # §2.1: 8N1, at 115200 or 9600 baud
SLOW_BAUD = 9600

# §2.2, §2.3 framing
PROTOCOL_MAJOR = 1
PROTOCOL_MINOR = 1  # §3.1: the host speaks 1.1, and 1.0 to a device whose HELLO_REPLY says minor 0
DELIMITER = 0x00
HEADER_LEN = 4
CRC_LEN = 2
MAX_PAYLOAD = 240
MIN_BODY = HEADER_LEN + CRC_LEN
MAX_BODY = HEADER_LEN + MAX_PAYLOAD + CRC_LEN
MAX_ENCODED = MAX_BODY + 1  # COBS adds exactly one byte to a body under 254 bytes
MAX_SET_ENTRIES = 16  # §3.3
MAX_ZONES = 32  # §3.2
MODEL_MAX, FIRMWARE_MAX, SERIAL_MAX, ZONE_NAME_MAX = 24, 16, 24, 24  # §3.2, §3.5
WATCHDOG_MS_RANGE = (100, 500)  # §3.2
LEASE_MS_RANGE = (100, 2000)  # §3.2: max_lease_ms; every lease is 100 … max_lease_ms (§3.3)
RESERVED_ZONE_IDS = (0, 255)  # §3.8
STATUS_FLAG_ONLY_ON = 1 << 0  # §3.4, 1.1
NO_READING_DC = -32768  # §3.4 STATUS temp_dC: no reading (a device without a temperature sensor)


class MsgType(IntEnum):
    """§3 message types."""

    HELLO = 0x01
    SET = 0x02
    SOFT_STOP = 0x03
    ESTOP = 0x04
    HEARTBEAT = 0x05
    GET_STATUS = 0x06
    GET_ZONE = 0x07
    KEEPALIVE = 0x08  # 1.1
    RENEW = 0x09  # 1.1
    ACK = 0x80
    HELLO_REPLY = 0x81
    NAK = 0x82
    STATUS = 0x83
    ZONE_INFO = 0x84
    EVENT = 0x85


class NakCode(IntEnum):
    """§3.6 NAK codes."""

    BAD_CRC = 1
    MALFORMED = 2
    UNKNOWN_TYPE = 3
    BAD_VERSION = 4
    OUT_OF_RANGE = 5
    UNSUPPORTED_ZONE = 6
    UNSUPPORTED_MOTION = 7
    OVERHEAT = 8
    BUSY = 9
    NOT_READY = 10
    ESTOP_LATCHED = 11
    SESSION_LIMIT = 12
    ZONE_STUCK = 13
    ZONE_OFF = 14  # 1.1, only ever sent to RENEW


# What each NAK code means, as the host says it to a user.
NAK_MESSAGES: dict[int, str] = {
    NakCode.BAD_CRC: "the device received a corrupted frame",
    NakCode.MALFORMED: "the device found a malformed frame",
    NakCode.UNKNOWN_TYPE: "the device does not know this command",
    NakCode.BAD_VERSION: "the device speaks another protocol version",
    NakCode.OUT_OF_RANGE: "a value is outside the device's range",
    NakCode.UNSUPPORTED_ZONE: "the device has no such zone",
    NakCode.UNSUPPORTED_MOTION: "the device cannot do this motion",
    NakCode.OVERHEAT: "the device is overheated and has stopped; let it cool",
    NakCode.BUSY: "the device is busy finishing a stop",
    NakCode.NOT_READY: "the device is not ready (no handshake, or it stopped on its own)",
    NakCode.ESTOP_LATCHED: "the device's emergency stop is latched",
    NakCode.SESSION_LIMIT: "the device's own session limit was reached",
    NakCode.ZONE_STUCK: "a zone's drive reports a fault",
    NakCode.ZONE_OFF: "a zone to renew is off (its lease ran out)",
}


class EventCode(IntEnum):
    """§3.6 event codes."""

    BUTTON = 1
    OVERHEAT = 2
    WATCHDOG = 3
    FOOT_REMOVED = 4
    RESET = 5
    LEASE_EXPIRED = 6
    SESSION_LIMIT = 7
    STOPPED = 8


class DeviceState(IntEnum):
    """§3.7 device states."""

    WAITING = 0
    READY = 1
    ACTIVE = 2
    STOPPING = 3
    SAFE_STOP = 4
    ESTOP = 5
    FAULT = 6


class FaultFlag(IntEnum):
    """§3.7 fault flag bits."""

    OVERHEAT = 1 << 0
    WATCHDOG = 1 << 1
    SESSION_LIMIT = 1 << 2
    ZONE_STUCK = 1 << 3
    ESTOP = 1 << 4


FLAG_SIMULATOR = 1 << 0  # §3.2 HELLO_REPLY flags
FLAG_HEATER = 1 << 1
ZONE_FLAG_HEATED = 1 << 0  # §3.5

# §3.8 motion ids
MOTIONS: dict[str, int] = {
    "none": 0, "roll": 1, "knead": 2, "swing": 3, "stroke": 4,
    "circle": 5, "press": 6, "pulse": 7, "compress": 8, "vibrate": 9,
}
MOTION_NAMES: dict[int, str] = {v: k for k, v in MOTIONS.items()}


@dataclass(frozen=True, slots=True)
class Hello:
    TYPE: ClassVar[MsgType] = MsgType.HELLO

    major: int = PROTOCOL_MAJOR
    minor: int = PROTOCOL_MINOR


@dataclass(frozen=True, slots=True)
class SetEntry:
    """One zone's absolute state in a SET (§3.3)."""

    zone: int
    motion: int
    intensity: int
    speed: int
    heat: int
    lease_ms: int


@dataclass(frozen=True, slots=True)
class SetActuators:
    TYPE: ClassVar[MsgType] = MsgType.SET

    entries: tuple[SetEntry, ...]


@dataclass(frozen=True, slots=True)
class SoftStop:
    TYPE: ClassVar[MsgType] = MsgType.SOFT_STOP

    ramp_ms: int


@dataclass(frozen=True, slots=True)
class EmergencyStop:
    TYPE: ClassVar[MsgType] = MsgType.ESTOP


@dataclass(frozen=True, slots=True)
class Heartbeat:
    TYPE: ClassVar[MsgType] = MsgType.HEARTBEAT


@dataclass(frozen=True, slots=True)
class GetStatus:
    """§3.4: `flags` None is the 1.0 form (empty payload); 1.1 adds one byte (STATUS_FLAG_ONLY_ON)."""

    TYPE: ClassVar[MsgType] = MsgType.GET_STATUS

    flags: int | None = None


@dataclass(frozen=True, slots=True)
class GetZone:
    TYPE: ClassVar[MsgType] = MsgType.GET_ZONE

    index: int


@dataclass(frozen=True, slots=True)
class KeepAlive:
    """§3.9 (1.1): feeds the watchdog; never answered."""

    TYPE: ClassVar[MsgType] = MsgType.KEEPALIVE


@dataclass(frozen=True, slots=True)
class Renew:
    """§3.10 (1.1): restart the leases of the zones at these ZONE_INFO indices, without resending SETs."""

    TYPE: ClassVar[MsgType] = MsgType.RENEW

    lease_ms: int
    zones: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Ack:
    TYPE: ClassVar[MsgType] = MsgType.ACK

    acked_type: int


@dataclass(frozen=True, slots=True)
class HelloReply:
    """§3.2: identity and capabilities."""

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


@dataclass(frozen=True, slots=True)
class Nak:
    TYPE: ClassVar[MsgType] = MsgType.NAK

    code: int
    detail: int


@dataclass(frozen=True, slots=True)
class ZoneState:
    zone: int
    motion: int
    intensity: int
    speed: int
    heat: int


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


@dataclass(frozen=True, slots=True)
class ZoneInfo:
    TYPE: ClassVar[MsgType] = MsgType.ZONE_INFO

    index: int
    zone: int
    heated: bool
    name: str


@dataclass(frozen=True, slots=True)
class Event:
    TYPE: ClassVar[MsgType] = MsgType.EVENT

    code: int
    arg: int


Message = (
    Hello | SetActuators | SoftStop | EmergencyStop | Heartbeat | GetStatus | GetZone | KeepAlive | Renew
    | Ack | HelloReply | Nak | Status | ZoneInfo | Event
)


@dataclass(frozen=True, slots=True)
class Frame:
    """A decoded frame: its sequence number and typed message."""

    seq: int
    message: Message
