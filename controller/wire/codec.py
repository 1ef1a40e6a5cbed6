"""Frame codec: bytes ↔ typed messages, pure functions (firmware_protocol.md §2, §3).

No I/O and no time here. `encode_frame` and `decode_body` are inverses; `FrameDecoder` turns an arbitrary
byte stream into frames, skipping and counting garbage, with a receive buffer never over MAX_ENCODED bytes.
"""

from __future__ import annotations

import binascii
import struct
from collections.abc import Callable
from dataclasses import dataclass

from controller.errors import ProtocolError
from controller.wire.protocol import (
    CRC_LEN,
    DELIMITER,
    FIRMWARE_MAX,
    FLAG_HEATER,
    FLAG_SIMULATOR,
    HEADER_LEN,
    MAX_ENCODED,
    MAX_PAYLOAD,
    MAX_SET_ENTRIES,
    MAX_ZONES,
    MIN_BODY,
    MODEL_MAX,
    PROTOCOL_MAJOR,
    SERIAL_MAX,
    ZONE_FLAG_HEATED,
    ZONE_NAME_MAX,
    Ack,
    EmergencyStop,
    Event,
    Frame,
    GetStatus,
    GetZone,
    Heartbeat,
    Hello,
    HelloReply,
    Message,
    MsgType,
    Nak,
    SetActuators,
    SetEntry,
    SoftStop,
    Status,
    ZoneInfo,
    ZoneState,
)


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, xorout 0 (§2.2).

    binascii.crc_hqx is exactly this polynomial, unreflected, from a given initial value, in C; it was
    the largest single cost per frame in pure Python. The check value and the vectors pin it.
    """
    return binascii.crc_hqx(data, 0xFFFF)


def cobs_encode(data: bytes) -> bytes:
    """COBS-encode `data`; the result holds no zero byte (§2.2).

    Each zero-free run becomes a code byte (run length + 1) and the run; runs of 254 or more are cut
    into 254-byte blocks with code 0xFF, which imply no zero.
    """
    out = bytearray()
    for run in data.split(b"\x00"):
        while len(run) >= 254:
            out.append(255)
            out += run[:254]
            run = run[254:]
        out.append(len(run) + 1)
        out += run
    return bytes(out)


def cobs_decode(data: bytes) -> bytes:
    """Invert cobs_encode; ProtocolError when a code byte points past the end or is zero."""
    out = bytearray()
    i = 0
    while i < len(data):
        code = data[i]
        if code == 0 or i + code > len(data):
            raise ProtocolError("bad COBS block")
        out += data[i + 1 : i + code]
        i += code
        if code < 255 and i < len(data):
            out.append(0)
    return bytes(out)


# --- payload encoders -------------------------------------------------------------------------

_SET_ENTRY = struct.Struct("<BBBBBH")
_HELLO_REPLY_FIXED = struct.Struct("<BBBHBBBBHHHHHB")
_STATUS_FIXED = struct.Struct("<BBhIHHHB")
_ZONE_STATE = struct.Struct("<BBBBB")


def _pstr(text: str, limit: int, what: str) -> bytes:
    raw = text.encode("utf-8")
    if len(raw) > limit:
        raise ProtocolError(f"{what} is {len(raw)} bytes, over its {limit}-byte limit")
    return bytes([len(raw)]) + raw


def _motion_mask(motions: tuple[int, ...]) -> int:
    mask = 0
    for motion in motions:
        mask |= 1 << motion
    return mask


def _encode_payload(msg: Message) -> bytes:
    """The payload of `msg`; its type byte is the class's own (`msg.TYPE`)."""
    match msg:
        case Hello(major, minor):
            return bytes([major, minor])
        case SetActuators(entries):
            body = b"".join(_SET_ENTRY.pack(e.zone, e.motion, e.intensity, e.speed, e.heat, e.lease_ms)
                            for e in entries)
            return bytes([len(entries)]) + body
        case SoftStop(ramp_ms):
            return struct.pack("<H", ramp_ms)
        case EmergencyStop():
            return b""
        case Heartbeat():
            return b""
        case GetStatus():
            return b""
        case GetZone(index):
            return bytes([index])
        case Ack(acked_type):
            return bytes([acked_type])
        case Nak(code, detail):
            return bytes([code, detail])
        case Event(code, arg):
            return bytes([code, arg])
        case ZoneInfo(index, zone, heated, name):
            flags = ZONE_FLAG_HEATED if heated else 0
            return bytes([index, zone, flags]) + _pstr(name, ZONE_NAME_MAX, "zone name")
        case HelloReply():
            return _encode_hello_reply(msg)
        case Status():
            fixed = _STATUS_FIXED.pack(msg.state, msg.faults, msg.temp_dC, msg.uptime_ms, msg.session_s,
                                       msg.invalid_frames, msg.boot_count, len(msg.zones))
            zones = b"".join(_ZONE_STATE.pack(z.zone, z.motion, z.intensity, z.speed, z.heat)
                             for z in msg.zones)
            return fixed + zones
    raise ProtocolError(f"cannot encode {msg!r}")


