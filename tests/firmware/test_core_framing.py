"""The firmware core's framing against Appendix A and §2.4: encoding, which frames are valid, what invalid
ones get, resynchronisation, and ESTOP acted on ahead of frames waiting for transmit room."""

from __future__ import annotations

import ctypes

import pytest

from sim.messages import (
    Ack,
    AnyMessage,
    Estop,
    GetStatus,
    GetZone,
    Heartbeat,
    Hello,
    HelloReply,
    Nak,
    SetCmd,
    Status,
    ZoneInfo,
    decode_payload,
)
from sim.protocol import MsgType, NakCode
from sim.wire import Frame, StreamDecoder, decode_wire, encode_frame
from tests.firmware.core import Firmware, FirmwarePort
from tests.firmware.helpers import frame_with_header, status
from tests.protocol_vectors import Vector, load_vectors
from tests.sim.helpers import Host, entry, set_cmd

VECTORS = load_vectors()
HOST_VECTORS = [v for v in VECTORS if v.direction == "host->device" and v.name != "bad_crc"]


def _encode(lib: ctypes.CDLL, seq: int, msg_type: int, payload: bytes) -> bytes:
    out = ctypes.create_string_buffer(len(payload) + 8)
    n = lib.host_encode(seq, msg_type, payload, len(payload), out)
    return out.raw[:n]


@pytest.mark.parametrize("vector", [v for v in VECTORS if v.name != "bad_crc"], ids=lambda v: v.name)
def test_the_encoder_reproduces_every_vector(lib: ctypes.CDLL, vector: Vector) -> None:
    body = vector.body
    assert _encode(lib, body[1], body[2], body[4:-2]) == vector.wire


def _replies(port: FirmwarePort) -> list[tuple[int, AnyMessage]]:
    decoder = StreamDecoder()
    out: list[tuple[int, AnyMessage]] = []
    for outcome in decoder.feed(port.read(65536, 0.05)):
        assert isinstance(outcome, Frame), outcome
        out.append((outcome.seq, decode_payload(outcome.type, outcome.payload)))
    return out


# What a READY foot device answers each host vector; vectors added later need at least a non-framing answer.
EXPECTED: dict[str, object] = {
    "set_one_zone": Ack(MsgType.SET),
    "set_four_zones": Ack(MsgType.SET),
    "set_zone_off": Ack(MsgType.SET),
    "soft_stop": Ack(MsgType.SOFT_STOP),
    "estop": Ack(MsgType.ESTOP),
    "heartbeat": Ack(MsgType.HEARTBEAT),
    "set_sixteen_zones": Nak(NakCode.OUT_OF_RANGE, 0),  # entry 0 heats toe_tips, which has no heater
    "renew": Nak(14, 4),  # ZONE_OFF: kidney (index 3) is off
}
FRAMING_NAKS = {NakCode.BAD_CRC, NakCode.MALFORMED, NakCode.UNKNOWN_TYPE, NakCode.BAD_VERSION}


@pytest.mark.parametrize("vector", HOST_VECTORS, ids=lambda v: v.name)
def test_every_host_vector_is_understood(fw: Firmware, port: FirmwarePort, vector: Vector) -> None:
    port.write(encode_frame(200, MsgType.HELLO, b"\x01\x00"))
    port.read(65536, 0.01)
    port.write(vector.wire)
    replies = [(seq, m) for seq, m in _replies(port) if seq == vector.seq]
    if vector.type == "KEEPALIVE":
        assert replies == []
        return
    assert len(replies) == 1, replies
    reply = replies[0][1]
    if vector.name in EXPECTED:
        assert reply == EXPECTED[vector.name]
    elif vector.type == "HELLO":
        assert isinstance(reply, HelloReply) and reply.minor == 1
    elif vector.type == "GET_STATUS":
        assert isinstance(reply, Status)
    elif vector.type == "GET_ZONE":
        assert reply == ZoneInfo(2, 3, True, "diaphragm")
    else:
        assert not (isinstance(reply, Nak) and reply.code in FRAMING_NAKS), reply


def test_replies_match_the_ack_and_nak_vectors_byte_for_byte(fw: Firmware, port: FirmwarePort,
                                                             host: Host) -> None:
    by_name = {v.name: v for v in VECTORS}
    port.read(65536, 0.0)
    port.write(by_name["heartbeat"].wire)  # seq 7
    assert port.read(65536, 0.05) == by_name["ack"].wire
    port.write(encode_frame(2, MsgType.SET, set_cmd(entry(12)).to_payload()))
    assert port.read(65536, 0.05) == by_name["nak"].wire  # seq 2, UNSUPPORTED_ZONE 12


def test_bad_crc_vector_is_nakked_with_its_seq_and_counted(host: Host, port: FirmwarePort) -> None:
    port.write(next(v for v in VECTORS if v.name == "bad_crc").wire)
    assert host.answer(10) == Nak(NakCode.BAD_CRC, 0)
    assert isinstance(host.command(Heartbeat(), seq=10), Ack)  # that NAK was not remembered
    assert status(host).invalid_frames == 1


def test_header_naks_answer_invalid_frames_and_are_not_remembered(host: Host, port: FirmwarePort) -> None:
    port.write(frame_with_header(9, MsgType.GET_STATUS, ver=2))
    assert host.answer(9) == Nak(NakCode.BAD_VERSION, 1)
    assert isinstance(host.command(GetStatus(), seq=9), Status)
    port.write(frame_with_header(11, MsgType.GET_ZONE, b"\x01", declared_len=2))
    assert host.answer(11) == Nak(NakCode.MALFORMED, 0)
    port.write(frame_with_header(12, MsgType.GET_ZONE, b"\x01", declared_len=250))  # len over 240
    assert host.answer(12) == Nak(NakCode.MALFORMED, 0)
    assert isinstance(host.command(GetZone(0), seq=12), ZoneInfo)
    assert status(host).invalid_frames == 3


