"""Frame codec: bytes ↔ typed messages, pure functions (firmware_protocol.md §2, §3).

No I/O and no time here. `encode_frame` and `decode_body` are inverses (the payloads themselves are in
controller/wire/payloads.py); `FrameDecoder` turns an arbitrary byte stream into frames, skipping and
counting garbage, with a receive buffer never over MAX_ENCODED bytes.

Per frame this is on every round trip, so the common cases are short: a body under 254 bytes (every
valid one, MAX_BODY being 246) is COBS-encoded with one split and one join, and a read that brings
exactly one whole frame is decoded without touching the stream buffer.
"""

from __future__ import annotations

import binascii
import functools
from collections import deque
from dataclasses import dataclass

from controller.errors import ProtocolError
from controller.wire.payloads import DECODERS, encode_payload
from controller.wire.protocol import (
    CRC_LEN,
    DELIMITER,
    HEADER_LEN,
    MAX_ENCODED,
    MAX_PAYLOAD,
    MIN_BODY,
    PROTOCOL_MAJOR,
    Frame,
    KeepAlive,
    Message,
)

_CODE = tuple(bytes((n + 1,)) for n in range(254))  # a COBS block's code byte, by its run's length
_END = bytes([DELIMITER])
_SHORT = 12          # encoded bytes: an ACK is 8, a NAK or an EVENT 9 — the replies of almost every command
_MEMO_SIZE = 4096    # distinct short frames remembered (seq × type × code); the table starts over past it
_memo: dict[bytes, Frame] = {}


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
    if len(data) < 254:  # no run can reach 254 bytes: one block per run
        return b"".join([_CODE[len(run)] + run for run in data.split(b"\x00")])
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


def encode_body(seq: int, msg: Message) -> bytes:
    """The frame body (header, payload, CRC) before COBS (§2.2)."""
    payload = encode_payload(msg)
    if len(payload) > MAX_PAYLOAD:
        raise ProtocolError(f"payload of {len(payload)} bytes is over MAX_PAYLOAD ({MAX_PAYLOAD})")
    head = bytes((PROTOCOL_MAJOR, seq & 0xFF, msg.TYPE, len(payload))) + payload
    return head + binascii.crc_hqx(head, 0xFFFF).to_bytes(2, "big")


def encode_frame(seq: int, msg: Message) -> bytes:
    """Wire bytes for one frame: COBS(body) then the 0x00 delimiter."""
    return cobs_encode(encode_body(seq, msg)) + _END


@functools.cache
def keepalive_frame(seq: int) -> bytes:
    """A KEEPALIVE's wire bytes (§3.9: no payload, so one of 256), encoded once."""
    return encode_frame(seq, KeepAlive())


def decode_body(body: bytes) -> Frame:
    """Check a de-stuffed body in the order of §2.4 (length, CRC, version, len, type, payload)."""
    if len(body) < MIN_BODY:
        raise ProtocolError(f"frame of {len(body)} bytes is shorter than {MIN_BODY}")
    if binascii.crc_hqx(body, 0xFFFF):
        raise ProtocolError("bad CRC")
    if body[0] != PROTOCOL_MAJOR:
        raise ProtocolError(f"protocol version {body[0]}, expected {PROTOCOL_MAJOR}")
    if body[3] != len(body) - HEADER_LEN - CRC_LEN:
        raise ProtocolError("length field does not match the frame")
    decoder = DECODERS.get(body[2])
    if decoder is None:
        raise ProtocolError(f"unknown message type 0x{body[2]:02X}")
    return Frame(body[1], decoder(body[HEADER_LEN:-CRC_LEN]))


def decode_short(encoded: bytes) -> Frame:
    """decode_body(cobs_decode(encoded)) for a short frame, remembered: decoding is a pure function of
    the bytes and a Frame is immutable, and ACKs repeat for every seq. A frame that fails is never kept."""
    frame = _memo.get(encoded)
    if frame is None:
        frame = decode_body(cobs_decode(encoded))
        if len(_memo) >= _MEMO_SIZE:
            _memo.clear()
        _memo[encoded] = frame
    return frame


def decode_frame(wire: bytes) -> Frame:
    """Decode one frame's wire bytes, with or without its trailing delimiter."""
    if wire.endswith(_END):
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
    a delimited frame failing COBS, CRC or any field check is returned as Rejected (or, from
    `feed_frames`, counted with its reason kept for `take_reasons`); empty frames are skipped. The buffer
    never holds more than MAX_ENCODED bytes.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._discarding = False
        self._reasons: deque[str] = deque(maxlen=16)
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

    def feed_frames(self, data: bytes) -> list[Frame]:
        """As `feed`, returning only the frames; rejections are counted (`rejected`, `take_reasons`).

        The common read — one whole frame and its delimiter, nothing buffered — skips the buffer.
        """
        last = len(data) - 1
        if 0 < last <= MAX_ENCODED and not self._buf and not self._discarding and data.find(0) == last:
            self.high_water = max(self.high_water, last)
            try:
                frame = decode_short(data[:last]) if last <= _SHORT else decode_body(cobs_decode(data[:last]))
            except ProtocolError as err:
                self.rejected += 1
                self._reasons.append(str(err))
                return []
            self.frames += 1
            return [frame]
        frames: list[Frame] = []
        for outcome in self.feed(data):
            if isinstance(outcome, Frame):
                frames.append(outcome)
            else:
                self._reasons.append(outcome.reason)
        return frames

    def take_reasons(self) -> list[str]:
        """Why the latest rejected frames were rejected (at most 16 kept), oldest first; then forgotten."""
        reasons = list(self._reasons)
        self._reasons.clear()
        return reasons

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
