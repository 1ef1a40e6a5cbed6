"""The sim codec against the document's golden vectors, and the stream decoder against garbage."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.messages import (
    MESSAGE_CLASSES,
    AnyMessage,
    MalformedPayload,
    SetEntry,
    ZoneState,
    decode_payload,
    encode_message,
)
from sim.protocol import MAX_ENCODED, MAX_PAYLOAD, MsgType
from sim.wire import (
    BadFrame,
    BadReason,
    CobsError,
    Frame,
    Garbage,
    StreamDecoder,
    build_body,
    cobs_decode,
    cobs_encode,
    crc16_ccitt_false,
    decode_wire,
    encode_frame,
)
from tests.protocol_vectors import Vector, load_vectors

VECTORS = load_vectors()
GOOD = [v for v in VECTORS if v.name != "bad_crc"]


def message_from_fields(type_name: str, fields: dict[str, Any]) -> AnyMessage:
    """Build the typed message a vector's JSON `fields` describe."""
    cls = MESSAGE_CLASSES[MsgType[type_name]]
    args = dict(fields)
    if "entries" in args:
        args["entries"] = tuple(SetEntry(**e) for e in args["entries"])
    if type_name == "STATUS":
        args["zones"] = tuple(ZoneState(**z) for z in args["zones"])
    if type_name == "RENEW":  # a u32 bitmask on the wire, written as the list of zone indices
        args["zones"] = tuple(args["zones"])
    if "motions" in args:
        args["motions"] = tuple(args["motions"])
    return cls(**args)


def test_document_has_vectors_of_both_directions() -> None:
    dirs = {v.direction for v in VECTORS}
    assert dirs == {"host->device", "device->host"}
    assert len(VECTORS) >= 18
    assert any(v.name == "bad_crc" for v in VECTORS)


def test_crc_check_value() -> None:
    assert crc16_ccitt_false(b"123456789") == 0x29B1


@pytest.mark.parametrize("vector", GOOD, ids=lambda v: v.name)
def test_encode_matches_vector(vector: Vector) -> None:
    message = message_from_fields(vector.type, vector.fields)
    assert build_body(vector.seq, message.TYPE, message.to_payload()) == vector.body
    assert encode_message(vector.seq, message) == vector.wire


@pytest.mark.parametrize("vector", GOOD, ids=lambda v: v.name)
def test_decode_matches_vector(vector: Vector) -> None:
    frame = decode_wire(vector.wire)
    assert isinstance(frame, Frame)
    assert (frame.ver, frame.seq, frame.type) == (1, vector.seq, MsgType[vector.type])
    assert frame.declared_len == len(frame.payload)
    assert decode_payload(frame.type, frame.payload) == message_from_fields(vector.type, vector.fields)


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.name)
def test_cobs_of_body_is_wire(vector: Vector) -> None:
    assert cobs_encode(vector.body) + b"\x00" == vector.wire
    assert cobs_decode(vector.wire[:-1]) == vector.body


def test_bad_crc_vector_is_rejected() -> None:
    (vector,) = [v for v in VECTORS if v.name == "bad_crc"]
    outcome = decode_wire(vector.wire)
    as_read = Frame(ver=1, seq=vector.seq, type=MsgType[vector.type], declared_len=0, payload=b"")
    assert outcome == BadFrame(BadReason.CRC, vector.seq, as_read)
    assert StreamDecoder().feed(vector.wire) == [BadFrame(BadReason.CRC, vector.seq, as_read)]


def test_worked_example_section_7() -> None:
    assert encode_frame(7, MsgType.HEARTBEAT) == bytes.fromhex("04 01 07 05 03 88 11 00")


@given(st.binary(max_size=300))
def test_cobs_round_trip_has_no_zero(data: bytes) -> None:
    encoded = cobs_encode(data)
    assert 0 not in encoded and encoded
    assert cobs_decode(encoded) == data


@pytest.mark.parametrize("payload", [b"", b"\x00" * MAX_PAYLOAD, b"\xff" * MAX_PAYLOAD])
def test_extreme_payloads_fit_max_encoded(payload: bytes) -> None:
    wire = encode_frame(255, 0x3F, payload)
    assert len(wire) - 1 <= MAX_ENCODED
    frame = decode_wire(wire)
    assert isinstance(frame, Frame) and frame.payload == payload


