"""The conformance kit's ONLY import of the host's wire layer (codec primitives, message classes, enums and
the serial port opener, all in controller/wire/): when that layer changes, this is the one file to fix.

The kit still builds its frames itself (frames.py), malformed ones included; the names and constants of
firmware_protocol.md 1.1 (KEEPALIVE, RENEW, NAK ZONE_OFF, GET_STATUS flags, MAX_ENCODED 247) come from the
host's protocol module, so each is defined once.
"""

from __future__ import annotations

from controller.wire.codec import cobs_decode, cobs_encode, crc16_ccitt_false, decode_body
from controller.wire.protocol import (
    CRC_LEN,
    DEFAULT_BAUD,
    HEADER_LEN,
    MAX_ENCODED,
    MAX_PAYLOAD,
    MAX_SET_ENTRIES,
    MAX_ZONES,
    MIN_BODY,
    MOTIONS,
    PROTOCOL_MAJOR,
    PROTOCOL_MINOR,
    STATUS_FLAG_ONLY_ON,
    Ack,
    DeviceState,
    Event,
    EventCode,
    FaultFlag,
    HelloReply,
    Message,
    MsgType,
    Nak,
    NakCode,
    SetEntry,
    Status,
    ZoneInfo,
    ZoneState,
)
from controller.wire.transport import SerialTransport

PROTOCOL_MINOR_V11 = PROTOCOL_MINOR  # the kit checks 1.1's additions when the device says minor >= 1
KEEPALIVE = MsgType.KEEPALIVE  # §3.9
RENEW = MsgType.RENEW  # §3.10
NAK_ZONE_OFF = NakCode.ZONE_OFF  # §3.6
STATUS_ONLY_ON = STATUS_FLAG_ONLY_ON  # §3.4 GET_STATUS flags bit 0
DEVICE_TYPES = range(0x80, 0xC0)  # §3: device → host types


def open_port(port: str, baud: int) -> SerialTransport:
    """The host's serial transport on a device path or pyserial URL; LinkError with a clear message."""
    return SerialTransport(port, baud)


__all__ = [
    "CRC_LEN", "DEFAULT_BAUD", "DEVICE_TYPES", "HEADER_LEN", "KEEPALIVE", "MAX_ENCODED", "MAX_PAYLOAD",
    "MAX_SET_ENTRIES", "MAX_ZONES", "MIN_BODY", "MOTIONS", "NAK_ZONE_OFF", "PROTOCOL_MAJOR",
    "PROTOCOL_MINOR_V11", "RENEW", "STATUS_ONLY_ON", "Ack", "DeviceState", "Event", "EventCode",
    "FaultFlag", "HelloReply", "Message", "MsgType", "Nak", "NakCode", "SetEntry", "Status", "ZoneInfo",
    "ZoneState", "cobs_decode", "cobs_encode", "crc16_ccitt_false", "decode_body", "open_port",
]
