"""Frames as firmware_protocol.md §2.2 draws them, built by hand so the kit can also send what no host
should: a bad CRC, a wrong `ver` or `len`, oversize runs, 1.1 messages the host codec does not know.

And the other way: a received frame kept as its raw bytes (duplicates are compared byte for byte, §4) with
its header, payload and, when the host codec can read it, the decoded message.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass

from controller.conformance.host_wire import (
    CRC_LEN,
    DEVICE_TYPES,
    HEADER_LEN,
    MIN_BODY,
    PROTOCOL_MAJOR,
    Message,
    MsgType,
    SetEntry,
    cobs_decode,
    cobs_encode,
    crc16_ccitt_false,
    decode_body,
)
from controller.errors import ProtocolError

_ENTRY = struct.Struct("<BBBBBH")


def body(type_: int, payload: bytes = b"", *, seq: int, ver: int = PROTOCOL_MAJOR,
         length: int | None = None) -> bytes:
    """Header, payload and CRC (§2.2); `length` overrides the `len` byte to make a malformed frame."""
    size = len(payload) if length is None else length
    head = bytes([ver & 0xFF, seq & 0xFF, type_ & 0xFF, size & 0xFF]) + payload
    return head + crc16_ccitt_false(head).to_bytes(2, "big")


def wire(frame_body: bytes) -> bytes:
    """COBS(body) and the 0x00 delimiter."""
    return cobs_encode(frame_body) + b"\x00"


def bad_crc(frame_body: bytes) -> bytes:
    """The same body with its CRC's low byte flipped: fails §2.4 step 5 and nothing before it."""
    return frame_body[:-1] + bytes([frame_body[-1] ^ 0x5A])


# --- payloads (§3) --------------------------------------------------------------------------------

def hello(major: int = PROTOCOL_MAJOR, minor: int = 1) -> bytes:
    return bytes([major, minor])


def set_payload(entries: Iterable[SetEntry]) -> bytes:
    items = list(entries)
    return bytes([len(items)]) + b"".join(
        _ENTRY.pack(e.zone, e.motion, e.intensity, e.speed, e.heat, e.lease_ms) for e in items)


def u16(value: int) -> bytes:
    """SOFT_STOP's ramp_ms, or any little-endian u16 field."""
    return struct.pack("<H", value)


def renew(lease_ms: int, zone_bits: int) -> bytes:
    """§3.10: lease_ms:u16 zones:u32, bit i naming the zone at ZONE_INFO index i."""
    return struct.pack("<HI", lease_ms, zone_bits)


def off(zone: int, lease_ms: int) -> SetEntry:
    """An entry turning `zone` off: motion, intensity, speed and heat 0."""
    return SetEntry(zone, 0, 0, 0, 0, lease_ms)


# --- received frames ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RxFrame:
    """One frame from the device: read at `t`, `raw` its wire bytes without the delimiter."""

    t: float
    raw: bytes
    body: bytes
    message: Message | None
    problem: str | None

    @property
    def seq(self) -> int:
        return self.body[1] if len(self.body) > 1 else -1

    @property
    def type(self) -> int:
        return self.body[2] if len(self.body) > 2 else -1

    @property
    def payload(self) -> bytes:
        return self.body[HEADER_LEN:-CRC_LEN]

    def describe(self) -> str:
        """For failure messages: type name, seq, and the decoded message or the problem."""
        try:
            name = MsgType(self.type).name
        except ValueError:
            name = f"type 0x{self.type:02X}"
        what = self.problem or repr(self.message)
        return f"{name} seq {self.seq}: {what if len(what) <= 100 else what[:97] + '...'}"


def parse(raw: bytes, t: float) -> RxFrame:
    """A device frame judged as a host must (§2.2, §2.4 from the other side); `problem` says what is wrong."""
    try:
        decoded = cobs_decode(raw)
    except ProtocolError:
        return RxFrame(t, raw, b"", None, "bad COBS")
    problem = _header_problem(decoded)
    if problem is not None:
        return RxFrame(t, raw, decoded, None, problem)
    try:
        return RxFrame(t, raw, decoded, decode_body(decoded).message, None)
    except ProtocolError as err:
        return RxFrame(t, raw, decoded, None, f"payload does not match its type: {err}")


def _header_problem(decoded: bytes) -> str | None:
    if len(decoded) < MIN_BODY:
        return f"body of {len(decoded)} bytes, shorter than {MIN_BODY}"
    if crc16_ccitt_false(decoded) != 0:
        return "bad CRC"
    if decoded[0] != PROTOCOL_MAJOR:
        return f"ver {decoded[0]}, not {PROTOCOL_MAJOR} (§2.2: the device's own major in every frame)"
    if decoded[3] != len(decoded) - HEADER_LEN - CRC_LEN:
        return f"len {decoded[3]} but {len(decoded) - HEADER_LEN - CRC_LEN} payload bytes"
    if decoded[2] not in DEVICE_TYPES:
        return f"type 0x{decoded[2]:02X} is not a device → host type"
    return None


class Splitter:
    """Cuts the device's byte stream at each 0x00, bounded: a run past `limit` bytes is reported, not kept."""

    def __init__(self, limit: int = 1024) -> None:
        self._buf = bytearray()
        self._limit = limit
        self.overflows = 0

    def feed(self, data: bytes) -> list[bytes]:
        """The complete non-empty frames (without delimiters) that `data` finishes."""
        self._buf += data
        *done, rest = bytes(self._buf).split(b"\x00")
        self._buf = bytearray(rest)
        if len(self._buf) > self._limit:
            self.overflows += 1
            self._buf.clear()
        return [frame for frame in done if frame]