def _encode_hello_reply(msg: HelloReply) -> bytes:
    flags = (FLAG_SIMULATOR if msg.simulator else 0) | (FLAG_HEATER if msg.has_heater else 0)
    fixed = _HELLO_REPLY_FIXED.pack(
        msg.major, msg.minor, flags, msg.boot_count, msg.reset_cause, msg.intensity_max, msg.speed_max,
        msg.heat_max, msg.max_temp_dC, msg.max_session_s, msg.watchdog_ms, msg.max_lease_ms,
        _motion_mask(msg.motions), msg.zone_count,
    )
    return (fixed + _pstr(msg.model, MODEL_MAX, "model") + _pstr(msg.firmware, FIRMWARE_MAX, "firmware")
            + _pstr(msg.serial, SERIAL_MAX, "serial"))


def encode_body(seq: int, msg: Message) -> bytes:
    """The frame body (header, payload, CRC) before COBS (§2.2)."""
    payload = _encode_payload(msg)
    if len(payload) > MAX_PAYLOAD:
        raise ProtocolError(f"payload of {len(payload)} bytes is over MAX_PAYLOAD ({MAX_PAYLOAD})")
    head = bytes([PROTOCOL_MAJOR, seq & 0xFF, msg.TYPE, len(payload)]) + payload
    return head + crc16_ccitt_false(head).to_bytes(2, "big")


def encode_frame(seq: int, msg: Message) -> bytes:
    """Wire bytes for one frame: COBS(body) then the 0x00 delimiter."""
    return cobs_encode(encode_body(seq, msg)) + bytes([DELIMITER])


# --- payload decoders -------------------------------------------------------------------------


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
        return raw.decode("utf-8", errors="replace")

    def done(self) -> None:
        if self.pos != len(self.data):
            raise ProtocolError(f"{len(self.data) - self.pos} unexpected trailing payload bytes")


_U8 = struct.Struct("<B")
_U16 = struct.Struct("<H")


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


def _decode_hello_reply(payload: bytes) -> Message:
    r = _Reader(payload)
    (major, minor, flags, boot, cause, imax, smax, hmax, temp, session, wd, lease, mask, zones) = r.take(
        _HELLO_REPLY_FIXED)
    model = r.string(MODEL_MAX, "model")
    firmware = r.string(FIRMWARE_MAX, "firmware")
    serial = r.string(SERIAL_MAX, "serial")
    r.done()
    motions = tuple(bit for bit in range(1, 16) if mask & (1 << bit))
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


