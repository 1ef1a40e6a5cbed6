"""The firmware core against the rules the simulator's tests pin (tests/sim/test_protocol_rules.py,
test_device.py): handshake, every SET check and NAK, duplicates, soft stop, ESTOP in every state, stuck
zones, the session timer, counters and rounding. Outputs are read from what the board would drive."""

from __future__ import annotations

import ctypes

import pytest

from sim.messages import (
    Ack,
    Estop,
    GetStatus,
    GetZone,
    Heartbeat,
    Hello,
    HelloReply,
    Nak,
    SetCmd,
    SoftStop,
    Status,
    ZoneInfo,
    ZoneState,
)
from sim.profiles import FOOT
from sim.protocol import DeviceState, EventCode, FaultFlag, MsgType, NakCode
from sim.wire import encode_frame
from tests.firmware.core import Firmware, FirmwarePort
from tests.firmware.helpers import index_of, status
from tests.sim.helpers import Host, entry, set_cmd
from tests.sim.test_device import REJECTED_SETS as SIM_REJECTED_SETS


def test_power_up_sends_reset_and_waits_with_everything_off(lib: ctypes.CDLL) -> None:
    fw = Firmware(lib, stored_boot_count=41, reset_cause=1)
    h = Host(FirmwarePort(fw))
    h.poll(0.0)
    assert [(seq, e.code, e.arg) for seq, e in h.events] == [(0, EventCode.RESET, 1)]
    assert fw.all_off() and fw.lib.host_stored_boot_count() == 42
    first = status(h)
    assert (first.state, first.boot_count, first.session_s) == (DeviceState.WAITING, 42, 0)
    assert h.command(set_cmd(entry(1))) == Nak(NakCode.NOT_READY, 0)
    assert h.command(SoftStop(100)) == Nak(NakCode.NOT_READY, 0)
    assert h.command(Heartbeat()) == Ack(MsgType.HEARTBEAT)


def test_a_new_device_boots_as_zero_and_the_count_wraps(lib: ctypes.CDLL) -> None:
    for stored, expected in ((0xFFFF, 0), (0xFFFE, 0xFFFF), (0, 1)):  # erased EEPROM reads 0xFFFF
        fw = Firmware(lib, stored_boot_count=stored)
        reply = Host(FirmwarePort(fw)).command(Hello(1, 0))
        assert isinstance(reply, HelloReply) and reply.boot_count == expected


def test_hello_reply_describes_the_foot_board(fw: Firmware, port: FirmwarePort) -> None:
    reply = Host(port).command(Hello(1, 0))
    assert isinstance(reply, HelloReply)
    assert (reply.major, reply.minor, reply.simulator, reply.has_heater) == (1, 1, False, True)
    assert (reply.intensity_max, reply.speed_max, reply.heat_max) == (10, 5, 2)
    assert (reply.max_temp_dC, reply.max_session_s, reply.watchdog_ms, reply.max_lease_ms) == (450, 1800, 400,
                                                                                                2000)
    assert reply.motions == tuple(range(1, 10)) and reply.zone_count == 11
    assert reply.model == "FootMate Uno" and reply.firmware == "1.1.0"


def test_zones_are_the_foot_profiles(host: Host) -> None:
    for index, zone in enumerate(FOOT.zones):
        assert host.command(GetZone(index)) == ZoneInfo(index, zone.id, zone.heated, zone.name)
    assert host.command(GetZone(11)) == Nak(NakCode.OUT_OF_RANGE, 0)
    assert host.command(GetZone(255)) == Nak(NakCode.OUT_OF_RANGE, 0)


def test_hello_with_another_major_changes_nothing(fw: Firmware, port: FirmwarePort) -> None:
    h = Host(port)
    reply = h.command(Hello(2, 0))
    assert isinstance(reply, HelloReply) and reply.major == 1
    assert status(h).state == DeviceState.WAITING


def test_hello_with_a_wrong_size_nak_is_not_remembered_and_feeds_the_watchdog(fw: Firmware, host: Host,
                                                                                port: FirmwarePort) -> None:
    for _ in range(5):  # 1.1: a valid frame, so it feeds the watchdog; otherwise changes nothing
        fw.advance(0.3)
        port.write(encode_frame(90, MsgType.HELLO, b"\x01"))
        assert host.answer(90) == Nak(NakCode.MALFORMED, 0)
    assert status(host).state == DeviceState.READY
    assert isinstance(host.command(Heartbeat(), seq=90), Ack)  # the NAK was not stored


