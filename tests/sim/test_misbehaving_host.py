"""The device holds its own line (issue #5, item 4): a deliberately misbehaving host, speaking through the
simulator's own codec on a virtual clock, cannot push the simulated device past its limits.

It asks for more than the device allows, maximum everything for longer than a session, heat until the plate
runs away, stops heartbeating, stops renewing leases, and floods the line with garbage. Every stop is asserted
at its exact time on the virtual clock, from the device's own timeline and event log.
"""

from __future__ import annotations

import math
import random

import pytest

from controller.clock import VirtualClock
from sim import Device, FaultPlan, SimTransport, make_pair
from sim.messages import (
    Ack,
    GetStatus,
    Heartbeat,
    Hello,
    HelloReply,
    Nak,
    SetCmd,
    SetEntry,
    SoftStop,
    Status,
)
from sim.profiles import FOOT, Profile
from sim.protocol import DeviceState, EventCode, FaultFlag, MsgType, NakCode
from sim.records import TimelineEntry
from tests.sim.helpers import Host, on_zones_at

P = FOOT
PRESS = 6
ALL_ZONES = tuple(z.name for z in P.zones)
HEATED = tuple(z.id for z in P.zones if z.heated)
WATCHDOG_S = P.watchdog_ms / 1000
CONTROL_PERIOD_S = 0.25
SKIN_LIMIT_DC = 410
CUTOFF_DC = P.max_temp_dC


def greedy(zone_id: int, lease_ms: int | None = None, **overrides: int) -> SetEntry:
    """The most a host may ask of one zone: top intensity and speed, top heat where heated, longest lease."""
    heated = zone_id in HEATED
    values = {"motion": PRESS, "intensity": P.intensity_max, "speed": P.speed_max,
              "heat": P.heat_max if heated else 0,
              "lease_ms": P.max_lease_ms if lease_ms is None else lease_ms}
    values.update(overrides)
    return SetEntry(zone_id, **values)


EVERYTHING = SetCmd(tuple(greedy(z.id) for z in P.zones))


def start(clock: VirtualClock, profile: Profile = P, faults: FaultPlan | None = None
          ) -> tuple[SimTransport, Device, Host]:
    transport, device = make_pair(clock, profile=profile, faults=faults)
    host = Host(transport)
    assert isinstance(host.command(Hello(1, 0)), HelloReply)
    return transport, device, host


def status(host: Host) -> Status:
    reply = host.command(GetStatus())
    assert isinstance(reply, Status)
    return reply


def within_limits(item: TimelineEntry) -> bool:
    heated = item.zone_id in HEATED
    return (item.intensity <= P.intensity_max and item.speed <= P.speed_max
            and item.heat <= (P.heat_max if heated else 0))


def event_times(device: Device, code: EventCode) -> list[float]:
    return [e.t for e in device.events if e.code == code]


# (a) asking for more than the device allows


OVER_LIMIT = [
    ("intensity above max", greedy(7, intensity=P.intensity_max + 1), 2),
    ("intensity 255", greedy(7, intensity=255), 2),
    ("speed above max", greedy(7, speed=P.speed_max + 1), 2),
    ("heat above max", greedy(8, heat=P.heat_max + 1), 2),
    ("heat 255", greedy(8, heat=255), 2),
    ("lease above max", greedy(7, lease_ms=P.max_lease_ms + 1), 2),
    ("lease 65535", greedy(7, lease_ms=0xFFFF), 2),
    ("heat on unheated zone", greedy(1, heat=1), 2),
]


@pytest.mark.parametrize(("name", "bad", "index"), OVER_LIMIT, ids=[c[0] for c in OVER_LIMIT])
def test_over_limit_set_is_refused_whole(clock: VirtualClock, name: str, bad: SetEntry, index: int) -> None:
    _, device, host = start(clock)
    assert host.command(SetCmd((greedy(4, lease_ms=1000),))) == Ack(MsgType.SET)
    t_set = clock.now()
    before = list(device.timeline)
    clock.advance(0.3)
    # entries 0 and 1 alone would renew kidney's lease and start the heel; entry 2 asks too much
    cmd = SetCmd((greedy(4, lease_ms=2000), greedy(6), bad))
    assert host.command(cmd) == Nak(NakCode.OUT_OF_RANGE, index)
    assert device.timeline == before and len(device.applied) == 1
    for _ in range(6):  # kidney still expires at its first lease: the refused SET renewed nothing
        clock.advance(0.15)
        host.command(Heartbeat())
    later = [(e.zone, e.t, e.cause) for e in device.timeline[len(before):]]
    assert later == [("kidney", t_set + 1.0, "lease")]
    assert all(within_limits(e) for e in device.timeline)


def test_refused_set_in_every_position_changes_nothing(clock: VirtualClock) -> None:
    _, device, host = start(clock)
    others = [greedy(z.id) for z in P.zones if z.id != 7]
    for index in range(len(others) + 1):
        entries = others[:index] + [greedy(7, intensity=P.intensity_max + 1)] + others[index:]
        assert host.command(SetCmd(tuple(entries))) == Nak(NakCode.OUT_OF_RANGE, index)
    assert device.timeline == [] and device.applied == []


