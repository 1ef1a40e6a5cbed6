"""§5.1: timers due at the same instant fire most severe first (cutoff, watchdog, session cap, leases, ramp),
and a latching stop clears the rest, so the host sees exactly one EVENT — one test per pair that can meet.

Every instant is a multiple of 0.25 s from 100.0, so the float deadlines meet exactly: the heater reads at
100.25, 100.5, …; the profile's watchdog is 500 ms and its session cap 1 s.
"""

from __future__ import annotations

from dataclasses import replace

from sim import Device
from sim.messages import Ack, Hello, Keepalive, Nak, SoftStop
from sim.profiles import FOOT
from sim.protocol import DeviceState, EventCode, MsgType, NakCode
from tests.sim.helpers import Direct, entry, set_cmd

T0 = 100.0
PROFILE = replace(FOOT, watchdog_ms=500, max_session_s=1)


def _ready(max_session_s: int = 1) -> Direct:
    d = Direct(Device(replace(PROFILE, max_session_s=max_session_s), T0))
    d.send(Hello(1, 1), T0)
    return d


def _overheat_at_next_reading(d: Direct, t: float) -> None:
    """Just after the reading at `t`, the plate is far above max_temp, so the next reading cuts off."""
    d.device.advance(t)
    d.device.heater.temp_dC = 600.0


def _feed(d: Direct, *instants: float) -> None:
    """Keep-alives (never answered) at these instants."""
    for t in instants:
        assert d.send(Keepalive(), t) == []


def _events_and_state(d: Direct, until: float) -> tuple[list[tuple[float, EventCode]], DeviceState]:
    d.device.advance(until)
    return [(t, EventCode(code)) for t, code, _ in d.events_since(1)], d.device.state  # after RESET


def test_cutoff_before_watchdog() -> None:
    d = _ready()  # watchdog due at 100.5
    _overheat_at_next_reading(d, 100.25)
    assert _events_and_state(d, 101.0) == ([(100.5, EventCode.OVERHEAT)], DeviceState.FAULT)


def test_cutoff_before_session_cap() -> None:
    d = _ready()
    assert d.one(set_cmd(entry(4, lease_ms=2000)), T0) == Ack(MsgType.SET)  # cap at 101.0
    _feed(d, 100.25, 100.5, 100.75)
    _overheat_at_next_reading(d, 100.75)
    assert _events_and_state(d, 101.1) == ([(101.0, EventCode.OVERHEAT)], DeviceState.FAULT)


def test_cutoff_before_lease_expiry() -> None:
    d = _ready(max_session_s=60)
    d.send(set_cmd(entry(4, lease_ms=1000)), T0)  # lease out at 101.0
    _feed(d, 100.25, 100.5, 100.75)
    _overheat_at_next_reading(d, 100.75)
    assert _events_and_state(d, 101.1) == ([(101.0, EventCode.OVERHEAT)], DeviceState.FAULT)


def test_cutoff_before_ramp_end() -> None:
    d = _ready(max_session_s=60)
    d.send(set_cmd(entry(4)), T0)
    _feed(d, 100.25)
    assert d.one(SoftStop(500), 100.5) == Ack(MsgType.SOFT_STOP)  # ramp ends at 101.0
    _feed(d, 100.75)
    _overheat_at_next_reading(d, 100.75)
    assert _events_and_state(d, 101.1) == ([(101.0, EventCode.OVERHEAT)], DeviceState.FAULT)


def test_watchdog_before_session_cap() -> None:
    d = _ready()
    d.send(set_cmd(entry(4, lease_ms=2000)), 100.25)  # cap at 101.25
    _feed(d, 100.5, 100.75)  # watchdog at 101.25
    assert _events_and_state(d, 102.0) == ([(101.25, EventCode.WATCHDOG)], DeviceState.SAFE_STOP)
    assert d.one(set_cmd(entry(4)), 102.0) == Nak(NakCode.NOT_READY, 0)  # not SESSION_LIMIT


def test_watchdog_before_lease_expiry() -> None:
    d = _ready(max_session_s=60)
    d.send(set_cmd(entry(4, lease_ms=500)), T0)  # lease and watchdog both at 100.5
    assert _events_and_state(d, 101.0) == ([(100.5, EventCode.WATCHDOG)], DeviceState.SAFE_STOP)


def test_watchdog_before_ramp_end_and_no_stopped() -> None:
    d = _ready(max_session_s=60)
    d.send(set_cmd(entry(4)), T0)
    d.send(SoftStop(500), T0)  # ramp and watchdog both end at 100.5
    assert _events_and_state(d, 101.0) == ([(100.5, EventCode.WATCHDOG)], DeviceState.SAFE_STOP)


def test_session_cap_before_lease_expiry() -> None:
    d = _ready()
    d.send(set_cmd(entry(4, lease_ms=1000)), T0)  # lease and cap both at 101.0
    _feed(d, 100.25, 100.5, 100.75)
    assert _events_and_state(d, 101.1) == ([(101.0, EventCode.SESSION_LIMIT)], DeviceState.SAFE_STOP)


def test_session_cap_before_ramp_end_and_no_stopped() -> None:
    d = _ready()
    d.send(set_cmd(entry(4)), T0)  # cap at 101.0
    _feed(d, 100.25)
    d.send(SoftStop(500), 100.5)  # ramp ends at 101.0
    _feed(d, 100.75)
    assert _events_and_state(d, 101.1) == ([(101.0, EventCode.SESSION_LIMIT)], DeviceState.SAFE_STOP)


def test_leases_due_together_expire_in_zone_info_order() -> None:
    d = _ready(max_session_s=60)
    d.send(set_cmd(entry(6, lease_ms=500), entry(1, lease_ms=500), entry(4, lease_ms=500)), T0)
    _feed(d, 100.25)
    d.device.advance(100.6)
    assert [(t, arg) for t, code, arg in d.events_since(1)] == [(100.5, 1), (100.5, 4), (100.5, 6)]