def test_a_241_byte_payload_cannot_fit_a_frame(host: Host, port: FirmwarePort) -> None:
    """1.1: MAX_ENCODED is MAX_BODY + 1 = 247, so a consistent len of 241 makes an overlong run: one
    invalid frame, no answer."""
    port.write(frame_with_header(13, 0x30, bytes(range(1, 242))))
    assert port.read(65536, 0.05) == b""
    assert status(host).invalid_frames == 1


def test_valid_frames_get_type_and_size_naks_that_are_remembered(host: Host, port: FirmwarePort) -> None:
    port.write(encode_frame(50, 0x30))
    assert host.answer(50) == Nak(NakCode.UNKNOWN_TYPE, 0x30)
    port.write(encode_frame(51, MsgType.ACK, b"\x05"))
    assert host.answer(51) == Nak(NakCode.UNKNOWN_TYPE, MsgType.ACK)
    port.write(encode_frame(52, MsgType.GET_ZONE))
    assert host.answer(52) == Nak(NakCode.MALFORMED, 0)
    assert host.command(GetZone(1), seq=52) == Nak(NakCode.MALFORMED, 0)  # a retransmission: replayed
    port.write(encode_frame(53, MsgType.HEARTBEAT, b"\x01"))
    assert host.answer(53) == Nak(NakCode.MALFORMED, 0)
    assert status(host).invalid_frames == 0


def test_frames_without_a_usable_body_are_counted_and_not_answered(host: Host, port: FirmwarePort) -> None:
    port.write(b"\x05\x01\x02\x00")  # COBS code points past the end
    port.write(b"\x02\x01\x00")  # decodes to 1 byte: shorter than MIN_BODY
    port.write(b"\x00\x00\x00")  # empty frames: ignored, not counted
    assert port.read(65536, 0.05) == b""
    assert status(host).invalid_frames == 2


def test_an_overlong_run_is_one_invalid_frame_and_the_next_frame_is_handled(fw: Firmware, host: Host,
                                                                            port: FirmwarePort) -> None:
    port.write(bytes(range(1, 251)) * 2 + b"\x00" + encode_frame(40, MsgType.HEARTBEAT))
    assert host.answer(40) == Ack(MsgType.HEARTBEAT)
    assert status(host).invalid_frames == 1


def test_a_busy_loop_still_sees_frames_and_overlong_runs_as_the_wire_had_them(fw: Firmware, host: Host,
                                                                                port: FirmwarePort) -> None:
    """Bytes that piled up while the loop was busy: an overlong run whose 0x00 is already there is still
    one invalid frame with no answer, and the frames after it are answered in order."""
    fw.receive_burst(b"\x01" * 248 + b"\x00")  # one byte over MAX_ENCODED, its 0x00 already in
    assert port.read(65536, 0.05) == b""
    fw.receive_burst(encode_frame(44, MsgType.GET_ZONE, b"\x00") + encode_frame(45, MsgType.HEARTBEAT))
    assert host.answer(44) == ZoneInfo(0, 1, False, "toe_tips") and host.answer(45) == Ack(MsgType.HEARTBEAT)
    assert status(host).invalid_frames == 1


def test_the_largest_frame_fits_and_one_byte_more_does_not(fw: Firmware, host: Host,
                                                           port: FirmwarePort) -> None:
    largest = encode_frame(41, 0x30, bytes(240))  # 246-byte body, 247 bytes encoded
    assert len(largest) == fw.lib.host_constant(4) + 1
    port.write(largest)
    assert host.answer(41) == Nak(NakCode.UNKNOWN_TYPE, 0x30)
    port.write(b"\x01" * 248 + b"\x00")
    assert status(host).invalid_frames == 1


def test_estop_waiting_behind_frames_is_acted_on_before_them(fw: Firmware, host: Host,
                                                             port: FirmwarePort) -> None:
    """§6.3: with the transmit buffer full (a slow line), queued frames wait, but an ESTOP among them
    stops everything at once; every frame is then answered in order."""
    host.command(set_cmd(entry(4, intensity=10, motion=9)))
    assert fw.duty(3) > 0
    fw.lib.host_tx_hold(1)
    seqs = [host.send(GetStatus()) for _ in range(4)]
    assert fw.lib.host_rx_pending() > 0  # frames are waiting for transmit room
    estop_seq = host.send(Estop())
    assert fw.all_off()  # before its turn
    while fw.lib.host_tx_release(8):
        fw.advance(0.001)
    fw.lib.host_tx_hold(0)
    host.poll(0.05)
    assert [seq for seq, _ in host.replies] == [*seqs, estop_seq]
    assert host.replies[-1][1] == Ack(MsgType.ESTOP)
    assert fw.lib.host_dropped_frames() == 0


def test_decoded_replies_are_well_formed_frames(host: Host, port: FirmwarePort) -> None:
    """Every byte the device sends decodes as one of its frames with ver 1 (1.1: the device's own major)."""
    port.write(encode_frame(60, MsgType.GET_STATUS))
    wire = port.read(65536, 0.05)
    frame = decode_wire(wire)
    assert isinstance(frame, Frame) and frame.ver == 1 and frame.seq == 60
    assert isinstance(SetCmd.from_payload(b"\x00"), SetCmd)  # the codec the tests rely on is the sim's
    assert isinstance(host.command(Hello(2, 0)), HelloReply)
