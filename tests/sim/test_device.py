"""Device rules: handshake, SET validation (§3.3), duplicates (§4), ESTOP (§6.3), reset (§6.6), soft stop."""

from __future__ import annotations

import pytest

from controller.clock import VirtualClock
from sim import Device, FaultPlan, make_pair
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
)
from sim.protocol import DeviceState, EventCode, FaultFlag, MsgType, NakCode
from sim.wire import encode_frame
from tests.sim.helpers import Host, entry, on_zones_at, set_cmd


def test_power_up_sends_reset_and_waits(device: Device, host: Host) -> None:
    assert host.events[0][0] == 0 and host.events[0][1].code == EventCode.RESET
    assert device.boot_count == 1 and device.state == DeviceState.READY


def test_hello_reply_says_simulator_and_profile(pair: tuple) -> None:
    reply = Host(pair[0]).command(Hello(1, 0))
    assert isinstance(reply, HelloReply)
    assert reply.simulator and reply.has_heater and reply.zone_count == 11
    assert (reply.max_temp_dC, reply.watchdog_ms, reply.max_lease_ms) == (450, 400, 2000)


def test_hello_with_other_major_changes_nothing(pair: tuple) -> None:
    h = Host(pair[0])
    reply = h.command(Hello(2, 0))
    assert isinstance(reply, HelloReply) and reply.major == 1
    assert pair[1].state == DeviceState.WAITING


def test_get_zone_lists_every_zone_then_out_of_range(host: Host, device: Device) -> None:
    for index, zone in enumerate(device.profile.zones):
        assert host.command(GetZone(index)) == ZoneInfo(index, zone.id, zone.heated, zone.name)
    assert host.command(GetZone(11)) == Nak(NakCode.OUT_OF_RANGE, 0)


def test_set_applies_and_reports_in_status(host: Host, device: Device) -> None:
    assert host.command(set_cmd(entry(4, heat=1))) == Ack(MsgType.SET)
    status = host.command(GetStatus())
    assert isinstance(status, Status) and status.state == DeviceState.ACTIVE
    assert [z for z in status.zones if z.intensity] == [
        type(status.zones[0])(4, 6, 4, 2, 1)
    ]
    assert [(e.zone, e.intensity, e.heat, e.cause) for e in device.timeline] == [
        ("kidney", 4, 1, "set")
    ]


REJECTED_SETS = [
    ("unknown zone", set_cmd(entry(99)), Nak(NakCode.UNSUPPORTED_ZONE, 99)),
    ("zone twice", set_cmd(entry(1), entry(1)), Nak(NakCode.OUT_OF_RANGE, 1)),
    ("motion unsupported", set_cmd(entry(1, motion=12)), Nak(NakCode.UNSUPPORTED_MOTION, 12)),
    ("intensity high", set_cmd(entry(1), entry(2, intensity=11)), Nak(NakCode.OUT_OF_RANGE, 1)),
    ("speed 0 while on", set_cmd(entry(1, speed=0)), Nak(NakCode.OUT_OF_RANGE, 0)),
    ("speed high", set_cmd(entry(1, speed=6)), Nak(NakCode.OUT_OF_RANGE, 0)),
    ("heat high", set_cmd(entry(3, heat=3)), Nak(NakCode.OUT_OF_RANGE, 0)),
    ("heat unheated", set_cmd(entry(1, heat=1)), Nak(NakCode.OUT_OF_RANGE, 0)),
    ("lease short", set_cmd(entry(1, lease_ms=99)), Nak(NakCode.OUT_OF_RANGE, 0)),
    ("lease long", set_cmd(entry(1, lease_ms=2001)), Nak(NakCode.OUT_OF_RANGE, 0)),
    ("no motion", set_cmd(entry(1, motion=0)), Nak(NakCode.OUT_OF_RANGE, 0)),
    ("empty", SetCmd(()), Nak(NakCode.OUT_OF_RANGE, 0)),
    ("seventeen", SetCmd(tuple(entry(1) for _ in range(17))), Nak(NakCode.OUT_OF_RANGE, 0)),
    ("zone before motion", set_cmd(entry(99, motion=12)), Nak(NakCode.UNSUPPORTED_ZONE, 99)),
    ("first bad entry wins", set_cmd(entry(1, intensity=11), entry(99)),
     Nak(NakCode.OUT_OF_RANGE, 0)),
]


