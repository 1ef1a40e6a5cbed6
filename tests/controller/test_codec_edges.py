"""The codec at its edges, for what issue 14's mutation run found untested: COBS runs of 254 bytes and more,
the decoder's counters and bounds, the short-frame memory's size, and decode_body's order of checks."""

from __future__ import annotations

import pytest

from controller.errors import ProtocolError
from controller.wire import codec
from controller.wire.protocol import MAX_ENCODED, Ack, Frame, Heartbeat


def reference_cobs(data: bytes) -> bytes:
    """COBS as its paper defines it, byte by byte (Cheshire & Baker): blocks of at most 254 data bytes."""
    out, block = bytearray(), bytearray()
    for byte in data:
        if byte == 0:
            out += bytes([len(block) + 1]) + block
            block.clear()
            continue
        block.append(byte)
        if len(block) == 254:
            out += b"\xff" + block
            block.clear()
    out += bytes([len(block) + 1]) + block
    return bytes(out)


RUNS = [b"\x11" * n for n in (252, 253, 254, 255, 507, 508, 509)]


LONG = [*RUNS, b"\x00".join(RUNS), b"\x00" + RUNS[3] + b"\x00", bytes(range(256)) * 3]


@pytest.mark.parametrize("data", LONG, ids=[*(f"run{len(r)}" for r in RUNS), "runs", "zeros-around", "all"])
def test_cobs_of_long_runs_is_the_reference_encoding_and_decodes_back(data: bytes) -> None:
    encoded = codec.cobs_encode(data)
    assert encoded == reference_cobs(data)
    assert 0 not in encoded
    assert codec.cobs_decode(encoded) == data


@pytest.mark.parametrize("bad", [b"\x00\x01", b"\x05\x01\x02", b"\x03\x01"])
def test_cobs_decode_refuses_a_zero_code_or_a_block_past_the_end(bad: bytes) -> None:
    with pytest.raises(ProtocolError):
        codec.cobs_decode(bad)


def test_the_decoder_counts_frames_rejections_garbage_and_its_high_water() -> None:
    decoder = codec.FrameDecoder()
    good = codec.encode_frame(7, Ack(2))
    assert decoder.feed_frames(good) == [Frame(7, Ack(2))]  # the one-whole-frame path
    assert decoder.frames == 1 and decoder.high_water == len(good) - 1
    assert decoder.feed_frames(good + good) == [Frame(7, Ack(2))] * 2  # two at once: the buffered path
    assert decoder.frames == 3
    overlong = b"\x01" * (MAX_ENCODED + 1)
    assert decoder.feed_frames(overlong + b"\x00" + good) == [Frame(7, Ack(2))]
    assert decoder.garbage_bytes == MAX_ENCODED + 1 and decoder.frames == 4
    assert decoder.high_water <= MAX_ENCODED  # never held more than a frame can be
    assert decoder.feed_frames(b"\x00\x00") == [] and decoder.rejected == 0  # empty frames are nothing


def test_garbage_split_over_reads_is_counted_once_and_the_next_frame_decodes() -> None:
    decoder = codec.FrameDecoder()
    decoder.feed(b"\x01" * 200)
    decoder.feed(b"\x01" * 100)  # now past MAX_ENCODED: discarding until the next delimiter
    decoder.feed(b"\x01" * 50)
    out = decoder.feed(b"\x00" + codec.encode_frame(9, Heartbeat()))
    assert out == [Frame(9, Heartbeat())]
    assert decoder.garbage_bytes == 350


def test_a_rejected_frame_in_a_buffered_read_is_reported_with_its_length() -> None:
    decoder = codec.FrameDecoder()
    good = codec.encode_frame(1, Ack(2))
    bad = bytearray(good)
    bad[-2] ^= 0x40
    out = decoder.feed(bytes(bad[:3]))
    out += decoder.feed(bytes(bad[3:]) + good)
    assert [type(o).__name__ for o in out] == ["Rejected", "Frame"]
    assert out[0].reason == "bad CRC" and out[0].size == len(bad) - 1  # type: ignore[union-attr]
    assert decoder.rejected == 1 and decoder.frames == 1


def test_at_most_sixteen_reasons_are_kept_the_latest() -> None:
    decoder = codec.FrameDecoder()
    for n in range(20):
        decoder.feed_frames(bytes([4, 1, n + 1, 9]) + b"\x00")  # short bodies: each refused for its length
    reasons = decoder.take_reasons()
    assert len(reasons) == 16 and decoder.rejected == 20


def test_the_short_frame_memory_is_bounded() -> None:
    codec._memo.clear()
    for seq in range(256):
        for acked in range(17):
            codec.decode_short(codec.encode_frame(seq, Ack(acked))[:-1])
    assert 0 < len(codec._memo) <= codec._MEMO_SIZE
    assert len(codec._memo) == 256 * 17 - codec._MEMO_SIZE  # started over once, past 4096


def test_decode_body_checks_in_the_documents_order() -> None:
    body = bytearray(codec.cobs_decode(codec.encode_frame(5, Heartbeat())[:-1]))
    wrong_version = bytearray(body)
    wrong_version[0] = 2
    with pytest.raises(ProtocolError, match="bad CRC"):  # the CRC is checked before the version
        codec.decode_body(bytes(wrong_version))
    fixed = bytes(wrong_version[:-2]) + codec.crc16_ccitt_false(bytes(wrong_version[:-2])).to_bytes(2, "big")
    with pytest.raises(ProtocolError, match="protocol version 2, expected 1"):
        codec.decode_body(fixed)
    wrong_type = bytearray(body[:-2])
    wrong_type[2] = 0x7E
    with pytest.raises(ProtocolError, match="unknown message type 0x7E"):
        codec.decode_body(bytes(wrong_type) + codec.crc16_ccitt_false(bytes(wrong_type)).to_bytes(2, "big"))


def test_a_payload_of_exactly_max_payload_is_framed_and_one_byte_more_is_not() -> None:
    from controller.wire.protocol import MAX_PAYLOAD, SetActuators, SetEntry, Status, ZoneState

    largest = Status(1, 0, 250, 0, 0, 0, 0, tuple(ZoneState(1, 0, 0, 0, 0) for _ in range(45)))
    assert len(codec.encode_payload(largest)) == MAX_PAYLOAD
    body = codec.encode_body(1, largest)  # framed (a device would refuse 45 zones: no device has them)
    assert body[3] == MAX_PAYLOAD
    with pytest.raises(ProtocolError, match="MAX_PAYLOAD"):
        codec.encode_frame(1, SetActuators(tuple(SetEntry(1, 1, 1, 1, 1, 100) for _ in range(35))))


def test_a_length_field_that_disagrees_with_the_frame_is_refused() -> None:
    body = bytearray(codec.cobs_decode(codec.encode_frame(5, Ack(2))[:-1])[:-2])
    body[3] += 1  # the length byte says one more payload byte than the frame holds
    with pytest.raises(ProtocolError, match="length field does not match the frame"):
        codec.decode_body(bytes(body) + codec.crc16_ccitt_false(bytes(body)).to_bytes(2, "big"))


def test_keepalive_frames_are_the_encoded_keepalive_and_a_new_decoder_has_held_nothing() -> None:
    from controller.wire.protocol import KeepAlive

    for seq in (0, 1, 255):
        assert codec.keepalive_frame(seq) == codec.encode_frame(seq, KeepAlive())
    fresh = codec.FrameDecoder()
    assert (fresh.frames, fresh.rejected, fresh.garbage_bytes, fresh.high_water) == (0, 0, 0, 0)
