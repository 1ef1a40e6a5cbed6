"""The host codec against the document's golden vectors, and round-trip/stream properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controller.errors import ProtocolError
from controller.wire import codec
from controller.wire.protocol import (
    MAX_ENCODED,
    Ack,
    EmergencyStop,
    Event,
    Frame,
    GetStatus,
    GetZone,
    Heartbeat,
    Hello,
    HelloReply,
    KeepAlive,
    Message,
    MsgType,
    Nak,
    NakCode,
    Renew,
    SetActuators,
    SetEntry,
    SoftStop,
    Status,
    ZoneInfo,
    ZoneState,
)
from tests.protocol_vectors import Vector, load_vectors

VECTORS = load_vectors()  # every frame of the document: the host codec speaks 1.1
GOOD = [v for v in VECTORS if v.name != "bad_crc"]


def message_from_fields(type_name: str, f: dict) -> Message:
    """Build the typed message a vector describes."""
    simple = {"HELLO": Hello, "SOFT_STOP": SoftStop, "GET_ZONE": GetZone, "ACK": Ack, "NAK": Nak,
              "EVENT": Event, "ZONE_INFO": ZoneInfo, "ESTOP": EmergencyStop, "HEARTBEAT": Heartbeat,
              "GET_STATUS": GetStatus, "KEEPALIVE": KeepAlive}
    if type_name in simple:
        return simple[type_name](**f)
    if type_name == "RENEW":
        return Renew(f["lease_ms"], tuple(f["zones"]))
    if type_name == "SET":
        return SetActuators(tuple(SetEntry(**e) for e in f["entries"]))
    if type_name == "HELLO_REPLY":
        return HelloReply(**{**f, "motions": tuple(f["motions"])})
    if type_name == "STATUS":
        return Status(**{**f, "zones": tuple(ZoneState(**z) for z in f["zones"])})
    raise AssertionError(type_name)


def test_document_has_enough_vectors_of_every_type() -> None:
    assert len(VECTORS) >= 19
    assert {v.type for v in VECTORS} >= {"HELLO", "SET", "SOFT_STOP", "ESTOP", "HEARTBEAT", "GET_STATUS",
                                        "GET_ZONE", "ACK", "HELLO_REPLY", "NAK", "STATUS", "ZONE_INFO",
                                        "EVENT", "KEEPALIVE", "RENEW"}
    assert {v.name for v in VECTORS if v.since == (1, 1)} >= {"keepalive", "renew", "nak_zone_off",
                                                              "get_status_only_on", "status_only_on"}


def test_crc_check_value() -> None:
    assert codec.crc16_ccitt_false(b"123456789") == 0x29B1


@pytest.mark.parametrize("vec", GOOD, ids=lambda v: v.name)
def test_encoder_matches_vector(vec: Vector) -> None:
    msg = message_from_fields(vec.type, vec.fields)
    assert codec.encode_body(vec.seq, msg) == vec.body
    assert codec.encode_frame(vec.seq, msg) == vec.wire


@pytest.mark.parametrize("vec", GOOD, ids=lambda v: v.name)
def test_decoder_matches_vector(vec: Vector) -> None:
    expected = Frame(vec.seq, message_from_fields(vec.type, vec.fields))
    assert codec.decode_frame(vec.wire) == expected
    assert codec.FrameDecoder().feed(vec.wire) == [expected]


def test_bad_crc_vector_is_rejected() -> None:
    (vec,) = [v for v in VECTORS if v.name == "bad_crc"]
    with pytest.raises(ProtocolError, match="CRC"):
        codec.decode_frame(vec.wire)
    decoder = codec.FrameDecoder()
    (outcome,) = decoder.feed(vec.wire)
    assert isinstance(outcome, codec.Rejected) and decoder.rejected == 1


@pytest.mark.parametrize("offset", range(1, 20))
def test_stream_split_at_every_offset(offset: int) -> None:
    stream = b"".join(v.wire for v in GOOD[:3])
    decoder = codec.FrameDecoder()
    got = decoder.feed(stream[:offset]) + decoder.feed(stream[offset:])
    assert [f for f in got if isinstance(f, Frame)] == [codec.decode_frame(v.wire) for v in GOOD[:3]]


def test_garbage_then_delimiter_then_frame_recovers() -> None:
    decoder = codec.FrameDecoder()
    good = codec.encode_frame(9, Heartbeat())
    out = decoder.feed(b"\xff" * 10_000 + b"\x00" + good)
    assert out[-1] == Frame(9, Heartbeat())
    assert decoder.garbage_bytes >= 10_000 - MAX_ENCODED and decoder.high_water <= MAX_ENCODED


def test_oversize_payload_refused() -> None:
    entries = tuple(SetEntry(1, 1, 1, 1, 1, 100) for _ in range(40))
    with pytest.raises(ProtocolError, match="MAX_PAYLOAD"):
        codec.encode_frame(1, SetActuators(entries))


# --- properties -------------------------------------------------------------------------------

u8 = st.integers(0, 255)
u16 = st.integers(0, 0xFFFF)
names = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz_0123456789"), min_size=1, max_size=24)
entries = st.builds(SetEntry, u8, u8, u8, u8, u8, u16)
zone_states = st.builds(ZoneState, u8, u8, u8, u8, u8)
messages = st.one_of(
    st.builds(Hello, u8, u8),
    st.builds(SetActuators, st.lists(entries, min_size=1, max_size=16).map(tuple)),
    st.builds(SoftStop, u16),
    st.just(EmergencyStop()), st.just(Heartbeat()), st.just(GetStatus()), st.builds(GetStatus, u8),
    st.just(KeepAlive()),
    st.builds(Renew, u16, st.lists(st.integers(0, 31), unique=True).map(lambda z: tuple(sorted(z)))),
    st.builds(GetZone, u8), st.builds(Ack, u8), st.builds(Nak, u8, u8), st.builds(Event, u8, u8),
    st.builds(ZoneInfo, u8, u8, st.booleans(), names),
    st.builds(Status, u8, u8, st.integers(-32768, 32767), st.integers(0, 2**32 - 1), u16, u16, u16,
              st.lists(zone_states, max_size=32).map(tuple)),
    st.builds(HelloReply, u8, u8, st.booleans(), st.booleans(), u16, u8, u8, u8, u8, u16, u16, u16, u16,
              st.lists(st.integers(1, 15), unique=True).map(lambda m: tuple(sorted(m))), u8,
              names, names.map(lambda s: s[:16]), names),
)


@given(u8, messages)
def test_any_message_round_trips(seq: int, msg: Message) -> None:
    wire = codec.encode_frame(seq, msg)
    assert 0 not in wire[:-1] and wire[-1] == 0 and len(wire) - 1 <= MAX_ENCODED
    assert codec.decode_frame(wire) == Frame(seq, msg)


@given(st.binary(max_size=300))
def test_cobs_round_trips_any_bytes(data: bytes) -> None:
    assert codec.cobs_decode(codec.cobs_encode(data)) == data


@settings(max_examples=300)
@given(st.binary(max_size=2000), st.lists(st.integers(1, 64), min_size=1, max_size=50), u8)
def test_decoder_never_raises_stays_bounded_and_recovers(garbage: bytes, cuts: list[int], seq: int) -> None:
    good = codec.encode_frame(seq, Heartbeat())
    stream = garbage + b"\x00" + good
    decoder = codec.FrameDecoder()
    out: list[codec.DecodeOutcome] = []
    pos = 0
    for cut in cuts * (len(stream) // max(1, sum(cuts)) + 1):
        out += decoder.feed(stream[pos : pos + cut])
        assert decoder.buffered <= MAX_ENCODED
        pos += cut
        if pos >= len(stream):
            break
    out += decoder.feed(stream[pos:])
    assert out and out[-1] == Frame(seq, Heartbeat())


@given(u8, messages)
def test_each_message_carries_the_type_byte_it_is_framed_with(seq: int, msg: Message) -> None:
    """The class's TYPE is the §3 byte on the wire, so matching an ACK needs no re-encoding."""
    assert codec.encode_body(seq, msg)[2] == msg.TYPE
    assert type(msg).TYPE is msg.TYPE and isinstance(msg.TYPE, MsgType)


