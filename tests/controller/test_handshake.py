"""What a host refuses in a handshake (firmware_protocol.md §3.2, §9), the cadence it plans from a device's
limits, and the pacer that keeps a slow line's handshake within its share.

The device here is scripted: it answers HELLO and GET_ZONE with exactly the replies a test gives it, so
every rule is tried on its own, through the session as a run meets it; each refusal must say what is
wrong, and no actuator frame (SET, RENEW, SOFT_STOP) may have been sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from controller.clock import VirtualClock
from controller.errors import NotAMassager, ProtocolError, UnsupportedDevice, VersionMismatch
from controller.runs.session import Session, State
from controller.wire import codec
from controller.wire.handshake import Pacer, plan_cadence
from controller.wire.link import Link
from controller.wire.protocol import (
    Ack,
    Frame,
    GetZone,
    Hello,
    HelloReply,
    Message,
    MsgType,
    Nak,
    NakCode,
    ZoneInfo,
)
from controller.wire.timing import Cadence

GOOD = HelloReply(major=1, minor=1, simulator=False, has_heater=True, boot_count=3, reset_cause=0,
                  intensity_max=10, speed_max=5, heat_max=2, max_temp_dC=450, max_session_s=1800,
                  watchdog_ms=400, max_lease_ms=2000, motions=(1, 2, 6), zone_count=3, model="Foot",
                  firmware="1.1.0", serial="")
ZONES = (ZoneInfo(0, 1, False, "toe_tips"), ZoneInfo(1, 4, True, "kidney"), ZoneInfo(2, 6, False, "heel"))
ACTUATORS = {MsgType.SET, MsgType.RENEW, MsgType.SOFT_STOP}


@dataclass
class Scripted:
    """A device answering HELLO and GET_ZONE from a script, ACK to anything else; it notes what it got."""

    hello: HelloReply
    zones: tuple[ZoneInfo, ...]
    clock: VirtualClock = field(default_factory=VirtualClock)
    received: list[Frame] = field(default_factory=list)
    pending: bytes = b""

    def write(self, data: bytes) -> None:
        for piece in data.split(b"\x00")[:-1]:
            if piece:
                frame = codec.decode_frame(piece)
                self.received.append(frame)
                self.pending += codec.encode_frame(frame.seq, self._answer(frame.message))

    def _answer(self, msg: Message) -> Message:
        if isinstance(msg, Hello):
            return self.hello
        if isinstance(msg, GetZone):
            return self.zones[msg.index] if msg.index < len(self.zones) else Nak(NakCode.OUT_OF_RANGE, 0)
        return Ack(msg.TYPE)

    def read(self, max_bytes: int, timeout_s: float) -> bytes:
        """What is pending, or nothing once `timeout_s` have passed on the virtual clock."""
        data, self.pending = self.pending, b""
        if not data:
            self.clock.advance(max(0.0, timeout_s))
        return data

    def close(self) -> None:
        pass


def connect(hello: HelloReply, zones: tuple[ZoneInfo, ...] = ZONES) -> tuple[Session, Scripted]:
    device = Scripted(hello, zones)
    clock = device.clock
    session = Session(lambda: Link(device, clock), clock, lambda caps, prev, req, held, temp: req)
    session.fire("connect")
    return session, device


def test_a_good_device_is_accepted() -> None:
    session, device = connect(GOOD)
    assert session.state == State.READY and session.capabilities is not None
    assert [z.name for z in session.capabilities.zones] == ["toe_tips", "kidney", "heel"]
    assert [f.message.TYPE for f in device.received] == [MsgType.HELLO] + [MsgType.GET_ZONE] * 3
    assert device.received[0].message == Hello(1, 1)  # a 1.1 host says so


HELLO_REFUSALS: list[tuple[str, dict[str, Any], str]] = [
    ("watchdog too short", {"watchdog_ms": 99}, "watchdog_ms 99 is outside 100…500"),
    ("watchdog too long", {"watchdog_ms": 501}, "watchdog_ms 501 is outside 100…500"),
    ("lease too short", {"max_lease_ms": 99}, "max_lease_ms 99 is outside 100…2000"),
    ("lease too long", {"max_lease_ms": 2001}, "max_lease_ms 2001 is outside 100…2000"),
    ("no zones", {"zone_count": 0}, "zone count 0 is outside 1…32"),
    ("too many zones", {"zone_count": 33}, "zone count 33 is outside 1…32"),
    ("no intensity", {"intensity_max": 0}, "intensity_max is 0"),
    ("no speed", {"speed_max": 0}, "speed_max is 0"),
    ("no motion", {"motions": ()}, "no motion this host knows"),
    ("only future motions", {"motions": (10, 12, 15)}, "no motion this host knows"),
    ("empty model", {"model": ""}, "an empty model name"),
    ("empty firmware", {"firmware": ""}, "an empty firmware version"),
    ("heater flag without heat levels", {"heat_max": 0}, "has_heater and heat_max disagree"),
    ("heat levels without the flag", {"has_heater": False}, "has_heater and heat_max disagree"),
]


@pytest.mark.parametrize(("change", "says"), [(c, s) for _, c, s in HELLO_REFUSALS],
                         ids=[name for name, _, _ in HELLO_REFUSALS])
def test_a_hello_reply_breaking_section_3_2_is_refused_with_a_clear_message(change: dict[str, Any],
                                                                             says: str) -> None:
    session, device = connect(replace(GOOD, **change))
    assert session.state == State.FAULT
    assert isinstance(session.error, ProtocolError) and says in str(session.error)
    assert "refusing to drive it" in str(session.error)
    assert not ACTUATORS & {f.message.TYPE for f in device.received}
    assert MsgType.GET_ZONE not in {f.message.TYPE for f in device.received}  # refused on the HELLO_REPLY


def test_several_problems_are_all_named() -> None:
    session, _ = connect(replace(GOOD, watchdog_ms=50, model="", motions=(11,)))
    text = str(session.error)
    assert "watchdog_ms 50" in text and "empty model" in text and "no motion" in text


ZONE_REFUSALS: list[tuple[str, tuple[ZoneInfo, ...], str]] = [
    ("zone id 0", (ZoneInfo(0, 0, False, "toe_tips"), *ZONES[1:]), "zone id 0, which is reserved"),
    ("zone id 255", (*ZONES[:2], ZoneInfo(2, 255, False, "heel")), "zone id 255, which is reserved"),
    ("a zone twice", (*ZONES[:2], ZoneInfo(2, 4, False, "heel")), "zone id 4 twice"),
    ("a bad zone name", (*ZONES[:2], ZoneInfo(2, 6, False, "Heel\x1b[2J")), "is not 1-24 lower-case"),
    ("the wrong index", (*ZONES[:2], ZoneInfo(5, 6, False, "heel")), "asked for zone 2"),
    ("heater but no heated zone", tuple(replace(z, heated=False) for z in ZONES), "no zone is heated"),
]


@pytest.mark.parametrize(("zones", "says"), [(z, s) for _, z, s in ZONE_REFUSALS],
                         ids=[name for name, _, _ in ZONE_REFUSALS])
def test_zone_info_breaking_the_rules_is_refused(zones: tuple[ZoneInfo, ...], says: str) -> None:
    session, device = connect(GOOD, zones)
    assert session.state == State.FAULT
    assert isinstance(session.error, ProtocolError) and says in str(session.error), session.error
    assert not ACTUATORS & {f.message.TYPE for f in device.received}


def test_a_heated_zone_on_a_device_without_a_heater_is_refused() -> None:
    hello = replace(GOOD, has_heater=False, heat_max=0)
    session, _ = connect(hello)
    assert isinstance(session.error, ProtocolError) and "a zone is heated" in str(session.error)
    ok, _ = connect(hello, tuple(replace(z, heated=False) for z in ZONES))
    assert ok.state == State.READY


def test_another_major_is_a_version_mismatch_and_silence_is_not_a_massager() -> None:
    session, _ = connect(replace(GOOD, major=2))
    assert isinstance(session.error, VersionMismatch) and "protocol 2.1" in str(session.error)
    mute = Scripted(GOOD, ZONES)
    mute.write = lambda data: None  # type: ignore[method-assign]
    with pytest.raises(NotAMassager):
        Link(mute, mute.clock).handshake()
    assert mute.clock.now() == pytest.approx(0.5)  # five tries of 100 ms


def test_the_link_speaks_the_lower_minor() -> None:
    for minor, speaks in ((0, 0), (1, 1), (7, 1)):
        device = Scripted(replace(GOOD, minor=minor), ZONES)
        link = Link(device, device.clock)
        caps = link.handshake()
        assert link.minor == speaks and caps.protocol == (1, minor)


# --- the cadence a device's limits ask for (§5) --------------------------------------------------

def test_the_reference_device_keeps_the_documents_periods() -> None:
    assert plan_cadence(GOOD, 1, 115200) == Cadence(lease_ms=1500, renew_s=0.5, keepalive_s=0.15,
                                                    reply_timeout_s=0.1)
    slow = replace(Cadence(), reply_timeout_s=0.3)
    assert plan_cadence(GOOD, 1, 9600) == plan_cadence(GOOD, 0, 9600) == slow


def test_short_limits_shorten_every_period_in_proportion() -> None:
    least = replace(GOOD, watchdog_ms=100, max_lease_ms=100)
    cadence = plan_cadence(least, 1, 115200)
    assert cadence.lease_ms == 100
    assert cadence.renew_s == pytest.approx(0.04) and cadence.keepalive_s == pytest.approx(0.0375)
    # a renewal lost on the way is sent again 50 ms later, 10 ms before the lease it renews runs out
    assert cadence.reply_timeout_s == pytest.approx(0.05)
    assert plan_cadence(replace(GOOD, max_lease_ms=1000), 1, None).renew_s == pytest.approx(0.4)


@pytest.mark.parametrize(("hello", "minor"), [
    (replace(GOOD, watchdog_ms=100, max_lease_ms=100), 1),   # a RENEW round trip is 44 ms, renewals 40 ms
    (replace(GOOD, max_lease_ms=250, zone_count=11), 0),     # a 1.0 SET of 11 zones: 119 ms, renewals 100
    (replace(GOOD, zone_count=32), 0),                         # a full 32-zone STATUS outlasts 150 ms
], ids=["1.1 least limits", "1.0 short lease", "1.0 many zones"])
def test_limits_a_slow_line_cannot_carry_are_refused(hello: HelloReply, minor: int) -> None:
    with pytest.raises(UnsupportedDevice, match="at 9600 baud.*--baud 115200"):
        plan_cadence(hello, minor, 9600)
    plan_cadence(hello, minor, 115200)  # the same device is fine on a fast line


def test_the_refusal_reaches_the_session_before_any_zone_is_asked_for() -> None:
    device = Scripted(replace(GOOD, watchdog_ms=100, max_lease_ms=100), ZONES)
    device.line_baud = 9600  # type: ignore[attr-defined]
    clock = device.clock
    session = Session(lambda: Link(device, clock), clock, lambda caps, prev, req, held, temp: req)
    session.fire("connect")
    assert isinstance(session.error, UnsupportedDevice)
    assert [f.message.TYPE for f in device.received] == [MsgType.HELLO]


# --- the pacer ------------------------------------------------------------------------------

def test_the_pacer_waits_until_the_oldest_bytes_leave_the_window() -> None:
    pacer = Pacer(9600, share=0.125)  # 120 bytes a second each way
    assert pacer.ready_at(0.0, 8, 36) == 0.0
    pacer.note("tx", 0.0, 10)
    pacer.note("rx", 0.0, 60)
    pacer.note("rx", 0.3, 40)
    assert pacer.ready_at(0.3, 8, 10) == 0.3       # 110 of 120 received in the last second: room
    assert pacer.ready_at(0.3, 8, 36) == 1.0       # room once the 60 bytes from 0.0 leave
    pacer.note("rx", 1.2, 100)
    assert pacer.ready_at(1.2, 8, 36) == 2.2       # the 40 from 0.3 gone at 1.3 is not enough
    assert pacer.ready_at(5.0, 8, 36) == 5.0
