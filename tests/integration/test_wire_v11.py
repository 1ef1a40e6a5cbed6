"""What the host puts on the wire (firmware_protocol.md 1.1, §5, §9), against the simulator on the virtual
clock: 1.1 messages to a 1.1 device and 1.0 to a 1.0 one, the device's own limits honoured, a lost link
declared within a second, and a slow line never more than a quarter full."""

from __future__ import annotations

from dataclasses import replace

import pytest

from controller.clock import VirtualClock
from controller.errors import LinkClosed, LinkTimeout, UnsupportedDevice
from controller.runs.player import Outcome, Player, Snapshot
from controller.runs.session import Session, State
from controller.timeline import Command
from controller.wire.link import Link
from controller.wire.protocol import MsgType, SetEntry
from controller.wire.timing import ASK_EVERY_S, LOST_AFTER_S
from sim.device import Device
from sim.pair import SimTransport
from sim.profiles import CHAIR, FOOT
from sim.protocol import EventCode
from tests.integration.harness import state_at
from tests.integration.wire_parts import Device10, Recorder, WireRun, build, windows

ACTUATOR_FRAMES = {MsgType.SET, MsgType.RENEW, MsgType.SOFT_STOP}
SMALLEST = replace(FOOT, watchdog_ms=100, max_lease_ms=100)  # the least §3.2 allows
EPS = 1e-9


def _playing(run: WireRun) -> tuple[float, float]:
    """From the first SET to the soft stop at the end."""
    times = [(t, f.message.TYPE) for t, f in run.wire.sent]
    start = next(t for t, kind in times if kind == MsgType.SET)
    end = next(t for t, kind in times if kind == MsgType.SOFT_STOP)
    return start, end


def _gaps(times: list[float]) -> float:
    return max((b - a for a, b in zip(times, times[1:], strict=False)), default=0.0)


def test_a_1_1_device_gets_keepalive_renew_and_the_compact_status() -> None:
    run = build("sleep")
    assert run.player.run() == Outcome.COMPLETED
    kinds = run.wire.sent_types()
    assert kinds.count(MsgType.KEEPALIVE) > kinds.count(MsgType.SET) > 0
    assert run.device.counters.keepalives == kinds.count(MsgType.KEEPALIVE)
    assert run.device.counters.renewals == kinds.count(MsgType.RENEW) > 0
    polls = [f.message for _t, f in run.wire.sent if f.message.TYPE == MsgType.GET_STATUS]
    assert polls and all(p.flags == 1 for p in polls)  # type: ignore[union-attr]
    # a RENEW is sent only for what the device holds unchanged: the zones it names are exactly the on ones
    assert not [e for e in run.device.events if e.code == EventCode.LEASE_EXPIRED]


@pytest.mark.parametrize("profile", [FOOT, CHAIR], ids=["foot", "chair"])
def test_a_1_0_device_is_spoken_to_in_1_0_and_the_program_plays_the_same(profile: object) -> None:
    old = build("circulation-warmup", profile=profile, device_class=Device10)  # type: ignore[arg-type]
    new = build("circulation-warmup", profile=profile)  # type: ignore[arg-type]
    assert old.player.run() == new.player.run() == Outcome.COMPLETED
    assert isinstance(old.device, Device10) and old.device.v11_frames == 0
    kinds = old.wire.sent_types()
    assert MsgType.KEEPALIVE not in kinds and MsgType.RENEW not in kinds and MsgType.HEARTBEAT in kinds
    assert old.session.link is None or old.session.link.minor == 0
    # the same actuator timeline either way: only the frames that carried it differ
    origin_old, origin_new = old.device.applied[0].t, new.device.applied[0].t
    for second in range(0, int(old.player.timeline.total_s), 7):
        assert state_at(old.device.timeline, origin_old + second + 0.5) == state_at(
            new.device.timeline, origin_new + second + 0.5)


def test_a_renew_for_a_zone_that_went_off_unseen_is_followed_by_the_full_set() -> None:
    """A lost EVENT LEASE_EXPIRED: the next RENEW gets NAK ZONE_OFF, and the host sends the SET (§3.10)."""
    run = build("sleep")
    run.wire.drop_events = True
    session, clock = run.session, run.clock  # connected: the timeline is compiled for the device
    setting = run.player.commands[0].settings[:1]
    session.fire("start", setting)
    held = {(z.zone, z.intensity) for z in run.device.zones.states(only_on=True)}
    assert held
    while clock.now() < run.device.applied[0].t + 1.6:  # keep-alives only: the 1.5 s lease runs out
        clock.advance(session.cadence.keepalive_s)
        session.keep_alive()
    assert not run.device.zones.states(only_on=True)
    session.apply(setting)
    assert session.state == State.RUNNING, session.error
    assert run.wire.sent_types()[-2:] == [MsgType.RENEW, MsgType.SET]
    assert {(z.zone, z.intensity) for z in run.device.zones.states(only_on=True)} == held


