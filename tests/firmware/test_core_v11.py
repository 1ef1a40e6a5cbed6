"""The 1.1 additions in the firmware core: HELLO's minor, KEEPALIVE, RENEW and NAK ZONE_OFF, GET_STATUS
with flags — and a 1.0 host that uses none of them still works."""

from __future__ import annotations

from sim.messages import Ack, GetStatus, Heartbeat, Hello, HelloReply, Nak, SoftStop, Status, ZoneState
from sim.protocol import DeviceState, EventCode, MsgType, NakCode
from sim.wire import encode_frame
from tests.firmware.core import Firmware, FirmwarePort
from tests.firmware.helpers import KEEPALIVE, RENEW, ZONE_OFF, index_of, renew, send, status
from tests.sim.helpers import Host, entry, set_cmd


def test_hello_answers_minor_1_whatever_the_host_says(port: FirmwarePort) -> None:
    h = Host(port)
    for minor in (0, 1, 7):
        reply = h.command(Hello(1, minor))
        assert isinstance(reply, HelloReply) and (reply.major, reply.minor) == (1, 1)


def test_keepalive_is_never_answered_and_feeds_the_watchdog(fw: Firmware, host: Host,
                                                            port: FirmwarePort) -> None:
    host.command(set_cmd(entry(4, lease_ms=2000)))
    for i in range(6):
        fw.advance(0.3)
        port.write(encode_frame(30 + i, KEEPALIVE, b"\x01\x02" if i % 2 else b""))  # a payload is ignored
        assert port.read(65536, 0.0) == b""
    assert status(host).state == DeviceState.ACTIVE  # 1.8 s: the watchdog was fed
    for i in range(2):
        fw.advance(0.3)
        port.write(encode_frame(40 + i, KEEPALIVE))
    assert status(host).state == DeviceState.READY  # but the lease was never renewed
    assert [e.code for _, e in host.events[1:]] == [EventCode.LEASE_EXPIRED]


def test_keepalive_leaves_the_duplicate_memory_alone(host: Host, port: FirmwarePort) -> None:
    seq = host.send(set_cmd(entry(4)))
    assert host.answer(seq) == Ack(MsgType.SET)
    port.write(encode_frame(seq, KEEPALIVE))
    port.write(encode_frame(seq + 1, KEEPALIVE))
    assert host.command(set_cmd(entry(4, intensity=9)), seq=seq) == Ack(MsgType.SET)  # still a duplicate
    assert [z.intensity for z in status(host).zones if z.zone == 4] == [4]


def test_renew_restarts_the_named_leases_only(fw: Firmware, host: Host) -> None:
    host.command(set_cmd(entry(4, lease_ms=500), entry(6, lease_ms=500)))
    t_set = fw.now_ms
    fw.advance(0.3)
    assert host.answer(send(host, RENEW, renew(500, index_of(4)))) == Ack(RENEW)
    fw.advance_to(t_set + 500)
    assert fw.duty(index_of(6)) == 0 and fw.duty(index_of(4)) > 0
    fw.advance_to(t_set + 600)
    host.command(Heartbeat())
    fw.advance_to(t_set + 799)
    assert fw.duty(index_of(4)) > 0
    fw.advance(0.001)
    assert fw.all_off()
    host.poll(0.0)
    assert [e.arg for _, e in host.events if e.code == EventCode.LEASE_EXPIRED] == [6, 4]


RENEW_NAKS = [
    ("short", b"\xdc\x05\x08\x00\x00", Nak(NakCode.MALFORMED, 0)),
    ("no zones", renew(1500), Nak(NakCode.OUT_OF_RANGE, 0)),
    ("past the last zone", renew(1500, 11), Nak(NakCode.OUT_OF_RANGE, 0)),
    ("bit 31", renew(1500, 3, 31), Nak(NakCode.OUT_OF_RANGE, 0)),
    ("lease short", renew(99, 3), Nak(NakCode.OUT_OF_RANGE, 0)),
    ("lease long", renew(2001, 3), Nak(NakCode.OUT_OF_RANGE, 0)),
    ("an off zone", renew(1500, 3, 0), Nak(ZONE_OFF, 1)),
]


def test_renew_checks_in_order_and_a_nak_changes_nothing(fw: Firmware, host: Host) -> None:
    host.command(set_cmd(entry(4, lease_ms=400)))
    t_set = fw.now_ms
    for name, payload, nak in RENEW_NAKS:
        assert host.answer(send(host, RENEW, payload)) == nak, name
    fw.advance_to(t_set + 400)
    assert fw.all_off()  # no NAKed RENEW moved the lease


def test_renew_stuck_before_off_then_state(fw: Firmware, host: Host) -> None:
    fw.set_stuck(index_of(1))
    assert host.answer(send(host, RENEW, renew(1500, 0, 3))) == Nak(NakCode.ZONE_STUCK, 1)
    fw.set_stuck(index_of(1), False)
    host.command(set_cmd(entry(4)))
    host.command(SoftStop(3000))
    assert host.answer(send(host, RENEW, renew(1500, 3))) == Nak(NakCode.BUSY, 0)


def test_renew_is_answered_from_the_duplicate_memory(fw: Firmware, host: Host, port: FirmwarePort) -> None:
    host.command(set_cmd(entry(4, lease_ms=500)))
    seq = send(host, RENEW, renew(500, index_of(4)))
    assert host.answer(seq) == Ack(RENEW)
    host.command(set_cmd(entry(4, intensity=0, motion=0, speed=0)))
    port.write(encode_frame(seq, RENEW, renew(500, index_of(4))))
    assert host.answer(seq) == Nak(ZONE_OFF, 4)  # a new command: the memory now holds the SET's answer
    retransmitted = send(host, RENEW, renew(500, index_of(4)))
    first = host.answer(retransmitted)
    port.write(encode_frame(retransmitted, RENEW, renew(500, index_of(4))))
    assert host.answer(retransmitted) == first


def test_status_can_list_only_the_zones_that_are_on(host: Host) -> None:
    host.command(set_cmd(entry(4, heat=1), entry(7, intensity=0, motion=2, speed=0)))
    reply = host.answer(send(host, MsgType.GET_STATUS, b"\x01"))
    assert isinstance(reply, Status) and reply.zones == (ZoneState(4, 6, 4, 2, 1),)
    full = host.command(GetStatus())
    assert isinstance(full, Status) and len(full.zones) == 11
    assert host.answer(send(host, MsgType.GET_STATUS, b"\x00")) == full  # flags 0: every zone
    assert host.answer(send(host, MsgType.GET_STATUS, b"\x02")) == Nak(NakCode.OUT_OF_RANGE, 0)
    assert host.answer(send(host, MsgType.GET_STATUS, b"\x01\x00")) == Nak(NakCode.MALFORMED, 0)


def test_a_10_host_never_sees_11_frames(fw: Firmware, host: Host) -> None:
    """The 1.0 controller's rhythm: SET renewals and HEARTBEATs only; every answer is a 1.0 message."""
    for i in range(12):
        assert host.command(set_cmd(entry(4)) if i % 4 == 0 else Heartbeat()) in (Ack(MsgType.SET),
                                                                                  Ack(MsgType.HEARTBEAT))
        fw.advance(0.15)
    assert status(host).state == DeviceState.ACTIVE