@pytest.mark.parametrize(("name", "cmd", "nak"), REJECTED_SETS, ids=[r[0] for r in REJECTED_SETS])
def test_rejected_set_changes_nothing(host: Host, device: Device, name: str, cmd: SetCmd,
                                      nak: Nak) -> None:
    assert host.command(cmd) == nak
    assert device.timeline == [] and device.applied == []


def test_off_entry_with_any_speed_is_accepted(host: Host) -> None:
    assert host.command(set_cmd(entry(1, intensity=0, motion=0, speed=3))) == Ack(MsgType.SET)


def test_set_before_handshake_is_not_ready(pair: tuple) -> None:
    h = Host(pair[0])
    assert h.command(set_cmd(entry(1))) == Nak(NakCode.NOT_READY, 0)
    assert h.command(SoftStop(100)) == Nak(NakCode.NOT_READY, 0)
    assert isinstance(h.command(GetStatus()), Status)
    assert h.command(Heartbeat()) == Ack(MsgType.HEARTBEAT)


def test_header_naks(host: Host, pair: tuple, device: Device) -> None:
    transport = pair[0]
    transport.write(encode_frame(50, 0x30))
    assert host.answer(50) == Nak(NakCode.UNKNOWN_TYPE, 0x30)
    transport.write(encode_frame(51, MsgType.ACK, b"\x05"))
    assert host.answer(51) == Nak(NakCode.UNKNOWN_TYPE, MsgType.ACK)
    transport.write(encode_frame(52, MsgType.GET_ZONE, b""))
    assert host.answer(52) == Nak(NakCode.MALFORMED, 0)
    from sim.wire import build_body, cobs_encode

    body = bytearray(build_body(53, MsgType.HEARTBEAT, b""))
    body[0] = 2
    transport.write(cobs_encode(_recrc(bytes(body))) + b"\x00")
    assert host.answer(53) == Nak(NakCode.BAD_VERSION, 1)
    body = bytearray(build_body(54, MsgType.GET_ZONE, b"\x01"))
    body[3] = 2
    transport.write(cobs_encode(_recrc(bytes(body))) + b"\x00")
    assert host.answer(54) == Nak(NakCode.MALFORMED, 0)
    bad = bytearray(build_body(55, MsgType.HEARTBEAT, b""))
    bad[-1] ^= 1
    transport.write(cobs_encode(bytes(bad)) + b"\x00")
    assert host.answer(55) == Nak(NakCode.BAD_CRC, 0)
    transport.write(b"\x02\x01\x00")  # short garbage: counted, not answered
    status = host.command(GetStatus())
    assert isinstance(status, Status) and status.invalid_frames == 4
    assert device.timeline == []


def _recrc(body: bytes) -> bytes:
    from sim.wire import crc16_ccitt_false

    head = body[:-2]
    return head + crc16_ccitt_false(head).to_bytes(2, "big")


def test_duplicate_set_is_applied_once_and_answered_again(host: Host, device: Device) -> None:
    seq = host.send(set_cmd(entry(4)))
    assert host.answer(seq) == Ack(MsgType.SET)
    assert host.command(set_cmd(entry(4, intensity=9)), seq=seq) == Ack(MsgType.SET)
    assert [a.seq for a in device.applied] == [seq]
    assert device.counters.duplicates == 1
    assert [e.intensity for e in device.timeline] == [4]


def test_same_seq_other_type_is_new(host: Host, device: Device) -> None:
    seq = host.send(set_cmd(entry(4)))
    host.answer(seq)
    assert isinstance(host.command(GetStatus(), seq=seq), Status)
    assert device.counters.duplicates == 0


