"""Frames the simulator's codec does not build (bad headers, 1.1 messages) and readings for the core tests."""

from __future__ import annotations

import math
import struct

from sim.messages import GetStatus, Status
from sim.wire import cobs_encode, crc16_ccitt_false, encode_frame
from tests.sim.helpers import Host

KEEPALIVE, RENEW = 0x08, 0x09
ZONE_OFF = 14
FOOT_ZONE_IDS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)


def index_of(zone_id: int) -> int:
    """ZONE_INFO index of a foot zone."""
    return FOOT_ZONE_IDS.index(zone_id)


def frame_with_header(seq: int, msg_type: int, payload: bytes = b"", ver: int = 1,
                      declared_len: int | None = None) -> bytes:
    """A frame with a good CRC whose `ver` or `len` may be wrong."""
    length = len(payload) if declared_len is None else declared_len
    head = bytes((ver, seq, msg_type, length)) + payload
    return cobs_encode(head + crc16_ccitt_false(head).to_bytes(2, "big")) + b"\x00"


def renew(lease_ms: int, *zone_indices: int) -> bytes:
    """RENEW's payload (1.1): lease_ms:u16, zones:u32 bitmask of ZONE_INFO indices."""
    return struct.pack("<HI", lease_ms, sum(1 << i for i in zone_indices))


def send(host: Host, msg_type: int, payload: bytes = b"") -> int:
    """Write a raw frame with the host's next seq; returns the seq."""
    host.seq = (host.seq + 1) & 0xFF
    host.port.write(encode_frame(host.seq, msg_type, payload))
    return host.seq


def status(host: Host) -> Status:
    reply = host.command(GetStatus())
    assert isinstance(reply, Status), reply
    return reply


def adc_for(temp_dC: float) -> int:
    """The ADC reading of the reference divider (10 kΩ B3950 NTC to GND, 10 kΩ to AVCC) at `temp_dC`,
    worked out here from the Beta equation, independently of the firmware's table."""
    kelvin = temp_dC / 10 + 273.15
    r = 10_000 * math.exp(3950 * (1 / kelvin - 1 / 298.15))
    return round(1024 * r / (r + 10_000))