# --- 1.1's limits and the strictness a host owes (§2.3, §3.2) -------------------------------------

def test_a_frame_of_max_encoded_bytes_is_judged_and_one_byte_more_is_garbage() -> None:
    """MAX_ENCODED is 247 (1.0 said 248): the receive buffer holds 247 bytes, never 248."""
    assert MAX_ENCODED == 247
    body = bytes([1, 7, 0x83, 240]) + b"\x01" * 240
    body += codec.crc16_ccitt_false(body).to_bytes(2, "big")
    encoded = codec.cobs_encode(body)
    assert len(encoded) == 247  # the largest body there is, COBS-encoded
    decoder = codec.FrameDecoder()
    (outcome,) = decoder.feed(encoded + b"\x00")
    assert isinstance(outcome, codec.Rejected) and "STATUS" not in outcome.reason  # judged: no garbage
    assert decoder.garbage_bytes == 0 and decoder.high_water == 247
    decoder = codec.FrameDecoder()
    assert decoder.feed(b"\x01" + encoded + b"\x00") == []  # 248 bytes without a delimiter: discarded
    assert decoder.garbage_bytes == 248 and decoder.buffered == 0


def test_invalid_utf8_in_a_hello_reply_is_a_protocol_error() -> None:
    good = HelloReply(1, 1, False, False, 0, 0, 10, 5, 0, 450, 1800, 400, 2000, (1,), 1, "Foot", "1.1", "")
    body = bytearray(codec.encode_body(1, good))[:-2]
    model_at = 4 + 20
    body[model_at + 1] = 0xFF  # "Foot" → "\xffoot"
    body += codec.crc16_ccitt_false(bytes(body)).to_bytes(2, "big")
    with pytest.raises(ProtocolError, match="model is not valid UTF-8"):
        codec.decode_body(bytes(body))