def test_estop_is_applied_even_as_duplicate(host: Host, device: Device) -> None:
    seq = host.send(Estop())
    assert host.answer(seq) == Ack(MsgType.ESTOP)
    assert host.command(Estop(), seq=seq) == Ack(MsgType.ESTOP)
    assert device.counters.duplicates == 0 and device.state == DeviceState.ESTOP


def _drive_to(state: DeviceState, host: Host, clock: VirtualClock) -> None:
    """Put the device in `state` using only the protocol."""
    if state == DeviceState.READY:
        return
    host.command(set_cmd(entry(4, heat=1)))
    if state == DeviceState.STOPPING:
        host.command(SoftStop(3000))
    elif state == DeviceState.SAFE_STOP:
        host.poll(1.0)  # silence trips the watchdog
    elif state == DeviceState.ESTOP:
        host.command(Estop())


@pytest.mark.parametrize("state", [DeviceState.READY, DeviceState.ACTIVE, DeviceState.STOPPING,
                                   DeviceState.SAFE_STOP, DeviceState.ESTOP])
def test_estop_in_every_state_latches_until_hello(state: DeviceState, host: Host, device: Device,
                                                  clock: VirtualClock) -> None:
    _drive_to(state, host, clock)
    assert device.state == state
    t = clock.now()
    assert host.command(Estop()) == Ack(MsgType.ESTOP)
    assert device.state == DeviceState.ESTOP
    assert on_zones_at(device.timeline, t) == set()
    assert host.command(set_cmd(entry(1))) == Nak(NakCode.ESTOP_LATCHED, 0)
    assert host.command(Heartbeat()) == Ack(MsgType.HEARTBEAT)
    status = host.command(GetStatus())
    assert isinstance(status, Status) and status.faults & FaultFlag.ESTOP
    assert all(z.intensity == 0 and z.heat == 0 for z in status.zones)
    host.command(Hello(1, 0))
    assert device.state == DeviceState.READY
    assert host.command(set_cmd(entry(1))) == Ack(MsgType.SET)


def test_estop_before_handshake(pair: tuple) -> None:
    h = Host(pair[0])
    assert h.command(Estop()) == Ack(MsgType.ESTOP)
    assert pair[1].state == DeviceState.ESTOP


def test_soft_stop_ramps_linearly_then_stopped(host: Host, device: Device, clock: VirtualClock) -> None:
    host.command(set_cmd(entry(4, intensity=10, heat=2)))
    t0 = clock.now()
    assert host.command(SoftStop(1000)) == Ack(MsgType.SOFT_STOP)
    assert host.command(set_cmd(entry(4))) == Nak(NakCode.BUSY, 0)
    for _ in range(10):  # keep the watchdog fed through the ramp
        host.poll(0.15)
        host.command(Heartbeat())
    assert EventCode.STOPPED in host.event_codes()
    ramp = [e for e in device.timeline if e.cause == "soft_stop"]
    assert ramp[0].heat == 0 and ramp[0].t == t0 and ramp[0].intensity == 10
    levels = [e.intensity for e in ramp]
    assert levels == sorted(levels, reverse=True) and levels[-1] == 0
    gaps = [b.t - a.t for a, b in zip(ramp[1:], ramp[2:], strict=False)]
    assert max(gaps) <= 0.1 + 1e-9
    assert ramp[-1].t == pytest.approx(t0 + 1.0)
    assert device.state == DeviceState.READY


def test_soft_stop_with_nothing_on_stops_at_once(host: Host, device: Device) -> None:
    assert host.command(SoftStop(3000)) == Ack(MsgType.SOFT_STOP)
    host.poll(0.0)
    assert host.event_codes()[-1] == EventCode.STOPPED
    assert device.state == DeviceState.READY


def test_soft_stop_ramp_out_of_range(host: Host) -> None:
    assert host.command(SoftStop(10_001)) == Nak(NakCode.OUT_OF_RANGE, 0)