_DECODERS: dict[int, Callable[[bytes], Message]] = {
    MsgType.HELLO: _fixed(2, lambda p: Hello(p[0], p[1])),
    MsgType.SET: _decode_set,
    MsgType.SOFT_STOP: _fixed(2, lambda p: SoftStop(_U16.unpack(p)[0])),
    MsgType.ESTOP: _fixed(0, lambda p: EmergencyStop()),
    MsgType.HEARTBEAT: _fixed(0, lambda p: Heartbeat()),
    MsgType.GET_STATUS: _fixed(0, lambda p: GetStatus()),
    MsgType.GET_ZONE: _fixed(1, lambda p: GetZone(p[0])),
    MsgType.ACK: _fixed(1, lambda p: Ack(p[0])),
    MsgType.NAK: _fixed(2, lambda p: Nak(p[0], p[1])),
    MsgType.EVENT: _fixed(2, lambda p: Event(p[0], p[1])),
    MsgType.HELLO_REPLY: _decode_hello_reply,
    MsgType.STATUS: _decode_status,
    MsgType.ZONE_INFO: _decode_zone_info,
}


def decode_body(body: bytes) -> Frame:
    """Check a de-stuffed body in the order of §2.4 (length, CRC, version, len, type, payload)."""
    if len(body) < MIN_BODY:
        raise ProtocolError(f"frame of {len(body)} bytes is shorter than {MIN_BODY}")
    if crc16_ccitt_false(body) != 0:
        raise ProtocolError("bad CRC")
    if body[0] != PROTOCOL_MAJOR:
        raise ProtocolError(f"protocol version {body[0]}, expected {PROTOCOL_MAJOR}")
    if body[3] != len(body) - HEADER_LEN - CRC_LEN:
        raise ProtocolError("length field does not match the frame")
    decoder = _DECODERS.get(body[2])
    if decoder is None:
        raise ProtocolError(f"unknown message type 0x{body[2]:02X}")
    return Frame(body[1], decoder(body[HEADER_LEN:-CRC_LEN]))


def decode_frame(wire: bytes) -> Frame:
    """Decode one frame's wire bytes, with or without its trailing delimiter."""
    if wire.endswith(bytes([DELIMITER])):
        wire = wire[:-1]
    return decode_body(cobs_decode(wire))


# --- stream decoder ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rejected:
    """A delimited frame that failed a check: counted, never acted on."""

    reason: str
    size: int


DecodeOutcome = Frame | Rejected


class FrameDecoder:
    """Incremental decoder for a byte stream of any chunking (§2.4).

    Recovery: bytes past MAX_ENCODED without a delimiter are discarded as garbage up to the next 0x00;
    a delimited frame failing COBS, CRC or any field check is returned as Rejected; empty frames are
    skipped. The buffer never holds more than MAX_ENCODED bytes.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._discarding = False
        self.frames = 0
        self.rejected = 0
        self.garbage_bytes = 0
        self.high_water = 0

    def feed(self, data: bytes) -> list[DecodeOutcome]:
        """Consume `data`; return the frames and rejections completed by it, in order."""
        out: list[DecodeOutcome] = []
        start = 0
        while start < len(data):
            end = data.find(DELIMITER, start)
            chunk = data[start:] if end < 0 else data[start:end]
            self._absorb(chunk)
            if end < 0:
                break
            self._finish(out)
            start = end + 1
        return out

    def _absorb(self, chunk: bytes) -> None:
        if self._discarding:
            self.garbage_bytes += len(chunk)
            return
        if len(self._buf) + len(chunk) > MAX_ENCODED:
            self.garbage_bytes += len(self._buf) + len(chunk)
            self._buf.clear()
            self._discarding = True
            return
        self._buf += chunk
        self.high_water = max(self.high_water, len(self._buf))

    def _finish(self, out: list[DecodeOutcome]) -> None:
        if self._discarding:
            self._discarding = False
            return
        if not self._buf:
            return
        raw = bytes(self._buf)
        self._buf.clear()
        try:
            out.append(decode_body(cobs_decode(raw)))
            self.frames += 1
        except ProtocolError as err:
            self.rejected += 1
            out.append(Rejected(str(err), len(raw)))

    @property
    def buffered(self) -> int:
        return len(self._buf)