def test_set_applies_and_status_reports_it(fw: Firmware, host: Host) -> None:
    assert host.command(set_cmd(entry(4, heat=1))) == Ack(MsgType.SET)
    reply = status(host)
    assert reply.state == DeviceState.ACTIVE
    assert [z for z in reply.zones if z.intensity] == [ZoneState(4, 6, 4, 2, 1)]
    assert fw.duty(index_of(4)) > 0 and sum(fw.duties()) == fw.duty(index_of(4))


# The simulator's own rejected SETs (the same edge cases), and a few more.
REJECTED_SETS = [
    *SIM_REJECTED_SETS,
    ("zone 0", set_cmd(entry(0)), Nak(NakCode.UNSUPPORTED_ZONE, 0)),
    ("motion 200", set_cmd(entry(1, motion=200)), Nak(NakCode.UNSUPPORTED_MOTION, 200)),
    ("a good entry is not applied alone", set_cmd(entry(2), entry(3, heat=5)), Nak(NakCode.OUT_OF_RANGE, 1)),
]


@pytest.mark.parametrize(("name", "cmd", "nak"), REJECTED_SETS, ids=[r[0] for r in REJECTED_SETS])
def test_rejected_set_changes_nothing(fw: Firmware, host: Host, name: str, cmd: SetCmd, nak: Nak) -> None:
    assert host.command(cmd) == nak
    reply = status(host)
    assert reply.state == DeviceState.READY and reply.session_s == 0
    assert all(z == ZoneState(z.zone, 0, 0, 0, 0) for z in reply.zones) and fw.all_off()


def test_set_count_against_length(host: Host, port: FirmwarePort) -> None:
    one = entry(4).to_bytes()
    port.write(encode_frame(60, MsgType.SET, b"\x02" + one))
    assert host.answer(60) == Nak(NakCode.MALFORMED, 0)
    port.write(encode_frame(61, MsgType.SET, b"\x00"))
    assert host.answer(61) == Nak(NakCode.OUT_OF_RANGE, 0)
    port.write(encode_frame(62, MsgType.SET, bytes((34,)) + one * 34))  # the largest count that fits
    assert host.answer(62) == Nak(NakCode.OUT_OF_RANGE, 0)
    port.write(encode_frame(63, MsgType.SET, b""))
    assert host.answer(63) == Nak(NakCode.MALFORMED, 0)


def test_off_entries_motion_without_intensity_and_heat_alone(fw: Firmware, host: Host) -> None:
    assert host.command(set_cmd(entry(1, intensity=0, motion=0, speed=3))) == Ack(MsgType.SET)
    assert host.command(set_cmd(entry(4, intensity=0, motion=6, speed=0))) == Ack(MsgType.SET)
    reply = status(host)
    assert reply.state == DeviceState.READY and reply.session_s == 0  # nothing on: no session yet
    assert ZoneState(4, 6, 0, 0, 0) in reply.zones and fw.all_off()
    assert host.command(set_cmd(entry(5, intensity=0, motion=0, speed=0, heat=2))) == Ack(MsgType.SET)
    assert status(host).state == DeviceState.ACTIVE and not any(fw.duties())  # heated, not moving


def test_duplicate_set_is_applied_once_and_answered_again(fw: Firmware, host: Host) -> None:
    seq = host.send(set_cmd(entry(4)))
    assert host.answer(seq) == Ack(MsgType.SET)
    assert host.command(set_cmd(entry(4, intensity=9)), seq=seq) == Ack(MsgType.SET)
    assert [z.intensity for z in status(host).zones if z.zone == 4] == [4]


def test_same_seq_other_type_is_new(host: Host) -> None:
    seq = host.send(set_cmd(entry(4)))
    host.answer(seq)
    assert isinstance(host.command(GetStatus(), seq=seq), Status)


def test_a_duplicate_status_is_the_stored_reply_byte_for_byte(fw: Firmware, host: Host,
                                                             port: FirmwarePort) -> None:
    port.read(65536, 0.0)
    port.write(encode_frame(70, MsgType.GET_STATUS))
    first = port.read(65536, 0.05)
    fw.advance(0.3)
    port.write(encode_frame(70, MsgType.GET_STATUS))
    assert port.read(65536, 0.05) == first  # uptime has moved on; the stored answer has not


