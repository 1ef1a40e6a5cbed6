"""The conformance kit's ONLY import of the host's wire layer (codec primitives, message classes, enums and
the serial port opener, all in controller/wire/): when that layer changes, this is the one file to fix.

The host codec speaks 1.0; what firmware_protocol.md 1.1 adds (KEEPALIVE, RENEW, NAK ZONE_OFF, GET_STATUS
flags, MAX_ENCODED 247) is named here and built by the kit itself (frames.py), from the document.
"""

from __future__ import annotations

from controller.wire.codec import cobs_decode, cobs_encode, crc16_ccitt_false, decode_body
from controller.wire.protocol import (
    CRC_LEN,
    DEFAULT_BAUD,
    HEADER_LEN,
    MAX_PAYLOAD,
    MAX_SET_ENTRIES,
    MAX_ZONES,
    MIN_BODY,
    MOTIONS,
    PROTOCOL_MAJOR,
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

# firmware_protocol.md 1.1, not (yet) in the host's protocol module
PROTOCOL_MINOR_V11 = 1
KEEPALIVE = 0x08  # §3.9
RENEW = 0x09  # §3.10
NAK_ZONE_OFF = 14  # §3.6
STATUS_ONLY_ON = 0x01  # §3.4 GET_STATUS flags bit 0
MAX_ENCODED = HEADER_LEN + MAX_PAYLOAD + CRC_LEN + 1  # §2.3: 247 (the host's 1.0 value is 248)
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