@pytest.mark.parametrize("device_class", [Device10, None], ids=["1.0", "1.1"])
def test_a_device_with_the_smallest_limits_is_never_starved(device_class: type | None) -> None:
    """watchdog_ms and max_lease_ms 100 (§3.2's least): 100 ms leases renewed every 40 ms, keep-alives at
    37.5 ms; a whole program without a watchdog trip or an expired lease."""
    run = build("sleep", profile=SMALLEST, **({"device_class": device_class} if device_class else {}))
    assert run.player.run() == Outcome.COMPLETED, run.session.error
    assert run.player.timeline.total_s > 600
    assert not [e for e in run.device.events if e.code in (EventCode.WATCHDOG, EventCode.LEASE_EXPIRED)]
    assert {e.lease_ms for a in run.device.applied for e in a.entries} == {100}
    start, end = _playing(run)
    sent = [t for t, _f in run.wire.sent if start <= t <= end]
    assert _gaps(sent) <= 0.0375 + EPS  # 3/8 of the watchdog
    assert run.session.cadence.renew_s == pytest.approx(0.04)


def test_a_device_whose_limits_the_line_cannot_carry_is_refused_before_any_actuator_frame() -> None:
    clock = VirtualClock()
    wire = Recorder(SimTransport(clock, Device(SMALLEST, clock.now())), clock, line_baud=9600)
    session = Session(lambda: Link(wire, clock), clock, lambda caps, prev, req, held, temp: req)
    session.fire("connect")
    assert session.state == State.FAULT and isinstance(session.error, UnsupportedDevice)
    assert "9600 baud" in str(session.error) and "--baud 115200" in str(session.error)
    assert not ACTUATOR_FRAMES & set(wire.sent_types())
    assert wire.sent_types() == [MsgType.HELLO]  # refused before any GET_ZONE, the port closed


def _silence_when(state: State, position_s: float = 20.0):  # type: ignore[no-untyped-def]
    """An on_tick that puts the player in `state` and then makes the device fall silent (it stops sending
    anything, as a cut cable or a hung firmware would)."""
    def tick(run: WireRun, snap: Snapshot) -> None:
        if run.device._out._silent_from is not None or snap.position_s < position_s:
            return
        if state == State.PAUSED and snap.state == State.RUNNING:
            run.player.controls.pause()
        elif state == State.STOPPING and snap.state == State.RUNNING:
            run.player.controls.stop()
        elif snap.state == state:
            run.device._out._silent_from = run.clock.now()
    return tick


@pytest.mark.parametrize("line_baud", [None, 9600], ids=["115200", "9600"])
@pytest.mark.parametrize("state", [State.RUNNING, State.PAUSED, State.STOPPING])
@pytest.mark.parametrize("device_class", [None, Device10], ids=["1.1", "1.0"])
def test_a_silent_device_is_declared_lost_within_a_second(line_baud: int | None, state: State,
                                                          device_class: type | None) -> None:
    kwargs = {"device_class": device_class} if device_class else {}
    run = build("sleep", line_baud=line_baud, on_tick=_silence_when(state), **kwargs)
    assert run.player.run() == Outcome.FAULT
    silent = run.device._out._silent_from
    assert silent is not None
    assert isinstance(run.session.error, LinkTimeout)
    # the host gives up and sends its emergency stop (in case the device still hears it) at once
    estop_at = next(t for t, f in run.wire.sent if f.message.TYPE == MsgType.ESTOP)
    assert 0 < estop_at - silent <= LOST_AFTER_S + EPS
    assert run.states[-1][1] == State.FAULT


def test_an_answered_request_at_least_every_half_second_while_playing() -> None:
    """Keep-alives need no answer, so the host asks something answered often enough (§9) — here the
    lease renewals, and a HEARTBEAT in their place when no zone is on."""
    for profile in (FOOT, CHAIR):
        run = build("back-pain-arch", profile=profile)
        assert run.player.run() == Outcome.COMPLETED
        start, end = _playing(run)
        asked = [t for t, f in run.wire.sent if start <= t <= end and f.message.TYPE != MsgType.KEEPALIVE]
        assert _gaps(asked) <= ASK_EVERY_S + EPS
        everything = [t for t, _f in run.wire.sent if start <= t <= end]
        assert _gaps(everything) <= 0.15 + EPS  # §5's keep-alive, unchanged