def test_hello_empties_the_duplicate_memory(fw: Firmware, host: Host) -> None:
    seq = host.send(set_cmd(entry(4)))
    assert host.answer(seq) == Ack(MsgType.SET)
    host.command(Hello(1, 0))
    assert host.command(set_cmd(entry(4, intensity=7)), seq=seq) == Ack(MsgType.SET)
    assert [z.intensity for z in status(host).zones if z.zone == 4] == [7]


def test_new_host_reusing_a_dead_hosts_hello_seq_still_clears_the_latch(fw: Firmware,
                                                                        port: FirmwarePort) -> None:
    dead = Host(port)
    assert isinstance(dead.command(Hello(1, 0)), HelloReply)  # seq 1, then silence
    dead.poll(1.0)
    fresh = Host(port)
    assert isinstance(fresh.command(Hello(1, 0)), HelloReply)
    assert status(fresh).faults == 0 and status(fresh).state == DeviceState.READY
    assert fresh.command(set_cmd(entry(4))) == Ack(MsgType.SET)


def test_estop_is_applied_even_as_a_duplicate(fw: Firmware, host: Host) -> None:
    seq = host.send(Estop())
    assert host.answer(seq) == Ack(MsgType.ESTOP)
    host.command(Hello(1, 0))
    host.command(set_cmd(entry(4)))
    assert host.command(Estop(), seq=seq) == Ack(MsgType.ESTOP)
    assert status(host).state == DeviceState.ESTOP and fw.all_off()


def test_estop_with_a_payload_still_stops(fw: Firmware, host: Host, port: FirmwarePort) -> None:
    host.command(set_cmd(entry(4)))
    port.write(encode_frame(70, MsgType.ESTOP, b"\x01\x02\x03"))
    assert host.answer(70) == Ack(MsgType.ESTOP)
    assert status(host).state == DeviceState.ESTOP and fw.all_off()


# How to reach each state with the protocol alone: the frames to send, then how long to stay silent.
REACH: dict[DeviceState, tuple[tuple[object, ...], float]] = {
    DeviceState.READY: ((), 0.0),
    DeviceState.ACTIVE: ((set_cmd(entry(4, heat=1)),), 0.0),
    DeviceState.STOPPING: ((set_cmd(entry(4, heat=1)), SoftStop(3000)), 0.0),
    DeviceState.SAFE_STOP: ((set_cmd(entry(4, heat=1)),), 1.0),  # silence trips the watchdog
    DeviceState.ESTOP: ((set_cmd(entry(4, heat=1)), Estop()), 0.0),
}


@pytest.mark.parametrize("state", [DeviceState.READY, DeviceState.ACTIVE, DeviceState.STOPPING,
                                   DeviceState.SAFE_STOP, DeviceState.ESTOP])
def test_estop_in_every_state_latches_until_hello(fw: Firmware, host: Host, state: DeviceState) -> None:
    frames, silence_s = REACH[state]
    for frame in frames:
        host.command(frame)  # type: ignore[arg-type]
    host.poll(silence_s)
    assert status(host).state == state
    assert host.command(Estop()) == Ack(MsgType.ESTOP)
    assert fw.all_off()
    assert host.command(set_cmd(entry(1))) == Nak(NakCode.ESTOP_LATCHED, 0)
    assert host.command(SoftStop(0)) == Nak(NakCode.ESTOP_LATCHED, 0)
    reply = status(host)
    assert reply.state == DeviceState.ESTOP and reply.faults & FaultFlag.ESTOP
    assert all(z == ZoneState(z.zone, 0, 0, 0, 0) for z in reply.zones)
    host.command(Hello(1, 0))
    assert status(host).faults == 0
    assert host.command(set_cmd(entry(1))) == Ack(MsgType.SET)


def test_estop_before_handshake(fw: Firmware, port: FirmwarePort) -> None:
    h = Host(port)
    assert h.command(Estop()) == Ack(MsgType.ESTOP)
    assert status(h).state == DeviceState.ESTOP