def test_scheduled_reset_turns_all_off_and_counts_boot(clock: VirtualClock) -> None:
    transport, device = make_pair(clock, faults=FaultPlan(reset_at=1.0), boot_count=41)
    h = Host(transport)
    h.command(Hello(1, 0))
    h.command(set_cmd(entry(4)))
    for _ in range(8):
        h.command(Heartbeat())
        h.poll(0.15)
    assert device.state == DeviceState.WAITING and device.boot_count == 43
    reset_events = [(s, e.arg) for s, e in h.events if e.code == EventCode.RESET]
    assert reset_events == [(0, 0), (0, 1)]
    assert device.timeline[-1].cause == "reset"
    assert device.timeline[-1].t == pytest.approx(device.created_at + 1.0)
    assert h.command(set_cmd(entry(4))) == Nak(NakCode.NOT_READY, 0)
    reply = h.command(Hello(1, 0))
    assert isinstance(reply, HelloReply) and (reply.boot_count, reply.reset_cause) == (43, 1)


def test_stuck_zone_naks(clock: VirtualClock) -> None:
    transport, device = make_pair(clock, faults=FaultPlan(stuck_zone="heel"))
    h = Host(transport)
    h.command(Hello(1, 0))
    assert h.command(set_cmd(entry(1), entry(6))) == Nak(NakCode.ZONE_STUCK, 6)
    assert device.timeline == []
    status = h.command(GetStatus())
    assert isinstance(status, Status) and status.faults & FaultFlag.ZONE_STUCK


def test_unknown_stuck_zone_is_refused(clock: VirtualClock) -> None:
    with pytest.raises(ValueError, match="no zone"):
        Device("foot", 0.0, faults=FaultPlan(stuck_zone="elbow"))


def test_chair_profile(clock: VirtualClock) -> None:
    transport, _ = make_pair(clock, profile="chair")
    h = Host(transport)
    reply = h.command(Hello(1, 0))
    assert isinstance(reply, HelloReply) and reply.zone_count == 7 and 3 not in reply.motions
    assert h.command(set_cmd(entry(34, motion=3, intensity=2))) == Nak(
        NakCode.UNSUPPORTED_MOTION, 3)


def test_stop_button_latches_estop_and_says_so(host: Host, device: Device,
                                               clock: VirtualClock) -> None:
    host.command(set_cmd(entry(4)))
    device.press_stop_button(clock.now())
    host.poll(0.0)
    assert [(e.code, e.arg) for _, e in host.events[-1:]] == [(EventCode.BUTTON, 1)]
    assert device.state == DeviceState.ESTOP and on_zones_at(device.timeline, clock.now()) == set()


def test_in_waiting_counts_pending_bytes(pair: tuple) -> None:
    transport = pair[0]
    assert transport.in_waiting > 0  # the power-up EVENT RESET
    transport.read(4096, 0.0)
    assert transport.in_waiting == 0


def test_advisory_buttons_and_the_foot_sensor_are_only_reported(clock: VirtualClock) -> None:
    """§3.6: BUTTON 2/3/4 and FOOT_REMOVED change nothing on the device; button 5 does not exist."""
    transport, device = make_pair(clock)
    host = Host(transport)
    host.command(Hello(1, 1))
    host.command(set_cmd(entry(4)))
    timeline = list(device.timeline)
    for button in (2, 3, 4):
        device.press_button(button, clock.now())
    device.foot_sensor(True, clock.now())
    device.foot_sensor(False, clock.now())
    assert device.timeline == timeline and device.state == DeviceState.ACTIVE
    assert [(e.code, e.arg) for e in device.events[1:]] == [
        (EventCode.BUTTON, 2), (EventCode.BUTTON, 3), (EventCode.BUTTON, 4),
        (EventCode.FOOT_REMOVED, 1), (EventCode.FOOT_REMOVED, 0)]
    with pytest.raises(ValueError, match="no button 5"):
        device.press_button(5, clock.now())