def test_oversize_payload_refused() -> None:
    with pytest.raises(ValueError):
        encode_frame(1, MsgType.SET, b"\x01" * (MAX_PAYLOAD + 1))


@pytest.mark.parametrize("encoded", [b"\x05\x01\x02", b"\x02", b"\x03\x01"])
def test_cobs_code_past_end_is_error(encoded: bytes) -> None:
    with pytest.raises(CobsError):
        cobs_decode(encoded)


def test_short_and_past_end_frames_are_invalid_without_seq() -> None:
    out = StreamDecoder().feed(b"\x05\x01\x02\x00" + b"\x02\x01\x00")
    assert out == [BadFrame(BadReason.COBS, None), BadFrame(BadReason.SHORT, None)]


def test_empty_frames_are_ignored() -> None:
    good = encode_frame(3, MsgType.HEARTBEAT)
    out = StreamDecoder().feed(b"\x00\x00" + good + b"\x00")
    assert len(out) == 1 and isinstance(out[0], Frame)


def test_stream_split_at_every_offset() -> None:
    stream = b"".join(v.wire for v in GOOD)
    for cut in range(len(stream) + 1):
        decoder = StreamDecoder()
        out = decoder.feed(stream[:cut]) + decoder.feed(stream[cut:])
        assert [o.seq for o in out if isinstance(o, Frame)] == [v.seq for v in GOOD]


def test_overlong_run_is_garbage_then_resync() -> None:
    decoder = StreamDecoder()
    good = encode_frame(9, MsgType.HEARTBEAT)
    out = decoder.feed(b"\x01" * 10_000) + decoder.feed(b"\x00" + good)
    assert out[0] == Garbage(10_000)
    assert isinstance(out[1], Frame) and out[1].seq == 9
    assert decoder.high_water <= MAX_ENCODED


def test_garbage_that_ends_inside_a_frame_costs_only_that_frame() -> None:
    good = encode_frame(4, MsgType.GET_STATUS)
    out = StreamDecoder().feed(b"\x01" * (MAX_ENCODED + 1) + good + good)
    # the overflow swallows the first frame up to its delimiter; the second is clean
    assert isinstance(out[0], Garbage)
    assert [o for o in out[1:] if isinstance(o, Frame)][0].seq == 4


@settings(max_examples=200, deadline=None)
@given(
    garbage=st.binary(max_size=2000),
    cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=20),
)
def test_random_bytes_never_raise_and_recover(garbage: bytes, cuts: list[int]) -> None:
    good = encode_frame(42, MsgType.HEARTBEAT)
    stream = garbage + b"\x00" + good
    decoder = StreamDecoder()
    out = []
    start = 0
    for cut in sorted(c % (len(stream) + 1) for c in cuts) + [len(stream)]:
        out += decoder.feed(stream[start:cut])
        start = cut
        assert decoder.high_water <= MAX_ENCODED
    assert isinstance(out[-1], Frame) and out[-1].seq == 42


@pytest.mark.parametrize(
    ("msg_type", "payload"),
    [(MsgType.HELLO, b"\x01"), (MsgType.SET, b"\x01" + b"\x00" * 6), (MsgType.SET, b""),
     (MsgType.HEARTBEAT, b"\x00"), (MsgType.GET_ZONE, b""), (MsgType.SOFT_STOP, b"\x01\x02\x03")],
)
def test_wrong_payload_size_is_malformed(msg_type: MsgType, payload: bytes) -> None:
    with pytest.raises(MalformedPayload):
        decode_payload(msg_type, payload)


def test_hello_reply_with_trailing_byte_is_malformed() -> None:
    (vector,) = [v for v in VECTORS if v.name == "hello_reply"]
    payload = vector.body[4:-2]
    with pytest.raises(MalformedPayload):
        decode_payload(MsgType.HELLO_REPLY, payload + b"\x00")
    with pytest.raises(MalformedPayload):
        decode_payload(MsgType.HELLO_REPLY, payload[:-1])
