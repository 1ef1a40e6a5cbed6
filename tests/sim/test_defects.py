"""`--defect`: each deliberately non-conforming device breaks exactly the rule it names, and a conforming
device on the same script keeps it (virtual time, exact instants). The conformance kit later shows that each
defect fails its own check and no other."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sim import Device
from sim.defects import DEFECTS, banner, device_class
from sim.messages import Ack, Estop, GetStatus, Hello, HelloReply, Keepalive, Nak, Status, encode_message
from sim.profiles import FOOT
from sim.protocol import DeviceState, EventCode, MsgType, NakCode
from sim.wire import cobs_decode, cobs_encode
from tests.sim.helpers import Direct, entry, set_cmd

T0 = 100.0
Check = Callable[[Direct], bool]  # True when the device kept the rule


def _device(*defects: str) -> Direct:
    d = Direct(device_class(defects)(FOOT, T0))
    assert isinstance(d.one(Hello(1, 1), T0), HelloReply)
    return d


def _kidney_on(d: Direct, t: float) -> bool:
    status = d.one(GetStatus(1), t)
    assert isinstance(status, Status)
    return any(z.zone == 4 for z in status.zones)


def keeps_watchdog(d: Direct) -> bool:
    d.device.advance(105.0)
    return d.device.state == DeviceState.SAFE_STOP and [c for _, c, _ in d.events_since(1)] == [
        EventCode.WATCHDOG]


def keeps_lease(d: Direct) -> bool:
    d.send(set_cmd(entry(4, lease_ms=500)), T0)
    for i in range(1, 8):
        d.send(Keepalive(), T0 + 0.3 * i)
    return not _kidney_on(d, 102.0)


def keeps_duplicate_rule(d: Direct) -> bool:
    assert d.one(set_cmd(entry(4)), T0, seq=5) == Ack(MsgType.SET)
    assert d.one(set_cmd(entry(4)), 100.1, seq=5) == Ack(MsgType.SET)  # a retransmission
    return len(d.device.applied) == 1 and d.device.counters.duplicates == 1


def keeps_estop_latency(d: Direct) -> bool:
    d.send(set_cmd(entry(4)), T0)
    replies = d.send(Estop(), 100.1)
    return replies == [Ack(MsgType.ESTOP)] and d.device.state == DeviceState.ESTOP


def keeps_crc_check(d: Direct) -> bool:
    body = bytearray(cobs_decode(encode_message(9, set_cmd(entry(4)))[:-1]))
    body[-1] ^= 0x01  # a bad CRC
    d.device.receive(cobs_encode(bytes(body)) + b"\x00", T0)
    return d.replies(T0) == [Nak(NakCode.BAD_CRC, 0)] and d.device.applied == []


def keeps_range_check(d: Direct) -> bool:
    reply = d.one(set_cmd(entry(4, intensity=99, speed=0, lease_ms=5000)), T0)
    return reply == Nak(NakCode.OUT_OF_RANGE, 0) and d.device.applied == []


CHECKS: dict[str, Check] = {
    "no-watchdog": keeps_watchdog, "no-lease": keeps_lease, "dup-reapply": keeps_duplicate_rule,
    "slow-estop": keeps_estop_latency, "bad-crc-accept": keeps_crc_check, "no-nak-range": keeps_range_check,
}


def test_every_defect_has_a_check() -> None:
    assert set(CHECKS) == set(DEFECTS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_a_conforming_device_keeps_the_rule(name: str) -> None:
    assert CHECKS[name](_device())


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_defect_breaks_its_rule(name: str) -> None:
    assert not CHECKS[name](_device(name))


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_defect_keeps_every_other_rule_checked_here(name: str) -> None:
    for other, check in CHECKS.items():
        if other != name:
            assert check(_device(name)), other


def test_defects_combine() -> None:
    d = _device("no-watchdog", "no-lease")
    assert d.device.defects == ("no-watchdog", "no-lease")
    assert not keeps_watchdog(_device("no-watchdog", "no-lease"))
    assert not keeps_lease(d)


def test_slow_estop_stops_and_acks_500_ms_late() -> None:
    d = _device("slow-estop")
    d.send(set_cmd(entry(4)), T0)
    assert d.send(Estop(), 100.1) == []
    d.send(Keepalive(), 100.3)
    assert _kidney_on(d, 100.59) and d.device.state == DeviceState.ACTIVE
    d.device.advance(100.6)
    assert d.replies(100.6) == [Ack(MsgType.ESTOP)] and d.device.state == DeviceState.ESTOP


def test_no_nak_range_applies_the_clamped_values() -> None:
    d = _device("no-nak-range")
    assert d.one(set_cmd(entry(4, intensity=99, speed=0, heat=9, lease_ms=5000)), T0) == Ack(MsgType.SET)
    (applied,) = d.device.applied[0].entries
    assert (applied.intensity, applied.speed, applied.heat, applied.lease_ms) == (10, 1, 2, 2000)
    assert d.one(set_cmd(entry(99)), T0) == Nak(NakCode.UNSUPPORTED_ZONE, 99)  # other checks still run


def test_a_defective_device_looks_like_a_conforming_one() -> None:
    """HELLO_REPLY and STATUS are unchanged: only the behaviour betrays it, as with broken firmware."""
    for name in DEFECTS:
        good, bad = Direct(Device(FOOT, T0)), Direct(device_class([name])(FOOT, T0))
        assert good.one(Hello(1, 1), T0) == bad.one(Hello(1, 1), T0)
        assert good.one(GetStatus(), T0) == bad.one(GetStatus(), T0)


def test_unknown_defect_is_refused_and_the_banner_names_the_defects() -> None:
    with pytest.raises(ValueError, match="unknown defect 'fast-estop'"):
        device_class(["fast-estop"])
    assert device_class([]) is Device
    text = banner(["no-lease", "slow-estop"])
    assert "NON-CONFORMING" in text and "no-lease, slow-estop" in text
