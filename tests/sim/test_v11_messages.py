"""1.1's additions on the simulator (firmware_protocol.md §3.1, §3.4, §3.9, §3.10): HELLO minor, KEEPALIVE,
RENEW and its NAK ZONE_OFF, and GET_STATUS flags — at exact instants of a virtual clock."""

from __future__ import annotations

import pytest

from sim import Device, FaultPlan
from sim.messages import (
    Ack,
    GetStatus,
    Heartbeat,
    Hello,
    HelloReply,
    Keepalive,
    Nak,
    Renew,
    SetCmd,
    SoftStop,
    Status,
)
from sim.profiles import FOOT
from sim.protocol import DeviceState, EventCode, MsgType, NakCode
from sim.wire import encode_frame
from tests.sim.helpers import Direct, entry, set_cmd

T0 = 100.0
KIDNEY, HEEL = 3, 5  # ZONE_INFO indices of zones 4 and 6 on the foot profile
ACK_RENEW = Ack(MsgType.RENEW)


def _ready(faults: FaultPlan | None = None) -> Direct:
    d = Direct(Device(FOOT, T0, faults=faults))
    assert isinstance(d.one(Hello(1, 1), T0), HelloReply)
    return d


def _expiries(d: Direct) -> list[tuple[float, int]]:
    return [(round(t, 9), arg) for t, code, arg in d.events_since(1) if code == EventCode.LEASE_EXPIRED]


# §3.1


@pytest.mark.parametrize("host_minor", [0, 1, 7])
def test_hello_reply_says_minor_1_whatever_the_host_said(host_minor: int) -> None:
    d = Direct(Device(FOOT, T0))
    reply = d.one(Hello(1, host_minor), T0)
    assert isinstance(reply, HelloReply) and (reply.major, reply.minor) == (1, 1)


def test_a_host_that_said_minor_0_may_still_use_1_1_messages() -> None:
    d = Direct(Device(FOOT, T0))
    d.send(Hello(1, 0), T0)
    d.send(set_cmd(entry(4)), T0)
    assert d.one(Renew(1500, (KIDNEY,)), 100.1) == ACK_RENEW  # no per-host minor state
    assert d.send(Keepalive(), 100.2) == []


# §3.9 KEEPALIVE


def test_keepalive_is_never_answered_even_with_a_payload_and_feeds_the_watchdog() -> None:
    d = _ready()
    for i in range(1, 11):  # 3 s of keep-alives every 300 ms, some carrying a payload
        t = T0 + 0.3 * i
        d.device.receive(encode_frame(i, MsgType.KEEPALIVE, b"\x01\x02" if i % 2 else b""), t)
        assert d.replies(t) == []
    assert d.device.state == DeviceState.READY and d.events_since(1) == []
    d.device.advance(103.5)  # and silence trips it 400 ms after the last one
    assert d.events_since(1) == [(pytest.approx(103.4), EventCode.WATCHDOG, 0)]


def test_keepalive_is_not_a_duplicate_and_does_not_touch_the_duplicate_memory() -> None:
    d = _ready()
    assert d.one(set_cmd(entry(4)), T0, seq=9) == Ack(MsgType.SET)
    assert d.send(Keepalive(), 100.1, seq=9) == []  # same seq: still not answered from memory
    assert d.one(set_cmd(entry(4)), 100.2, seq=9) == Ack(MsgType.SET)  # the SET's ACK is still stored
    assert len(d.device.applied) == 1 and d.device.counters.keepalives == 1


def test_keepalive_never_renews_a_lease() -> None:
    d = _ready()
    d.send(set_cmd(entry(4, lease_ms=500)), T0)
    for t in (100.1, 100.2, 100.3, 100.4):
        d.send(Keepalive(), t)
    d.device.advance(100.6)
    assert _expiries(d) == [(100.5, 4)]


# §3.10 RENEW


def test_renew_restarts_the_named_leases_only() -> None:
    d = _ready()
    d.send(set_cmd(entry(4, lease_ms=500), entry(6, lease_ms=500)), T0)
    assert d.one(Renew(1000, (KIDNEY,)), 100.25) == ACK_RENEW
    d.send(Keepalive(), 100.5), d.send(Keepalive(), 100.8), d.send(Keepalive(), 101.1)
    d.device.advance(101.3)
    assert _expiries(d) == [(100.5, 6), (101.25, 4)]
    assert [e.cause for e in d.device.timeline] == ["set", "set", "lease", "lease"]  # no actuator change


def test_retransmitted_renew_is_answered_from_memory_and_does_not_restart_again() -> None:
    d = _ready()
    d.send(set_cmd(entry(4, lease_ms=500)), T0)
    assert d.one(Renew(500, (KIDNEY,)), 100.25, seq=40) == ACK_RENEW
    assert d.one(Renew(500, (KIDNEY,)), 100.45, seq=40) == ACK_RENEW
    d.device.advance(100.8)
    assert _expiries(d) == [(100.75, 4)] and d.device.counters.duplicates == 1


