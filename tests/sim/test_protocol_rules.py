"""Rules firmware_protocol.md states precisely, each pinned on the simulator: HELLO and duplicates, which
frames are invalid, SET counts, SOFT_STOP and ESTOP in odd states, stuck zones, the session timer, counters
and rounding."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from controller.clock import VirtualClock
from sim import Device, FaultPlan, SimTransport, make_pair
from sim.messages import (
    Ack,
    Estop,
    GetStatus,
    Heartbeat,
    Hello,
    HelloReply,
    Nak,
    SoftStop,
    Status,
)
from sim.profiles import FOOT
from sim.protocol import DeviceState, EventCode, FaultFlag, MsgType, NakCode
from sim.wire import cobs_encode, crc16_ccitt_false, encode_frame
from tests.sim.helpers import Host, entry, on_zones_at, set_cmd


def _status(host: Host) -> Status:
    status = host.command(GetStatus())
    assert isinstance(status, Status)
    return status


def _frame_with_header(seq: int, msg_type: int, payload: bytes, ver: int = 1,
                       declared_len: int | None = None) -> bytes:
    """A frame with a good CRC whose `ver` or `len` may be wrong."""
    length = len(payload) if declared_len is None else declared_len
    head = bytes((ver, seq, msg_type, length)) + payload
    return cobs_encode(head + crc16_ccitt_false(head).to_bytes(2, "big")) + b"\x00"


# §4: HELLO is never a duplicate


def test_new_host_reusing_a_dead_hosts_hello_seq_still_clears_the_latch(
        pair: tuple[SimTransport, Device], clock: VirtualClock) -> None:
    transport, device = pair
    dead = Host(transport)
    assert isinstance(dead.command(Hello(1, 0)), HelloReply)  # seq 1, then the host dies
    dead.poll(1.0)
    assert device.state == DeviceState.SAFE_STOP
    fresh = Host(transport)  # starts at seq 1 again
    assert isinstance(fresh.command(Hello(1, 0)), HelloReply)
    assert device.state == DeviceState.READY and device.counters.duplicates == 0
    assert _status(fresh).faults == 0
    assert fresh.command(set_cmd(entry(4))) == Ack(MsgType.SET)


def test_hello_empties_the_duplicate_memory(host: Host, device: Device) -> None:
    seq = host.send(set_cmd(entry(4)))
    assert host.answer(seq) == Ack(MsgType.SET)
    host.command(Hello(1, 0))
    assert host.command(set_cmd(entry(4, intensity=7)), seq=seq) == Ack(MsgType.SET)
    assert [e.intensity for e in device.timeline if e.cause == "set"] == [4, 7]
    assert device.counters.duplicates == 0


def test_retransmitted_hello_is_applied_again(pair: tuple[SimTransport, Device]) -> None:
    h = Host(pair[0])
    seq = h.send(Hello(1, 0))
    assert isinstance(h.answer(seq), HelloReply)
    assert isinstance(h.command(Hello(1, 0), seq=seq), HelloReply)
    assert pair[1].counters.duplicates == 0 and pair[1].state == DeviceState.READY


# §2.4 / §4 / §6.1: which frames are invalid, and which NAKs are remembered


def test_unknown_type_and_bad_payload_feed_the_watchdog_bad_headers_do_not(
        host: Host, device: Device, pair: tuple[SimTransport, Device], clock: VirtualClock) -> None:
    transport = pair[0]
    for i in range(10):  # 3 s of valid-but-refused frames keep the watchdog fed
        clock.advance(0.3)
        transport.write(encode_frame(100 + i, 0x30) if i % 2 else encode_frame(100 + i, MsgType.HEARTBEAT,
                                                                                b"\x01"))
    assert device.state == DeviceState.READY
    last_valid = clock.now()
    for i in range(4):  # bad version and bad len: NAKed but invalid, so the watchdog trips
        clock.advance(0.15)
        transport.write(_frame_with_header(120 + i, MsgType.HEARTBEAT, b"", ver=2) if i % 2 else
                        _frame_with_header(120 + i, MsgType.GET_ZONE, b"\x01", declared_len=2))
    host.poll(0.0)
    assert [e.t for e in device.events if e.code == EventCode.WATCHDOG] == [last_valid + 0.4]
    assert _status(host).invalid_frames == 4


def test_naks_to_bad_headers_are_not_remembered_naks_to_valid_frames_are(
        host: Host, device: Device, pair: tuple[SimTransport, Device]) -> None:
    transport = pair[0]
    transport.write(_frame_with_header(9, MsgType.GET_STATUS, b"", ver=2))
    assert host.answer(9) == Nak(NakCode.BAD_VERSION, 1)
    assert isinstance(host.command(GetStatus(), seq=9), Status)  # not a replay of the NAK
    assert host.command(set_cmd(entry(99)), seq=10) == Nak(NakCode.UNSUPPORTED_ZONE, 99)
    assert host.command(set_cmd(entry(4)), seq=10) == Nak(NakCode.UNSUPPORTED_ZONE, 99)  # replayed
    assert device.counters.duplicates == 1 and device.timeline == []


def test_len_over_240_is_an_invalid_header(
        host: Host, device: Device, pair: tuple[SimTransport, Device]) -> None:
    pair[0].write(_frame_with_header(80, 0x30, bytes(range(1, 241)), declared_len=241))  # 240 sent
    assert host.answer(80) == Nak(NakCode.MALFORMED, 0)
    assert isinstance(host.command(GetStatus(), seq=80), Status)  # that NAK was not remembered
    assert _status(host).invalid_frames == 1


def test_a_241_byte_payload_cannot_fit_max_encoded_247(
        host: Host, device: Device, pair: tuple[SimTransport, Device]) -> None:
    """§2.3: a body of 247 bytes encodes to 248 > MAX_ENCODED, so it is one discarded run, unanswered."""
    wire = _frame_with_header(81, 0x30, bytes(range(1, 242)))
    assert len(wire) - 1 == 248
    pair[0].write(wire)
    host.poll(0.1)
    assert host.replies == [] and device.counters.garbage_bytes == 248
    assert _status(host).invalid_frames == 1
    largest = _frame_with_header(82, 0x30, bytes(range(1, 241)))  # 240 bytes: encodes to exactly 247
    assert len(largest) - 1 == 247
    pair[0].write(largest)
    assert host.answer(82) == Nak(NakCode.UNKNOWN_TYPE, 0x30)


# §3.3: SET count


def test_set_count_against_length(host: Host, pair: tuple[SimTransport, Device], device: Device) -> None:
    one = entry(4).to_bytes()
    pair[0].write(encode_frame(60, MsgType.SET, b"\x02" + one))  # count says 2, one entry sent
    assert host.answer(60) == Nak(NakCode.MALFORMED, 0)
    pair[0].write(encode_frame(61, MsgType.SET, b"\x00"))
    assert host.answer(61) == Nak(NakCode.OUT_OF_RANGE, 0)
    pair[0].write(encode_frame(62, MsgType.SET, bytes((34,)) + one * 34))  # the largest count that fits
    assert host.answer(62) == Nak(NakCode.OUT_OF_RANGE, 0)
    assert device.timeline == []


def test_motion_with_intensity_zero_is_accepted_and_off(host: Host, device: Device) -> None:
    assert host.command(set_cmd(entry(4, intensity=0, motion=6, speed=0))) == Ack(MsgType.SET)
    assert device.state == DeviceState.READY and on_zones_at(device.timeline, 1e9) == set()


# §6.7 / §3.7: SOFT_STOP is refused like SET outside READY and ACTIVE


def test_soft_stop_refused_like_set_in_stopping_and_latched_states(
        host: Host, device: Device, clock: VirtualClock) -> None:
    host.command(set_cmd(entry(4)))
    host.command(SoftStop(3000))
    assert host.command(SoftStop(0)) == Nak(NakCode.BUSY, 0)
    assert device.state == DeviceState.STOPPING
    host.command(Estop())
    assert host.command(SoftStop(0)) == Nak(NakCode.ESTOP_LATCHED, 0)
    host.command(Hello(1, 0))
    host.poll(1.0)  # watchdog
    assert host.command(SoftStop(0)) == Nak(NakCode.NOT_READY, 0)


def test_soft_stop_ramp_rounds_up_and_reaches_zero_exactly_at_the_end(
        host: Host, device: Device, clock: VirtualClock) -> None:
    host.command(set_cmd(entry(4, intensity=3)))
    t0 = clock.now()
    host.command(SoftStop(1000))
    clock.advance(0.3)
    host.command(Heartbeat())
    host.poll(0.35)
    host.command(Heartbeat())
    host.poll(0.4)
    ramp = [(round(e.t - t0, 9), e.intensity) for e in device.timeline if e.cause == "soft_stop"]
    assert ramp == [(0.4, 2), (0.7, 1), (1.0, 0)]
    assert device.events[-1].code == EventCode.STOPPED and device.events[-1].t == t0 + 1.0


# §6.3: ESTOP


def test_estop_with_a_payload_still_stops(host: Host, device: Device,
                                          pair: tuple[SimTransport, Device], clock: VirtualClock) -> None:
    host.command(set_cmd(entry(4)))
    pair[0].write(encode_frame(70, MsgType.ESTOP, b"\x01\x02\x03"))
    assert host.answer(70) == Ack(MsgType.ESTOP)
    assert device.state == DeviceState.ESTOP and on_zones_at(device.timeline, clock.now()) == set()


def test_estop_in_fault_keeps_overheat_and_hello_returns_to_fault_while_hot(clock: VirtualClock) -> None:
    transport, device = make_pair(clock, faults=FaultPlan(overheat_at=0.0))
    host = Host(transport)
    host.command(Hello(1, 0))
    while device.state != DeviceState.FAULT:
        clock.advance(0.25)
        host.command(Heartbeat())
    assert host.command(Estop()) == Ack(MsgType.ESTOP)
    status = _status(host)
    assert status.state == DeviceState.ESTOP
    assert status.faults == FaultFlag.OVERHEAT | FaultFlag.ESTOP
    host.command(Hello(1, 0))
    assert device.state == DeviceState.FAULT and _status(host).faults == FaultFlag.OVERHEAT | FaultFlag.ESTOP
    nak = host.command(set_cmd(entry(4)))
    assert nak == Nak(NakCode.OVERHEAT, math.floor(device.heater.reading_dC / 10))
    clock.advance(60.0)
    host.command(Hello(1, 0))
    assert device.state == DeviceState.READY and _status(host).faults == 0


# §3.3 / §3.7: stuck zone


def test_stuck_zone_refuses_even_an_off_entry_and_survives_hello(clock: VirtualClock) -> None:
    transport, device = make_pair(clock, faults=FaultPlan(stuck_zone="heel"))
    host = Host(transport)
    host.command(Hello(1, 0))
    off = entry(6, intensity=0, motion=0, speed=0)
    assert host.command(set_cmd(entry(4), off)) == Nak(NakCode.ZONE_STUCK, 6)
    assert _status(host).faults == FaultFlag.ZONE_STUCK
    host.command(Hello(1, 0))
    assert _status(host).faults == FaultFlag.ZONE_STUCK
    assert host.command(set_cmd(off)) == Nak(NakCode.ZONE_STUCK, 6)
    assert host.command(set_cmd(entry(4))) == Ack(MsgType.SET)
    assert device.timeline[-1].zone == "kidney"


# §6.5: the session timer


def test_session_timer_keeps_running_after_everything_is_turned_off(clock: VirtualClock) -> None:
    transport, device = make_pair(clock, profile=replace(FOOT, max_session_s=5))
    host = Host(transport)
    host.command(Hello(1, 0))
    host.command(set_cmd(entry(4)))
    start = clock.now()
    clock.advance(0.3)
    host.command(set_cmd(entry(4, intensity=0, motion=0)))
    assert device.state == DeviceState.READY
    for _ in range(20):
        clock.advance(0.3)
        host.command(Heartbeat())
    assert [e.t for e in device.events if e.code == EventCode.SESSION_LIMIT] == [start + 5]
    assert host.command(set_cmd(entry(4))) == Nak(NakCode.SESSION_LIMIT, 0)
    assert host.command(SoftStop(0)) == Nak(NakCode.SESSION_LIMIT, 0)
    host.command(Hello(1, 0))
    assert host.command(set_cmd(entry(4))) == Ack(MsgType.SET)


# §3.2 / §3.4: counters


def test_boot_count_wraps_to_zero(clock: VirtualClock) -> None:
    transport, _ = make_pair(clock, boot_count=0xFFFF)
    reply = Host(transport).command(Hello(1, 0))
    assert isinstance(reply, HelloReply) and reply.boot_count == 0


def test_invalid_frames_restart_at_zero_after_a_reset(clock: VirtualClock) -> None:
    transport, device = make_pair(clock, faults=FaultPlan(reset_at=1.0))
    host = Host(transport)
    transport.write(b"\x02\x01\x00" * 3)
    assert _status(host).invalid_frames == 3
    host.poll(1.5)
    assert device.boot_count == 2
    assert _status(host).invalid_frames == 0


@pytest.mark.parametrize("temp_dC", [449.0, 450.9, 459.99])
def test_temperature_arguments_round_down(device: Device, temp_dC: float) -> None:
    device.heater.reading_dC = temp_dC
    assert device.heater.temp_c_u8 == int(temp_dC) // 10
