"""Payload helpers shared by every message of §3: size checks and §3.2's length-prefixed UTF-8 strings."""

from __future__ import annotations

import struct


class MalformedPayload(ValueError):
    """A payload whose size or shape is wrong for its type (§3: NAK MALFORMED)."""


def exact(payload: bytes, fmt: str) -> tuple[int, ...]:
    """Unpack a fixed-size payload, refusing any other size."""
    if len(payload) != struct.calcsize(fmt):
        raise MalformedPayload(f"payload is {len(payload)} bytes, expected {struct.calcsize(fmt)}")
    return struct.unpack(fmt, payload)


def empty(payload: bytes) -> None:
    """Refuse a payload on a message that has none."""
    if payload:
        raise MalformedPayload(f"payload of {len(payload)} bytes on a message without one")


def pack_str(text: str, limit: int) -> bytes:
    """u8 length + UTF-8, refusing a string over its limit."""
    raw = text.encode("utf-8")
    if len(raw) > limit:
        raise ValueError(f"string {text!r} is longer than {limit} bytes")
    return bytes((len(raw),)) + raw


def unpack_str(payload: bytes, offset: int, limit: int) -> tuple[str, int]:
    """Read a u8-length UTF-8 string; MalformedPayload if short, too long or not UTF-8."""
    if offset >= len(payload):
        raise MalformedPayload("payload ends before a string's length")
    size = payload[offset]
    raw = payload[offset + 1 : offset + 1 + size]
    if size > limit or len(raw) != size:
        raise MalformedPayload(f"string of {size} bytes is over its limit or truncated")
    try:
        return raw.decode("utf-8"), offset + 1 + size
    except UnicodeDecodeError as err:
        raise MalformedPayload("string is not UTF-8") from err