def test_feed_frames_counts_what_it_rejects_and_says_why() -> None:
    decoder = codec.FrameDecoder()
    good = codec.encode_frame(3, Ack(2))
    bad = bytearray(good)
    bad[-2] ^= 0x40  # the CRC
    assert decoder.feed_frames(bytes(bad)) == []
    assert decoder.feed_frames(good + bytes(bad) + good[:4]) == [Frame(3, Ack(2))]
    assert decoder.feed_frames(good[4:]) == [Frame(3, Ack(2))]
    assert decoder.rejected == 2 and decoder.take_reasons() == ["bad CRC", "bad CRC"]
    assert decoder.take_reasons() == []


def test_a_short_frame_decodes_the_same_from_memory() -> None:
    wire = codec.encode_frame(200, Nak(NakCode.ZONE_OFF, 4))
    first = codec.FrameDecoder().feed_frames(wire)
    again = codec.FrameDecoder().feed_frames(wire)
    assert first == again == [Frame(200, Nak(14, 4))]
    bad = wire[:-2] + bytes([wire[-2] ^ 1]) + b"\x00"  # never remembered as good
    assert codec.FrameDecoder().feed_frames(bad) == []


def _with_crc(data: bytes) -> bytes:
    return data + codec.crc16_ccitt_false(data).to_bytes(2, "big")


@pytest.mark.parametrize("data", [b"", b"\x01", b"\x01\x00", b"\x01\x00\x05"], ids=["0", "1", "2", "3"])
def test_a_body_under_the_minimum_is_refused_for_its_length_even_with_a_good_crc(data: bytes) -> None:
    """Issue 14: the length check ran only on bodies whose CRC was already wrong; these CRCs are right,
    and one holds a zero byte, so COBS carries it whole."""
    body = _with_crc(data)
    assert codec.crc16_ccitt_false(body) == 0
    with pytest.raises(ProtocolError, match=f"frame of {len(body)} bytes is shorter than 6"):
        codec.decode_body(body)
    with pytest.raises(ProtocolError, match="shorter than 6"):
        codec.decode_frame(codec.cobs_encode(body) + b"\x00")


def test_a_body_of_exactly_the_minimum_length_decodes() -> None:
    body = codec.encode_body(9, Heartbeat())
    assert len(body) == 6
    assert codec.decode_body(body) == Frame(9, Heartbeat())
    assert codec.decode_frame(codec.encode_frame(0, Heartbeat())) == Frame(0, Heartbeat())
