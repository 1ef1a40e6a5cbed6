"""Every constant of firmware_protocol.md the simulator uses, named once beside its section.

Written from the document alone (not shared with the host codec) so that two independent readings of the
contract meet only at the golden vectors.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag

# §2.2 frame layout: ver | seq | type | len | payload | crc(u16, big-endian)
PROTOCOL_MAJOR = 1  # §2.2 `ver`, §3.1
PROTOCOL_MINOR = 1  # §3.1: a 1.1 device
FRAME_DELIMITER = 0x00  # §2.2 ends every frame
HEADER_LEN = 4  # §2.2 ver, seq, type, len
CRC_LEN = 2  # §2.2

# §2.2 CRC-16/CCITT-FALSE parameters
CRC_POLY = 0x1021
CRC_INIT = 0xFFFF

# §2.3 limits
MAX_PAYLOAD = 240
MAX_BODY = 246
MAX_ENCODED = 247  # MAX_BODY + 1: COBS adds exactly one byte to a body of at most 254
MIN_BODY = 6

# §3.3 SET
SET_MAX_ENTRIES = 16
SET_ENTRY_LEN = 7
MIN_LEASE_MS = 100  # §3.3, §6.2

# §3.2 HELLO_REPLY limits
MAX_ZONES = 32
MAX_MODEL_LEN = 24
MAX_FIRMWARE_LEN = 16
MAX_SERIAL_LEN = 24
MAX_ZONE_NAME_LEN = 24  # §3.5
HELLO_FLAG_SIMULATOR = 0x01  # §3.2 flags bit 0
HELLO_FLAG_HEATER = 0x02  # §3.2 flags bit 1
ZONE_FLAG_HEATED = 0x01  # §3.5 flags bit 0
STATUS_FLAG_ONLY_ON = 0x01  # §3.4 GET_STATUS flags bit 0 (1.1)
TEMP_NO_READING = -32768  # §3.4 STATUS temp_dC of a device without a temperature sensor

# §3.10 RENEW (1.1)
RENEW_LEN = 6  # lease_ms:u16 zones:u32

# §3.2 reset causes
RESET_CAUSE_POWER_ON = 0
RESET_CAUSE_WATCHDOG = 1
RESET_CAUSE_BROWN_OUT = 2

# §5 timing and §6 safety
MAX_RAMP_MS = 10_000  # §5 soft stop ramp 0…10000 ms
RAMP_UPDATE_S = 0.1  # §5 soft stop "updated at least every 100 ms"
HEATER_PERIOD_S = 0.25  # §5/§6.4 heater control period ≤ 250 ms
SKIN_LIMIT_DC = 410  # §6.4 regulation target at most 41.0 °C
FAULT_CLEAR_MARGIN_DC = 30  # §3.1 FAULT clears once below max_temp − 3 °C
MAX_WATCHDOG_MS = 500  # §3.2, §6.1

U16_MAX = 0xFFFF
U32_MASK = 0xFFFF_FFFF
SEQ_MASK = 0xFF  # §4 8-bit sequence numbers wrap 255 → 0


class MsgType(IntEnum):
    """§3 message types: host → device 0x01…0x3F, device → host 0x80…0xBF."""

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


class EventCode(IntEnum):
    """§3.6 EVENT codes."""

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


class FaultFlag(IntFlag):
    """§3.7 latched fault flags reported in STATUS."""

    NONE = 0
    OVERHEAT = 0x01
    WATCHDOG = 0x02
    SESSION_LIMIT = 0x04
    ZONE_STUCK = 0x08
    ESTOP = 0x10
