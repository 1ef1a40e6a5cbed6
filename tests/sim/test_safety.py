"""Device-side safety on a virtual clock, asserted exactly from the timeline: watchdog (§6.1), leases
(§6.2), heater cutoff and regulation (§6.4), session cap (§6.5)."""

from __future__ import annotations

from controller.clock import VirtualClock
from sim import Device, FaultPlan, SimTransport, make_pair
from sim.messages import Ack, GetStatus, Heartbeat, Hello, HelloReply, Nak, Status
from sim.protocol import DeviceState, EventCode, FaultFlag, MsgType, NakCode
from sim.wire import encode_frame
from tests.sim.helpers import Host, entry, on_zones_at, set_cmd

WATCHDOG_S = 0.4


def heartbeat_for(host: Host, clock: VirtualClock, duration_s: float, period_s: float = 0.15) -> float:
    """Keep the watchdog fed for `duration_s`; returns the time of the last heartbeat."""
    end = clock.now() + duration_s
    last = clock.now()
    while clock.now() + period_s <= end:
        clock.advance(period_s)
        last = clock.now()
        assert host.command(Heartbeat()) == Ack(MsgType.HEARTBEAT)
    return last


def test_watchdog_turns_everything_off_exactly_400ms_after_last_valid_frame(
        host: Host, device: Device, clock: VirtualClock, pair: tuple[SimTransport, Device]) -> None:
    host.command(set_cmd(entry(4, heat=1), entry(1, intensity=7)))
    last_valid = heartbeat_for(host, clock, 0.6)
    clock.advance(0.1)
    pair[0].write(b"\x01" * 300 + b"\x00")  # garbage and a bad-CRC frame do not feed the watchdog
    pair[0].write(encode_frame(99, MsgType.HEARTBEAT)[:-3] + b"\x00\x00")
    host.poll(1.0)
    trip = last_valid + WATCHDOG_S
    assert on_zones_at(device.timeline, trip - 1e-9) == {"kidney", "toe_tips"}
    assert on_zones_at(device.timeline, trip) == set()
    assert {e.t for e in device.timeline if e.cause == "watchdog"} == {trip}
    assert host.event_codes()[-1] == EventCode.WATCHDOG
    assert device.events[-1].t == trip
    status = host.command(GetStatus())
    assert isinstance(status, Status)
    assert status.state == DeviceState.SAFE_STOP and status.faults & FaultFlag.WATCHDOG
    assert host.command(set_cmd(entry(4))) == Nak(NakCode.NOT_READY, 0)
    host.command(Hello(1, 0))
    assert host.command(set_cmd(entry(4))) == Ack(MsgType.SET)


def test_watchdog_not_armed_before_handshake(pair: tuple[SimTransport, Device],
                                             clock: VirtualClock) -> None:
    h = Host(pair[0])
    h.poll(2.0)
    assert pair[1].state == DeviceState.WAITING and h.event_codes() == [EventCode.RESET]


def test_lease_expires_while_heartbeats_continue(host: Host, device: Device,
                                                 clock: VirtualClock) -> None:
    host.command(set_cmd(entry(4, lease_ms=500), entry(1, lease_ms=2000)))
    t_set = clock.now()
    heartbeat_for(host, clock, 1.0, period_s=0.1)
    assert on_zones_at(device.timeline, t_set + 0.5 - 1e-9) == {"kidney", "toe_tips"}
    assert on_zones_at(device.timeline, t_set + 0.5) == {"toe_tips"}
    lease_entries = [e for e in device.timeline if e.cause == "lease"]
    assert [(e.zone, e.t) for e in lease_entries] == [("kidney", t_set + 0.5)]
    assert [(e.code, e.arg) for _, e in host.events[1:]] == [(EventCode.LEASE_EXPIRED, 4)]
    assert device.state == DeviceState.ACTIVE
    heartbeat_for(host, clock, 1.2, period_s=0.1)
    assert on_zones_at(device.timeline, clock.now()) == set()
    assert device.state == DeviceState.READY


def test_renewed_lease_keeps_zone_on(host: Host, device: Device, clock: VirtualClock) -> None:
    for _ in range(20):
        host.command(set_cmd(entry(4, lease_ms=400)))
        clock.advance(0.3)
    assert on_zones_at(device.timeline, clock.now()) == {"kidney"}
    assert len(device.timeline) == 1 and len(device.applied) == 20


def run_session(host: Host, clock: VirtualClock, duration_s: float, heat: int) -> None:
    """A host that renews a 1500 ms lease every 300 ms, heartbeating in between, for duration_s."""
    end = clock.now() + duration_s
    while clock.now() < end:
        reply = host.command(set_cmd(entry(4, heat=heat)))
        if reply != Ack(MsgType.SET):
            return
        clock.advance(0.15)
        host.command(Heartbeat())
        clock.advance(0.15)


def test_session_cap_and_heat_never_regulated_above_41(host: Host, device: Device,
                                                        clock: VirtualClock) -> None:
    start = clock.now()
    run_session(host, clock, 1900.0, heat=2)
    cap = start + device.profile.max_session_s
    assert {e.t for e in device.timeline if e.cause == "session_limit"} == {cap}
    assert on_zones_at(device.timeline, cap) == set()
    assert EventCode.SESSION_LIMIT in host.event_codes()
    assert host.command(set_cmd(entry(4))) == Nak(NakCode.SESSION_LIMIT, 0)
    status = host.command(GetStatus())
    assert isinstance(status, Status) and status.faults & FaultFlag.SESSION_LIMIT
    assert status.state == DeviceState.SAFE_STOP
    temps = [temp for _, temp in device.temperature_history]
    assert max(temps) <= 410 and max(temps) >= 405  # regulated close to, never above, 41.0 °C
    host.command(Hello(1, 0))
    assert host.command(set_cmd(entry(4))) == Ack(MsgType.SET)


def test_heater_cutoff_on_runaway(clock: VirtualClock) -> None:
    transport, device = make_pair(clock, faults=FaultPlan(overheat_at=1.0))
    host = Host(transport)
    host.command(Hello(1, 0))
    run_session(host, clock, 60.0, heat=1)
    cutoff = [e for e in device.timeline if e.cause == "overheat"]
    assert cutoff and on_zones_at(device.timeline, cutoff[0].t) == set()
    tc = cutoff[0].t
    before = [temp for t, temp in device.temperature_history if t < tc]
    at = [temp for t, temp in device.temperature_history if t == tc]
    assert before[-1] <= 450 < at[0]  # caught at the first reading above 45.0 °C
    assert any(t >= tc - 0.25 for t, _ in device.temperature_history if t < tc)
    overheat = [e for _, e in host.events if e.code == EventCode.OVERHEAT]
    assert overheat and overheat[0].arg == 45
    assert host.command(set_cmd(entry(4))) == Nak(NakCode.OVERHEAT, 45)
    assert isinstance(host.command(Hello(1, 0)), HelloReply)
    assert device.state == DeviceState.FAULT  # still too hot
    clock.advance(30.0)
    host.command(Hello(1, 0))
    assert device.state == DeviceState.READY and device.temp_dC < 420
    assert host.command(set_cmd(entry(4))) == Ack(MsgType.SET)


def test_runaway_with_heater_off_still_trips(clock: VirtualClock) -> None:
    transport, device = make_pair(clock, faults=FaultPlan(overheat_at=0.5))
    clock.advance(60.0)
    transport.read(4096, 0.0)
    assert device.state == DeviceState.FAULT
    assert [e.code for e in device.events] == [EventCode.RESET, EventCode.OVERHEAT]
