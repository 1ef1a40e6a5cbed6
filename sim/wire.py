"""The simulator's own framing: CRC-16/CCITT-FALSE, COBS and a bounded stream decoder (§2).

Pure: bytes in, typed outcomes out. Deliberately independent of the host codec in `controller/`, so a
symmetric misreading of the document cannot pass the golden vectors on both sides.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass
from enum import Enum

from sim.protocol import (
    CRC_INIT,
    CRC_LEN,
    FRAME_DELIMITER,
    HEADER_LEN,
    MAX_ENCODED,
    MAX_PAYLOAD,
    MIN_BODY,
    PROTOCOL_MAJOR,
    SEQ_MASK,
)

_COBS_MAX_CODE = 0xFF


def crc16_ccitt_false(data: bytes, crc: int = CRC_INIT) -> int:
    """CRC-16/CCITT-FALSE (§2.2): poly 0x1021, init 0xFFFF, unreflected, no final XOR.

    `binascii.crc_hqx` is exactly this CRC (the XMODEM polynomial, MSB first) with the initial value given,
    computed in C.
    """
    return binascii.crc_hqx(data, crc)


class CobsError(ValueError):
    """A COBS block whose code byte points past the end of the frame (§2.4 step 3)."""


def cobs_encode(data: bytes) -> bytes:
    """COBS-encode `data` (§2.2): the result holds no 0x00 and is never empty.

    Works run by run (the zero-free stretches between zeros), cutting runs of 254 into 0xFF blocks.
    """
    out = bytearray()
    for run in data.split(b"\x00"):
        start = 0
        while len(run) - start >= _COBS_MAX_CODE - 1:
            out.append(_COBS_MAX_CODE)
            out += run[start:start + _COBS_MAX_CODE - 1]
            start += _COBS_MAX_CODE - 1
        out.append(len(run) - start + 1)
        out += run[start:]
    return bytes(out)


def cobs_decode(encoded: bytes) -> bytes:
    """Undo COBS for one frame without its delimiter; raises CobsError on a code pointing past the end."""
    blocks: list[bytes] = []
    i = 0
    end = len(encoded)
    while i < end:  # one slice per block; a block shorter than 254 bytes implies a zero after it
        code = encoded[i]
        if code == 0 or i + code > end:
            raise CobsError(f"COBS code {code} at offset {i} points past the end ({end})")
        blocks.append(encoded[i + 1 : i + code])
        i += code
        if code < _COBS_MAX_CODE and i < end:
            blocks.append(b"\x00")
    return b"".join(blocks)


@dataclass(frozen=True, slots=True)
class Frame:
    """A frame whose COBS and CRC are good; `ver` and `declared_len` are still to be judged (§2.4 step 5)."""

    ver: int
    seq: int
    type: int
    declared_len: int
    payload: bytes


class BadReason(Enum):
    """Why a delimited frame was discarded (§2.4 steps 3-4)."""

    COBS = "cobs"
    SHORT = "short"
    CRC = "crc"


@dataclass(frozen=True, slots=True)
class BadFrame:
    """An invalid frame; `seq` is the byte as read when the body reached MIN_BODY (for NAK BAD_CRC).

    For a CRC failure, `as_read` is the frame as its bytes read, which only a defective device acts on.
    """

    reason: BadReason
    seq: int | None
    as_read: Frame | None = None


@dataclass(frozen=True, slots=True)
class Garbage:
    """`n_bytes` discarded because more than MAX_ENCODED arrived with no delimiter (§2.4 step 1)."""

    n_bytes: int


Outcome = Frame | BadFrame | Garbage


def build_body(seq: int, msg_type: int, payload: bytes, ver: int = PROTOCOL_MAJOR) -> bytes:
    """Header + payload + big-endian CRC (§2.2); raises ValueError for an oversize payload."""
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} bytes exceeds MAX_PAYLOAD {MAX_PAYLOAD}")
    head = bytes((ver, seq & SEQ_MASK, msg_type, len(payload))) + payload
    return head + crc16_ccitt_false(head).to_bytes(CRC_LEN, "big")


def encode_frame(seq: int, msg_type: int, payload: bytes = b"") -> bytes:
    """The wire bytes of one frame: COBS(body) then the 0x00 delimiter (§2.2)."""
    return cobs_encode(build_body(seq, msg_type, payload)) + bytes((FRAME_DELIMITER,))


def parse_encoded(encoded: bytes) -> Frame | BadFrame:
    """Judge one delimited, non-empty frame in the order of §2.4 steps 3-4."""
    try:
        body = cobs_decode(encoded)
    except CobsError:
        return BadFrame(BadReason.COBS, None)
    if len(body) < MIN_BODY:
        return BadFrame(BadReason.SHORT, None)
    frame = Frame(ver=body[0], seq=body[1], type=body[2], declared_len=body[3],
                  payload=body[HEADER_LEN:-CRC_LEN])
    if crc16_ccitt_false(body) != 0:
        return BadFrame(BadReason.CRC, body[1], frame)
    return frame


def decode_wire(wire: bytes) -> Frame | BadFrame:
    """Decode exactly one frame given with its trailing delimiter (used by tests and tools)."""
    if not wire or wire[-1] != FRAME_DELIMITER or FRAME_DELIMITER in wire[:-1]:
        return BadFrame(BadReason.COBS, None)
    return parse_encoded(wire[:-1])


class StreamDecoder:
    """Turns arbitrary chunks into outcomes; never holds more than MAX_ENCODED bytes (§2.4 step 1)."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._discarding = False
        self._discarded = 0
        self.garbage_bytes = 0
        self.high_water = 0

    @property
    def idle(self) -> bool:
        """No half frame held and not discarding: the next whole frame is decoded on its own."""
        return not self._buf and not self._discarding

    def reset(self) -> None:
        """Forget any half-received frame, as a device does when it restarts."""
        self._buf.clear()
        self._discarding = False
        self._discarded = 0

    def feed(self, chunk: bytes) -> list[Outcome]:
        """Consume `chunk` and return every outcome it completes, in order."""
        size = len(chunk) - 1
        if (0 < size <= MAX_ENCODED and not self._buf and not self._discarding
                and chunk.find(FRAME_DELIMITER) == size):  # the usual case: exactly one whole frame
            self.high_water = max(self.high_water, size)
            return [parse_encoded(bytes(chunk[:size]))]
        out: list[Outcome] = []
        start = 0
        while start < len(chunk):
            stop = chunk.find(FRAME_DELIMITER, start)
            piece = chunk[start:] if stop < 0 else chunk[start:stop]
            self._take(piece)
            if stop < 0:
                break
            self._end_frame(out)
            start = stop + 1
        return out

    def _take(self, piece: bytes) -> None:
        """Buffer bytes of the current frame, switching to discard mode on overflow."""
        if self._discarding:
            self._discarded += len(piece)
            return
        if len(self._buf) + len(piece) > MAX_ENCODED:
            self._discarding = True
            self._discarded = len(self._buf) + len(piece)
            self._buf.clear()
            return
        self._buf += piece
        self.high_water = max(self.high_water, len(self._buf))

    def _end_frame(self, out: list[Outcome]) -> None:
        """A delimiter arrived: emit the frame, the garbage run it ended, or nothing for an empty frame."""
        if self._discarding:
            self.garbage_bytes += self._discarded
            out.append(Garbage(self._discarded))
            self._discarding = False
            self._discarded = 0
            return
        if self._buf:
            out.append(parse_encoded(bytes(self._buf)))
            self._buf.clear()
