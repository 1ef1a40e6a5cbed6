"""The 1.1 clarifications that are device behaviour (firmware_protocol.md §3.1, §2.2, §6, §6.3, §6.4, §6.7),
each pinned on the simulator at exact instants of a virtual clock."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sim import Device
from sim.messages import Ack, Estop, Heartbeat, Hello, HelloReply, Nak, SoftStop, ZoneState
from sim.profiles import FOOT, SimZone
from sim.protocol import DeviceState, EventCode, FaultFlag, MsgType, NakCode
from sim.wire import StreamDecoder
from tests.sim.helpers import Direct, entry, set_cmd
from tests.sim.helpers import ready as _ready
from tests.sim.helpers import status as _status

T0 = 100.0
OFF = (0, 0, 0, 0)


def _kidney(d: Direct, t: float) -> tuple[int, int, int, int]:
    (z,) = [z for z in _status(d, t).zones if z.zone == 4]
    return z.motion, z.intensity, z.speed, z.heat


def _moving_kidney(d: Direct, t: float = T0) -> None:
    assert d.one(set_cmd(entry(4, motion=6, intensity=4, speed=3, heat=1, lease_ms=1000)), t) == Ack(
        MsgType.SET)


def _codes(d: Direct) -> list[EventCode]:
    return [EventCode(code) for _, code, _ in d.events_since(1)]


# §6 "What off means": every stop the device makes itself zeroes motion, intensity, speed and heat.


@pytest.mark.parametrize("stop", ["estop", "button", "hello", "lease", "soft_stop_end", "soft_stop_now"])
def test_every_device_stop_zeroes_motion_and_speed_too(stop: str) -> None:
    d = _ready()
    _moving_kidney(d)
    t = T0 + 0.1
    if stop == "estop":
        d.send(Estop(), t)
    elif stop == "button":
        d.device.press_stop_button(t)
    elif stop == "hello":
        d.send(Hello(1, 1), t)
    elif stop == "lease":
        d.send(Heartbeat(), 100.3), d.send(Heartbeat(), 100.6), d.send(Heartbeat(), 100.9)
        t = 101.05  # the lease ran out at 101.0
    elif stop == "soft_stop_end":
        d.send(SoftStop(300), t)
        d.send(Heartbeat(), 100.3)
        t = 100.45  # the ramp ended at 100.4
    else:  # a zone that holds a motion with intensity 0 is not moving, so the soft stop ends at once
        d.send(set_cmd(entry(4, motion=6, intensity=0, speed=3, heat=1)), t)
        assert _kidney(d, t) == (6, 0, 3, 1)  # only a SET may leave a motion with intensity 0
        d.send(SoftStop(3000), t)
    assert _kidney(d, t) == OFF


@pytest.mark.parametrize("profile_change, stop_event", [
    ({"watchdog_ms": 400}, EventCode.WATCHDOG), ({"max_session_s": 1}, EventCode.SESSION_LIMIT)])
def test_safety_stops_zero_everything(profile_change: dict[str, int], stop_event: EventCode) -> None:
    d = _ready(replace(FOOT, **profile_change))
    _moving_kidney(d)
    for i in range(1, 4):
        d.send(set_cmd(entry(4, motion=6, intensity=4, speed=3, heat=1, lease_ms=1000)), T0 + 0.3 * i)
    t = T0 + (0.9 + 0.41 if stop_event == EventCode.WATCHDOG else 1.0)
    d.device.advance(t)
    assert _codes(d) == [stop_event]
    assert _kidney(d, t) == OFF


def test_overheat_zeroes_everything() -> None:
    d = _ready()
    _moving_kidney(d)
    d.device.heater.temp_dC = 600.0
    d.device.advance(100.26)
    assert _codes(d) == [EventCode.OVERHEAT] and _kidney(d, 100.26) == OFF


def test_during_a_ramp_motion_and_speed_stay_until_the_end() -> None:
    d = _ready()
    _moving_kidney(d)
    d.send(SoftStop(1000), T0)
    d.send(Heartbeat(), 100.3)
    assert _kidney(d, 100.55) == (6, 2, 3, 0)  # heat off at once; ⌈4 × 0.5⌉ at 500 ms
    d.send(Heartbeat(), 100.9)
    assert _kidney(d, 101.0) == OFF and _codes(d) == [EventCode.STOPPED]


# §6.7: STOPPED only when a soft stop completes.


@pytest.mark.parametrize("interrupt", ["hello", "estop", "button"])
def test_a_ramp_ended_by_hello_or_estop_sends_no_stopped(interrupt: str) -> None:
    d = _ready()
    _moving_kidney(d)
    d.send(SoftStop(1000), T0)
    if interrupt == "hello":
        assert isinstance(d.one(Hello(1, 1), 100.3), HelloReply)
    elif interrupt == "estop":
        assert d.one(Estop(), 100.3) == Ack(MsgType.ESTOP)
    else:
        d.device.press_stop_button(100.3)
    d.send(Heartbeat(), 100.6), d.send(Heartbeat(), 100.9), d.send(Heartbeat(), 101.2)
    assert EventCode.STOPPED not in _codes(d)
    assert _codes(d) == ([EventCode.BUTTON] if interrupt == "button" else [])


def test_soft_stop_with_nothing_moving_sends_stopped_at_once_after_its_ack() -> None:
    d = _ready()
    d.send(set_cmd(entry(4, intensity=0, motion=0, speed=0, heat=1)), T0)
    assert d.one(SoftStop(3000), 100.1) == Ack(MsgType.SOFT_STOP)
    assert d.events_since(1) == [(100.1, EventCode.STOPPED, 0)]


# §3.1: a HELLO of the wrong size.


def test_wrong_size_hello_feeds_the_watchdog_and_changes_nothing_else() -> None:
    d2 = _ready()
    _moving_kidney(d2)
    for i in range(1, 6):  # every 190 ms: only these frames keep the 400 ms watchdog fed
        t = T0 + 0.19 * i
        d2.device.receive(_raw(d2.seq + i, MsgType.HELLO, b"\x01\x01\x00"), t)
        assert d2.replies(t) == [Nak(NakCode.MALFORMED, 0)]
    assert d2.device.state == DeviceState.ACTIVE and _kidney(d2, 100.96) == (6, 4, 3, 1)
    assert _codes(d2) == []


def test_wrong_size_hello_nak_is_not_stored_and_does_not_empty_the_memory() -> None:
    d = _ready()
    assert d.one(set_cmd(entry(4)), T0, seq=50) == Ack(MsgType.SET)
    d.device.receive(_raw(50, MsgType.HELLO, b"\x01"), 100.1)
    assert d.replies(100.1) == [Nak(NakCode.MALFORMED, 0)]
    # the SET's ACK is still what the memory holds: a retransmission is answered from it, not re-applied
    assert d.one(set_cmd(entry(4)), 100.2, seq=50) == Ack(MsgType.SET)
    assert len(d.device.applied) == 1 and d.device.counters.duplicates == 1


def _raw(seq: int, msg_type: int, payload: bytes) -> bytes:
    from sim.wire import encode_frame
    return encode_frame(seq, msg_type, payload)


# §2.2: the device's own frames carry ver = its major.


def test_every_device_frame_carries_ver_1() -> None:
    d = Direct(Device(FOOT, T0))
    out = d.device.take_output(T0)  # EVENT RESET
    d.device.receive(_raw(1, MsgType.HELLO, b"\x01\x01") + _raw(2, MsgType.GET_STATUS, b"")
                     + _raw(3, 0x30, b""), T0)
    out += d.device.take_output(T0)
    frames = StreamDecoder().feed(out)
    assert len(frames) == 4 and all(getattr(f, "ver", None) == 1 for f in frames)


# §6.3 / §6.4: an ESTOP during an overheat.


def test_estop_during_overheat_stays_in_estop_with_no_second_overheat_event() -> None:
    d = _ready()
    d.device.heater.temp_dC = 600.0
    d.device.advance(100.26)
    assert _codes(d) == [EventCode.OVERHEAT] and d.device.state == DeviceState.FAULT
    assert d.one(Estop(), 100.3) == Ack(MsgType.ESTOP)
    d.device.heater.temp_dC = 600.0  # still far above max_temp at every later reading
    d.device.advance(102.0)
    assert _codes(d) == [EventCode.OVERHEAT] and d.device.state == DeviceState.ESTOP
    assert _status(d, 102.0).faults == FaultFlag.OVERHEAT | FaultFlag.ESTOP
    assert isinstance(d.one(Hello(1, 1), 102.0), HelloReply)
    assert d.device.state == DeviceState.FAULT


def test_hello_judges_the_latest_reading_not_the_plate_between_readings() -> None:
    d = _ready()
    d.device.heater.temp_dC = 600.0
    d.device.advance(100.26)  # cut off at 100.25
    d.device.advance(100.5)  # a reading of ~599.9
    d.device.heater.temp_dC = 300.0  # the plate is cool now, but no reading has seen it yet
    assert isinstance(d.one(Hello(1, 1), 100.6), HelloReply)
    assert d.device.state == DeviceState.FAULT
    assert isinstance(d.one(Hello(1, 1), 100.75), HelloReply)  # the 100.75 reading comes first
    assert d.device.state == DeviceState.READY


# §6.4 "No sensor".

BARE = replace(FOOT, name="bare", heat_max=0, temp_sensor=False,
               zones=tuple(SimZone(z.id, z.name, False) for z in FOOT.zones))


def test_a_device_without_a_sensor_reports_no_reading_and_no_heater() -> None:
    d = Direct(Device(BARE, T0))
    reply = d.one(Hello(1, 1), T0)
    assert isinstance(reply, HelloReply) and not reply.has_heater and reply.heat_max == 0
    d.device.heater.temp_dC = 900.0  # whatever the plate model does, there is nothing to read it
    d.device.advance(105.0)
    assert _status(d, 105.0).temp_dC == -32768
    assert EventCode.OVERHEAT not in _codes(d) and not d.device.fault_flags & FaultFlag.OVERHEAT


@pytest.mark.parametrize("change", [{"heat_max": 0}, {"temp_sensor": False}])
def test_a_profile_whose_heater_sources_disagree_is_refused(change: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="heat"):
        replace(FOOT, **change)


def test_status_lists_zone_states_in_zone_info_order() -> None:
    d = _ready()
    d.send(set_cmd(entry(6), entry(1)), T0)
    zones = _status(d, T0).zones
    assert [z.zone for z in zones] == [z.id for z in FOOT.zones]
    assert zones[0] == ZoneState(1, 6, 4, 2, 0)


# §6.4: one plate, driven by the highest heat level among the zones that are on with heat.

@pytest.mark.parametrize("levels", [(1, 2), (2, 1), (2, 2, 1)])
def test_one_plate_follows_the_highest_heat_level_on(levels: tuple[int, ...]) -> None:
    from sim.heater import HeaterPlate

    def plate_after(heat: tuple[int, ...], seconds: float = 600.0) -> float:
        plate = HeaterPlate(FOOT, 0.0)
        plate.advance_to(seconds, heat)
        return plate.temp_dC

    assert plate_after(levels) == plate_after((max(levels),))
    assert plate_after(levels) > plate_after((min(levels),))  # not the lowest, nor an average of the two