def test_soft_stop_ramps_rounding_up_and_stops_exactly_at_the_end(fw: Firmware, host: Host) -> None:
    host.command(set_cmd(entry(4, intensity=3, heat=1)))
    t0 = fw.now_ms
    assert host.command(SoftStop(1000)) == Ack(MsgType.SOFT_STOP)
    assert host.command(set_cmd(entry(4))) == Nak(NakCode.BUSY, 0)
    assert host.command(SoftStop(0)) == Nak(NakCode.BUSY, 0)
    levels = []
    while fw.now_ms < t0 + 1000:
        fw.advance(0.001)
        zone = next(z for z in status(host).zones if z.zone == 4)
        levels.append((fw.now_ms - t0, zone.intensity, zone.heat, zone.motion))
        if fw.now_ms % 100 == 50:
            host.command(Heartbeat())
    assert all(heat == 0 for _, _, heat, _ in levels)  # heat off at once
    changes = [(t, i) for (t, i, _, _), (_, before, _, _) in zip(levels[1:], levels, strict=False)
               if i != before]
    assert changes == [(400, 2), (700, 1), (1000, 0)]  # ceil(3 x remaining / 1000)
    assert levels[-2][3] == 6 and levels[-1][3] == 0  # motion stays until the end
    host.poll(0.0)
    assert host.event_codes()[-1] == EventCode.STOPPED and status(host).state == DeviceState.READY


def test_soft_stop_with_nothing_moving_stops_at_once_after_its_ack(host: Host) -> None:
    host.command(set_cmd(entry(4, intensity=0, motion=0, speed=0, heat=2)))
    seq = host.send(SoftStop(3000))
    host.poll(0.0)
    assert host.answer(seq) == Ack(MsgType.SOFT_STOP)
    assert host.event_codes()[-1] == EventCode.STOPPED
    assert status(host).state == DeviceState.READY


def test_soft_stop_ramp_limit(host: Host) -> None:
    assert host.command(SoftStop(10_001)) == Nak(NakCode.OUT_OF_RANGE, 0)
    assert host.command(SoftStop(10_000)) == Ack(MsgType.SOFT_STOP)


def test_soft_stop_refused_like_set_in_stopping_and_latched_states(fw: Firmware, host: Host) -> None:
    host.command(set_cmd(entry(4)))
    host.command(SoftStop(3000))
    assert host.command(SoftStop(0)) == Nak(NakCode.BUSY, 0)
    host.command(Estop())
    assert host.command(SoftStop(0)) == Nak(NakCode.ESTOP_LATCHED, 0)
    host.command(Hello(1, 0))
    host.poll(1.0)  # watchdog
    assert host.command(SoftStop(0)) == Nak(NakCode.NOT_READY, 0)


def test_stuck_zone_refuses_even_an_off_entry_and_survives_hello(fw: Firmware, host: Host) -> None:
    fw.set_stuck(index_of(6))
    off = entry(6, intensity=0, motion=0, speed=0)
    assert host.command(set_cmd(entry(4), off)) == Nak(NakCode.ZONE_STUCK, 6)
    assert status(host).faults == FaultFlag.ZONE_STUCK and fw.all_off()
    host.command(Hello(1, 0))
    assert status(host).faults == FaultFlag.ZONE_STUCK
    assert host.command(set_cmd(off)) == Nak(NakCode.ZONE_STUCK, 6)
    assert host.command(set_cmd(entry(4))) == Ack(MsgType.SET)
    fw.set_stuck(index_of(6), False)
    assert status(host).faults == 0


def test_stuck_zone_after_range_errors(fw: Firmware, host: Host) -> None:
    fw.set_stuck(index_of(6))
    assert host.command(set_cmd(entry(6, intensity=11))) == Nak(NakCode.OUT_OF_RANGE, 0)


def test_session_runs_from_the_first_set_that_turns_a_zone_on_until_hello(fw: Firmware, host: Host) -> None:
    host.command(set_cmd(entry(4)))
    fw.advance(0.3)
    host.command(set_cmd(entry(4, intensity=0, motion=0)))
    for _ in range(10):
        fw.advance(0.15)
        host.command(Heartbeat())
    assert status(host).session_s == 1 and status(host).state == DeviceState.READY
    host.command(Estop())
    fw.advance(0.6)  # 2.4 s since the session began
    assert status(host).session_s == 2  # keeps counting after a latched stop
    host.command(Hello(1, 0))
    assert status(host).session_s == 0


def test_invalid_frames_saturate(fw: Firmware, host: Host, port: FirmwarePort) -> None:
    for _ in range(70):  # 70 x 1000 short frames: more than 65535
        port.write(b"\x02\x01\x00" * 1000)
        host.command(Heartbeat())
    assert status(host).invalid_frames == 0xFFFF