# (b) heating without limit


def hammer(host: Host, clock: VirtualClock, cmd: SetCmd, until: float,
           period_s: float = 0.3) -> list[tuple[float, object]]:
    """Resend `cmd` every `period_s` until the clock reaches `until`; returns (time sent, reply) pairs."""
    replies: list[tuple[float, object]] = []
    while clock.now() < until:
        replies.append((clock.now(), host.command(cmd)))
        clock.advance(period_s)
    return replies


def test_max_heat_on_every_heated_zone_for_30_minutes_stays_at_or_below_41(clock: VirtualClock) -> None:
    _, device, host = start(clock)
    heat_all = SetCmd(tuple(greedy(z) for z in HEATED))
    t0 = clock.now()
    replies = hammer(host, clock, heat_all, t0 + P.max_session_s - 0.15)
    assert {reply for _, reply in replies} == {Ack(MsgType.SET)}
    temps = [temp for _, temp in device.temperature_history]
    assert max(temps) <= SKIN_LIMIT_DC < CUTOFF_DC
    assert max(temps) >= SKIN_LIMIT_DC - 5  # it does heat, right up to the regulation target
    assert event_times(device, EventCode.OVERHEAT) == []
    assert all(within_limits(e) for e in device.timeline)


def test_runaway_heater_is_cut_within_one_control_period_of_crossing_45(clock: VirtualClock) -> None:
    _, device, host = start(clock, faults=FaultPlan(overheat_at=60.0))
    t0 = clock.now()
    heat_all = SetCmd(tuple(greedy(z) for z in HEATED))
    first_above: float | None = None  # first 10 ms probe that sees the plate above the cutoff
    next_renewal = t0
    while device.state != DeviceState.FAULT:
        if clock.now() >= next_renewal:
            assert host.command(heat_all) == Ack(MsgType.SET)
            next_renewal += 0.3
        clock.advance(0.01)
        device.advance(clock.now())
        if first_above is None and device.temp_dC > CUTOFF_DC:
            first_above = clock.now()
        assert clock.now() < t0 + 120, "the cutoff never tripped"
    assert first_above is not None
    (cut,) = event_times(device, EventCode.OVERHEAT)
    crossed_after = first_above - 0.01  # the plate was still at or below 45.0 °C here
    assert cut - crossed_after <= CONTROL_PERIOD_S + 1e-9
    assert [e.t for e in device.timeline if e.cause == "overheat"] == [cut] * len(HEATED)
    assert on_zones_at(device.timeline, cut - 1e-9) == {z.name for z in P.zones if z.heated}
    assert on_zones_at(device.timeline, cut) == set()
    readings = dict(device.temperature_history)
    assert readings[cut] >= CUTOFF_DC and max(readings.values()) == readings[cut]
    assert [e.arg for e in device.events if e.code == EventCode.OVERHEAT] == [CUTOFF_DC // 10]  # 45 °C

    # the host keeps asking for heat: every SET (and SOFT_STOP) is refused while the plate cools
    stopped_at = len(device.timeline)
    for _ in range(60):
        assert host.command(heat_all) == Nak(NakCode.OVERHEAT, math.floor(device.heater.reading_dC / 10))
        clock.advance(0.3)
    assert host.command(SoftStop(0)) == Nak(NakCode.OVERHEAT, math.floor(device.heater.reading_dC / 10))
    assert len(device.timeline) == stopped_at
    after = [temp for t, temp in device.temperature_history if t > cut]
    assert after == sorted(after, reverse=True)  # cooling, the heater stays off
    s = status(host)
    assert s.state == DeviceState.FAULT and s.faults & FaultFlag.OVERHEAT


# (c) everything at maximum for longer than the session cap


def test_session_cap_stops_everything_exactly_at_the_cap(clock: VirtualClock) -> None:
    _, device, host = start(clock)
    t0 = clock.now()
    replies = hammer(host, clock, EVERYTHING, t0 + P.max_session_s + 60)
    cap = t0 + P.max_session_s
    assert {reply for t, reply in replies if t < cap} == {Ack(MsgType.SET)}
    assert {reply for t, reply in replies if t >= cap} == {Nak(NakCode.SESSION_LIMIT, 0)}
    assert event_times(device, EventCode.SESSION_LIMIT) == [cap]
    assert {e.t for e in device.timeline if e.cause == "session_limit"} == {cap}
    assert on_zones_at(device.timeline, cap - 1e-9) == set(ALL_ZONES)
    assert on_zones_at(device.timeline, cap) == set()
    assert max(e.t for e in device.timeline) == cap  # nothing moved after the cap
    assert all(within_limits(e) for e in device.timeline)
    assert host.command(SoftStop(1000)) == Nak(NakCode.SESSION_LIMIT, 0)
    s = status(host)
    assert s.state == DeviceState.SAFE_STOP and s.faults == FaultFlag.SESSION_LIMIT
    assert s.session_s == P.max_session_s + 60
    host.command(Hello(1, 0))
    assert host.command(EVERYTHING) == Ack(MsgType.SET)


# (d) the host stops heartbeating


@pytest.mark.parametrize("last_frame", ["set", "heartbeat"])
def test_silent_host_everything_off_exactly_watchdog_ms_after_last_valid_frame(
        clock: VirtualClock, last_frame: str) -> None:
    _, device, host = start(clock)
    host.command(EVERYTHING)
    for _ in range(5):
        clock.advance(0.3)
        host.command(EVERYTHING if last_frame == "set" else Heartbeat())
    last_valid = clock.now()
    host.poll(5.0)  # the host falls silent; leases (2 s) would outlast the watchdog
    trip = last_valid + WATCHDOG_S
    assert event_times(device, EventCode.WATCHDOG) == [trip]
    assert on_zones_at(device.timeline, trip - 1e-9) == set(ALL_ZONES)
    assert on_zones_at(device.timeline, trip) == set()
    assert {e.cause for e in device.timeline if e.t == trip} == {"watchdog"}
    assert event_times(device, EventCode.LEASE_EXPIRED) == []
    assert device.state == DeviceState.SAFE_STOP
    assert host.command(EVERYTHING) == Nak(NakCode.NOT_READY, 0)


# (e) heartbeats keep flowing but SET renewals stop


def test_unrenewed_leases_expire_each_at_its_own_deadline(clock: VirtualClock) -> None:
    _, device, host = start(clock)
    leases = {1: 100, 4: 250, 6: 777, 7: 1500, 9: 2000, 8: 1234, 3: 1234}
    assert host.command(SetCmd(tuple(greedy(z, lease_ms=ms) for z, ms in leases.items()))) == Ack(MsgType.SET)
    t_set = clock.now()
    for _ in range(20):  # 3 s of heartbeats, no renewal
        clock.advance(0.15)
        assert host.command(Heartbeat()) == Ack(MsgType.HEARTBEAT)
    expiries = [(e.arg, e.t) for e in device.events if e.code == EventCode.LEASE_EXPIRED]
    expected = sorted(((z, t_set + ms / 1000) for z, ms in leases.items()), key=lambda zt: (zt[1], zt[0]))
    assert expiries == expected  # zones expiring together are reported in ZONE_INFO order (3 before 8)
    off = {(e.zone_id, e.t) for e in device.timeline if e.cause == "lease"}
    assert off == set(expected)
    for zone_id, deadline in expected:
        name = next(z.name for z in P.zones if z.id == zone_id)
        assert name in on_zones_at(device.timeline, deadline - 1e-9)
        assert name not in on_zones_at(device.timeline, deadline)
    assert device.state == DeviceState.READY and event_times(device, EventCode.WATCHDOG) == []


def test_renewal_at_the_instant_of_expiry_comes_after_the_expiry(clock: VirtualClock) -> None:
    _, device, host = start(clock)
    host.command(SetCmd((greedy(4, lease_ms=300),)))
    t_set = clock.now()
    clock.advance(0.3)
    assert host.command(SetCmd((greedy(4, lease_ms=300),))) == Ack(MsgType.SET)
    assert [(e.t, e.cause) for e in device.timeline] == [(t_set, "set"), (t_set + 0.3, "lease"),
                                                         (t_set + 0.3, "set")]
    assert event_times(device, EventCode.LEASE_EXPIRED) == [t_set + 0.3]


# (f) a garbage flood


def test_garbage_flood_never_moves_an_actuator_and_never_feeds_the_watchdog(
        clock: VirtualClock) -> None:
    transport, device, host = start(clock)
    rng = random.Random(20240505)
    assert host.command(EVERYTHING) == Ack(MsgType.SET)
    baseline = list(device.timeline)
    expected_invalid = 0
    sent_valid = 2  # HELLO and the first SET
    flooded = 0
    while flooded < 100_000:
        chunk = rng.randbytes(rng.randint(1, 2000)) + b"\x00"
        flooded += len(chunk) - 1
        expected_invalid += sum(1 for segment in chunk.split(b"\x00") if segment)
        clock.advance(0.05)
        transport.write(chunk)
        while transport.in_waiting:  # NAK BAD_CRC for some of it, with random seqs: not ours
            host.poll(0.0)
        host.replies.clear()
        cmd = EVERYTHING if rng.random() < 0.5 else Heartbeat()
        assert host.command(cmd) == Ack(cmd.TYPE)
        sent_valid += 1
    assert device.counters.frames_received == sent_valid  # no random frame passed COBS and CRC
    assert device.timeline == baseline  # identical renewals, and garbage changed nothing
    assert status(host).invalid_frames == expected_invalid
    assert device.counters.garbage_bytes > 0 and device.state == DeviceState.ACTIVE

    last_valid = clock.now()  # now garbage only: it must not keep the device running
    for _ in range(20):
        clock.advance(0.05)
        transport.write(rng.randbytes(300) + b"\x00" + rng.randbytes(40) + b"\x00")
    host.poll(0.0)
    assert event_times(device, EventCode.WATCHDOG) == [last_valid + WATCHDOG_S]
    assert on_zones_at(device.timeline, last_valid + WATCHDOG_S) == set()
    assert all(e.cause == "watchdog" for e in device.timeline[len(baseline):])
