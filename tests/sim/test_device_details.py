"""Device details the mutation run found unpinned (issue 14): the arguments of the stop events, STATUS
session_s and uptime_ms, a soft stop at exactly the longest ramp, HELLO while the heater is warm, and the
instant the stop button takes effect. Each at exact instants of a virtual clock."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sim import Device, FaultPlan
from sim.messages import Ack, GetStatus, Heartbeat, Hello, HelloReply, Nak, SoftStop, encode_message
from sim.profiles import FOOT
from sim.protocol import DeviceState, EventCode, MsgType, NakCode
from sim.wire import cobs_encode
from tests.sim.helpers import Direct, entry, on_zones_at, set_cmd
from tests.sim.helpers import ready as _ready
from tests.sim.helpers import status as _status

T0 = 100.0


def _kidney_on(d: Direct, t: float, intensity: int = 4, heat: int = 0) -> None:
    reply = d.one(set_cmd(entry(4, intensity=intensity, heat=heat, lease_ms=2000)), t)
    assert reply == Ack(MsgType.SET)


def test_the_watchdog_event_carries_0_at_the_instant_it_trips() -> None:
    d = _ready()
    _kidney_on(d, T0)
    d.device.advance(T0 + 0.399)
    assert d.events_since(1) == []
    d.device.advance(T0 + 1.0)
    assert d.events_since(1) == [(T0 + FOOT.watchdog_ms / 1000, EventCode.WATCHDOG, 0)]
    assert on_zones_at(d.device.timeline, T0 + 0.4) == set()


def test_the_session_limit_event_carries_0_and_session_s_keeps_counting_until_hello() -> None:
    d = _ready(replace(FOOT, max_session_s=2))
    assert _status(d, T0).session_s == 0  # no session before the first SET that leaves a zone on
    _kidney_on(d, T0 + 0.1)
    for i in range(1, 7):  # keep the watchdog fed up to the cap
        d.send(Heartbeat(), T0 + 0.1 + 0.3 * i)
    status = _status(d, T0 + 2.0)
    assert status.state == DeviceState.ACTIVE and status.session_s == 1  # 1.9 s, rounded down
    d.send(Heartbeat(), T0 + 2.3)
    assert d.events_since(1) == [(T0 + 2.1, EventCode.SESSION_LIMIT, 0)]
    status = _status(d, T0 + 3.15)
    assert status.state == DeviceState.SAFE_STOP and status.session_s == 3  # after the cap: still counting
    assert d.one(SoftStop(0), T0 + 3.2) == Nak(NakCode.SESSION_LIMIT, 0)
    assert isinstance(d.one(Hello(1, 1), T0 + 3.3), HelloReply)
    assert _status(d, T0 + 3.4).session_s == 0  # HELLO ended the session


def test_uptime_counts_milliseconds_since_power_up() -> None:
    d = Direct(Device(FOOT, T0))
    assert d.events_since(0) == [(T0, EventCode.RESET, 0)]  # the power-up's; the tests above skip it
    assert _status(d, T0).uptime_ms == 0
    assert _status(d, T0 + 1.2345).uptime_ms == 1234
    assert _status(d, T0 + 61.0).uptime_ms == 61000


def test_a_soft_stop_at_exactly_the_longest_ramp_is_accepted_and_one_past_it_refused() -> None:
    d = _ready()
    _kidney_on(d, T0)
    assert d.one(SoftStop(10001), T0 + 0.1) == Nak(NakCode.OUT_OF_RANGE, 0)
    assert d.one(SoftStop(10000), T0 + 0.2) == Ack(MsgType.SOFT_STOP)
    for i in range(1, 34):  # the watchdog still runs during a ramp
        d.send(Heartbeat(), T0 + 0.2 + 0.3 * i)
    assert on_zones_at(d.device.timeline, T0 + 10.19) == {"kidney"}
    d.device.advance(T0 + 10.3)
    assert on_zones_at(d.device.timeline, T0 + 10.2) == set()
    assert d.events_since(1) == [(T0 + 10.2, EventCode.STOPPED, 0)]


def test_hello_on_a_running_device_stops_everything_at_once_and_starts_over() -> None:
    """A warm HELLO (the device already past its handshake, a zone on): no reset, no event, all off."""
    d = _ready()
    first = _status(d, T0)
    _kidney_on(d, T0, intensity=2, heat=2)
    for i in range(1, 6):
        d.send(Heartbeat(), T0 + 0.3 * i)
    reply = d.one(Hello(1, 1), T0 + 1.6)
    assert isinstance(reply, HelloReply) and reply.boot_count == first.boot_count
    assert on_zones_at(d.device.timeline, T0 + 1.59) == {"kidney"}
    assert on_zones_at(d.device.timeline, T0 + 1.6) == set()
    status = _status(d, T0 + 1.6)
    assert status.state == DeviceState.READY and status.session_s == 0 and status.faults == 0
    assert all((z.motion, z.intensity, z.speed, z.heat) == (0, 0, 0, 0) for z in status.zones)
    assert d.events_since(1) == []
    assert 1599 <= status.uptime_ms <= 1600  # not a restart (1.6 s in floating point may be 1599 ms)


def test_the_stop_button_stops_everything_at_the_instant_it_is_pressed() -> None:
    d = _ready()
    _kidney_on(d, T0)
    d.send(Heartbeat(), T0 + 0.3)
    d.device.press_stop_button(T0 + 0.35)
    assert on_zones_at(d.device.timeline, T0 + 0.349) == {"kidney"}
    assert on_zones_at(d.device.timeline, T0 + 0.35) == set()
    assert d.events_since(1) == [(T0 + 0.35, EventCode.BUTTON, 1)]
    assert _status(d, T0 + 0.4).state == DeviceState.ESTOP


@pytest.mark.parametrize("damage", ["cobs", "short"])
def test_only_a_bad_crc_is_answered_other_bad_frames_are_counted_in_silence(damage: str) -> None:
    d = _ready()
    wire = bytearray(encode_message(7, Heartbeat()))
    if damage == "cobs":
        wire[0] = 0xFE  # the first block claims more bytes than the frame has
    else:
        wire = bytearray(cobs_encode(bytes([1, 7, int(MsgType.HEARTBEAT)]))) + b"\x00"
    before = d.device.counters.invalid_frames
    d.device.receive(bytes(wire), T0 + 0.1)
    assert d.replies(T0 + 0.1) == []
    assert d.device.counters.invalid_frames == before + 1
    crc_bad = bytearray(encode_message(8, Heartbeat()))
    crc_bad[-2] ^= 0x01
    d.device.receive(bytes(crc_bad), T0 + 0.2)
    assert d.replies(T0 + 0.2) == [Nak(NakCode.BAD_CRC, 0)]


def test_the_simulator_s_counters_count_what_happened() -> None:
    """The totals tests and tools read (sim/records.py Counters): each counts its own kind of frame."""
    d = _ready()
    c = d.device.counters
    start = (c.frames_received, c.commands_answered, c.frames_applied, c.naks_sent)
    _kidney_on(d, T0 + 0.1)
    assert d.one(set_cmd(entry(4, intensity=99)), T0 + 0.2) == Nak(NakCode.OUT_OF_RANGE, 0)
    again = d.send(set_cmd(entry(4, intensity=99)), T0 + 0.3, seq=d.seq)  # the same seq and type
    assert again == [Nak(NakCode.OUT_OF_RANGE, 0)]
    assert (c.frames_received, c.commands_answered, c.frames_applied, c.naks_sent) == (
        start[0] + 3, start[1] + 2, start[2] + 1, start[3] + 1)  # the resent answer is not a new one
    assert c.duplicates == 1


def test_a_device_made_without_a_stored_count_reports_its_first_power_up_as_1() -> None:
    assert Device(FOOT, T0).boot_count == 1
    assert Device(FOOT, T0, boot_count=0xFFFF).boot_count == 0  # wraps 65535 -> 0 (§6.6)
    reply = Direct(Device(FOOT, T0)).one(Hello(1, 1), T0)
    assert isinstance(reply, HelloReply) and reply.boot_count == 1


def test_unplugging_loses_the_bytes_in_flight_both_ways() -> None:
    """drop_link_buffers: an answer not yet read and a frame still delayed on the way in are both lost."""
    late = Device(FOOT, T0, faults=FaultPlan(delay=1.0, delay_s=0.05))
    late.receive(encode_message(1, Hello(1, 1)), T0)  # arrives at T0 + 0.05, unless the cable goes first
    late.drop_link_buffers()
    late.advance(T0 + 0.1)
    assert late.take_output(T0 + 0.1) == b"" and late.state == DeviceState.WAITING
    d = _ready()
    d.device.receive(encode_message(2, GetStatus()), T0 + 0.1)  # answered, not yet read
    d.device.drop_link_buffers()
    assert d.replies(T0 + 0.1) == []


def test_a_scheduled_action_runs_at_its_instant_even_in_a_quiet_stretch() -> None:
    d = _ready()
    d.device.advance(T0 + 0.01)  # the device now knows nothing falls due for a while
    ran: list[float] = []
    d.device.schedule(T0 + 0.05, ran.append)
    d.device.advance(T0 + 0.1)
    assert ran == [T0 + 0.05]


@pytest.mark.parametrize("press", ["button", "foot"])
def test_an_advisory_input_is_reported_at_the_instant_it_happens(press: str) -> None:
    d = _ready()
    _kidney_on(d, T0)
    d.send(Heartbeat(), T0 + 0.3)  # the last frame before the input: the device's time stood at T0 + 0.3
    if press == "button":
        d.device.press_button(2, T0 + 0.35)
        expected = (T0 + 0.35, EventCode.BUTTON, 2)
    else:
        d.device.foot_sensor(True, T0 + 0.35)
        expected = (T0 + 0.35, EventCode.FOOT_REMOVED, 1)
    assert d.events_since(1) == [expected]
    assert on_zones_at(d.device.timeline, T0 + 0.35) == {"kidney"}  # reported only: nothing stops


def test_a_scheduled_action_at_a_timer_s_instant_runs_after_the_timer() -> None:
    """§5.1: the simulator's own actions (faults) come after the protocol's timers due at that instant."""
    d = _ready()
    seen: list[DeviceState] = []
    d.device.schedule(T0 + FOOT.watchdog_ms / 1000, lambda t: seen.append(d.device.state))
    d.device.advance(T0 + 1.0)
    assert seen == [DeviceState.SAFE_STOP]  # the watchdog, due at the same instant, went first


def test_scheduled_actions_run_in_time_order_whatever_order_they_were_scheduled_in() -> None:
    d = _ready()
    ran: list[tuple[str, float]] = []
    d.device.schedule(T0 + 0.2, lambda t: ran.append(("later", t)))
    d.device.schedule(T0 + 0.1, lambda t: ran.append(("sooner", t)))
    d.device.schedule(T0 + 0.15, lambda t: ran.append(("between", t)))
    d.device.advance(T0 + 0.3)
    assert ran == [("sooner", T0 + 0.1), ("between", T0 + 0.15), ("later", T0 + 0.2)]


def test_the_device_s_time_never_runs_backwards() -> None:
    """An input stamped a little earlier than the last frame (another thread's clock read) is taken as now."""
    d = _ready()
    d.send(Heartbeat(), T0 + 0.3)
    d.device.press_button(3, T0 + 0.25)
    assert d.events_since(1) == [(T0 + 0.3, EventCode.BUTTON, 3)]


def test_a_reset_stops_everything_at_its_instant_and_starts_over() -> None:
    d = _ready()
    _kidney_on(d, T0)
    half = encode_message(9, GetStatus())[:3]
    d.device.receive(half, T0 + 0.1)  # half a frame in the receive buffer: emptied by the reset (§6.6)
    d.device.reset(T0 + 0.2)
    assert on_zones_at(d.device.timeline, T0 + 0.19) == {"kidney"}
    assert on_zones_at(d.device.timeline, T0 + 0.2) == set()
    assert d.device.timeline[-1].cause == "reset" and d.device.boot_count == 2
    assert d.events_since(1) == [(T0 + 0.2, EventCode.RESET, 1)]
    d.device.receive(encode_message(9, GetStatus())[3:], T0 + 0.3)  # the rest alone is no frame
    assert d.replies(T0 + 0.3) == []
    assert _status(d, T0 + 0.4).state == DeviceState.WAITING


def test_power_off_turns_everything_off_recorded_as_shutdown() -> None:
    d = _ready()
    _kidney_on(d, T0)
    d.device.power_off(T0 + 0.2)
    assert on_zones_at(d.device.timeline, T0 + 0.2) == set()
    assert d.device.timeline[-1].t == T0 + 0.2 and d.device.timeline[-1].cause == "shutdown"
    assert d.device.state == DeviceState.WAITING