def test_renew_naming_an_off_zone_is_nak_zone_off_and_changes_nothing() -> None:
    d = _ready()
    d.send(set_cmd(entry(4, lease_ms=500)), T0)
    assert d.one(Renew(1000, (KIDNEY, HEEL)), 100.25) == Nak(NakCode.ZONE_OFF, 6)
    d.device.advance(100.6)
    assert _expiries(d) == [(100.5, 4)]  # kidney's lease was not restarted either
    assert d.one(Renew(1000, (KIDNEY,)), 100.6) == Nak(NakCode.ZONE_OFF, 4)  # after its expiry


@pytest.mark.parametrize("renew, nak", [
    (Renew(1500, ()), Nak(NakCode.OUT_OF_RANGE, 0)),
    (Renew(1500, (11,)), Nak(NakCode.OUT_OF_RANGE, 0)),  # the foot profile has 11 zones: 0…10
    (Renew(99, (KIDNEY,)), Nak(NakCode.OUT_OF_RANGE, 0)),
    (Renew(2001, (KIDNEY,)), Nak(NakCode.OUT_OF_RANGE, 0)),
    (Renew(1500, (0, KIDNEY)), Nak(NakCode.ZONE_OFF, 1)),  # index order: zone 1 before zone 4
])
def test_renew_checks_in_order(renew: Renew, nak: Nak) -> None:
    d = _ready()
    d.send(set_cmd(entry(4)), T0)
    assert d.one(renew, 100.1) == nak


def test_renew_of_the_wrong_size_is_malformed() -> None:
    d = _ready()
    d.device.receive(encode_frame(77, MsgType.RENEW, b"\xdc\x05\x08\x00\x00"), T0)
    assert d.replies(T0) == [Nak(NakCode.MALFORMED, 0)]


def test_renew_of_a_stuck_zone_is_zone_stuck_before_zone_off() -> None:
    d = _ready(FaultPlan(stuck_zone="heel", stuck_at=0.2))
    d.send(set_cmd(entry(4)), T0)  # heel is off, and stuck from 100.2
    assert d.one(Renew(1500, (KIDNEY, HEEL)), 100.3) == Nak(NakCode.ZONE_STUCK, 6)
    d.send(Keepalive(), 100.6)
    assert d.one(Renew(1500, (0, HEEL)), 100.7) == Nak(NakCode.ZONE_OFF, 1)  # zone 1 comes first


def test_renew_in_a_ramp_is_busy_and_in_waiting_zone_off() -> None:
    d = _ready()
    d.send(set_cmd(entry(4)), T0)
    d.send(SoftStop(1000), T0)
    assert d.one(Renew(1500, (KIDNEY,)), 100.1) == Nak(NakCode.BUSY, 0)
    fresh = Direct(Device(FOOT, T0))
    assert fresh.one(Renew(1500, (KIDNEY,)), T0) == Nak(NakCode.ZONE_OFF, 4)


def test_renew_changes_no_state_and_starts_no_session() -> None:
    d = _ready()
    d.send(set_cmd(entry(4)), T0)
    before = (d.device.state, len(d.device.timeline), len(d.device.applied))
    d.send(Renew(1500, (KIDNEY,)), 100.1)
    assert (d.device.state, len(d.device.timeline), len(d.device.applied)) == before
    assert d.device.counters.renewals == 1


# §3.4 GET_STATUS flags


def test_get_status_only_on_lists_the_zones_that_are_on() -> None:
    d = _ready()
    off = entry(2, intensity=0, motion=0, speed=0, heat=0)
    d.send(SetCmd((entry(6), off, entry(4, intensity=0, heat=1))), T0)
    compact = d.one(GetStatus(1), T0)
    full = d.one(GetStatus(0), T0)
    legacy = d.one(GetStatus(), T0)
    assert isinstance(compact, Status) and isinstance(full, Status) and isinstance(legacy, Status)
    assert [z.zone for z in compact.zones] == [4, 6]  # ZONE_INFO order
    assert len(full.zones) == len(legacy.zones) == 11
    assert compact.zones == tuple(z for z in full.zones if z.intensity or z.heat)
    d.send(Heartbeat(), 100.3)
    d.device.advance(101.6)  # both leases ran out
    after = d.one(GetStatus(1), 101.6)
    assert isinstance(after, Status) and after.zones == ()


@pytest.mark.parametrize("payload, nak", [
    (b"\x02", Nak(NakCode.OUT_OF_RANGE, 0)), (b"\x81", Nak(NakCode.OUT_OF_RANGE, 0)),
    (b"\x01\x00", Nak(NakCode.MALFORMED, 0))])
def test_get_status_with_other_flag_bits_or_two_bytes_is_refused(payload: bytes, nak: Nak) -> None:
    d = _ready()
    d.device.receive(encode_frame(30, MsgType.GET_STATUS, payload), T0)
    assert d.replies(T0) == [nak]