@pytest.mark.parametrize("profile", [FOOT, CHAIR], ids=["foot", "chair"])
def test_the_handshake_at_9600_takes_at_most_a_quarter_of_the_line_each_way(profile: object) -> None:
    run = build("sleep", profile=profile, line_baud=9600)  # type: ignore[arg-type]  # connected
    assert run.session.state == State.READY
    assert run.session.capabilities is not None and len(run.session.capabilities.zones) > 1
    budget = 0.25 * 9600 / 10
    assert max(windows(run.wire.bytes_sent)) <= budget and max(windows(run.wire.bytes_received)) <= budget
    assert run.clock.now() > 1.0  # paced: it did not all go in the first instant
    assert not [e for e in run.device.events if e.code == EventCode.WATCHDOG]  # fed while the host waited
    fast = build("sleep", profile=profile, line_baud=115200)  # type: ignore[arg-type]
    assert fast.clock.now() == 0.0  # a fast line has room: no pacing


def test_leases_follow_the_device() -> None:
    short = replace(FOOT, max_lease_ms=800)
    run = build("circulation-warmup", profile=short)
    assert run.player.run() == Outcome.COMPLETED
    assert {e.lease_ms for a in run.device.applied for e in a.entries} == {800}
    assert run.session.cadence.renew_s == pytest.approx(0.32)
    assert not [e for e in run.device.events if e.code == EventCode.LEASE_EXPIRED]
    assert SetEntry  # the entries the device applied are the host's, field for field


def test_while_waiting_for_a_lost_answer_a_1_1_device_still_gets_its_keepalives() -> None:
    """The least watchdog (100 ms) is shorter than a reply timeout plus a keep-alive: a lost ACK must not
    starve it, so the link sends KEEPALIVE during the wait (§9); and the reply timeout is short enough
    (50 ms for a 100 ms lease) that the renewal is sent again before its lease runs out."""
    run = build("sleep", profile=SMALLEST)
    lost: list[float] = []
    read = run.wire.inner.read

    def lose_one_ack(max_bytes: int, timeout_s: float) -> bytes:
        data = read(max_bytes, timeout_s)
        if not lost and run.clock.now() > 30 and b"\x00" in data:  # one reply, mid-program, never arrives
            lost.append(run.clock.now())
            return b""
        return data

    run.wire.inner.read = lose_one_ack  # type: ignore[method-assign]
    assert run.player.run() == Outcome.COMPLETED, run.session.error
    assert lost and run.session.link is not None and run.session.link.counters.retransmits == 1
    assert run.session.link.reply_timeout_s == pytest.approx(0.05)
    around = [(t, f.message.TYPE) for t, f in run.wire.sent if lost[0] - 0.01 <= t <= lost[0] + 0.06]
    assert MsgType.KEEPALIVE in [k for _t, k in around]  # 37.5 ms into the 50 ms wait
    assert _gaps([t for t, _k in around]) <= 0.0375 + EPS
    assert not [e for e in run.device.events if e.code in (EventCode.WATCHDOG, EventCode.LEASE_EXPIRED)]


def test_the_links_counters_say_what_went_over_the_wire_and_a_closed_link_refuses() -> None:
    run = build("circulation-warmup")
    assert run.player.run() == Outcome.COMPLETED
    link, kinds = run.session.link, run.wire.sent_types()
    assert link is not None
    c = link.counters
    assert c.sent == len(kinds) + 1  # and the 0x00 that flushes the device's receive buffer first
    assert c.keepalives == kinds.count(MsgType.KEEPALIVE) > 0
    assert c.replies == len(kinds) - c.keepalives == len(run.wire.received) - c.events
    assert c.events == len([f for _t, f in run.wire.received if f.message.TYPE == MsgType.EVENT]) > 0
    assert c.naks == c.retransmits == c.stale_replies == c.rejected_frames == c.garbage_bytes == 0
    link.close()
    link.close()  # twice is harmless
    with pytest.raises(LinkClosed, match="closed"):
        link.keep_alive()
    with pytest.raises(LinkClosed, match="closed"):
        link.poll()


def test_a_step_with_nothing_on_is_kept_alive_not_spun_on() -> None:
    """Nothing to renew is a renewal done: the player then keeps the device alive, as for any gap."""
    run = build("circulation-warmup")
    first = run.player.commands[0]
    rest = Command(start_s=first.end_s, duration_s=5.0, step=first.step + 1, step_name="rest", settings=())
    then = replace(first, start_s=rest.end_s, step=rest.step + 1)
    timeline = replace(run.player.timeline, commands=(first, rest, then))
    player = Player(run.session, timeline, session_limit_s=run.player.session_limit_s)
    assert player.run() == Outcome.COMPLETED, run.session.error
    assert not [e for e in run.device.events if e.code == EventCode.WATCHDOG]
    origin = run.device.applied[0].t
    assert state_at(run.device.timeline, origin + rest.start_s + 2.5) == {}
    resting = [t for t, _f in run.wire.sent if origin + rest.start_s < t < origin + rest.end_s]
    assert 30 <= len(resting) <= 40 and _gaps(resting) <= 0.15 + EPS  # keep-alives, not a spin
