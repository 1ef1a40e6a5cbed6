"""The player against the in-process simulator on a virtual clock: what the device did, step by step."""

from __future__ import annotations

import pytest

from controller.errors import DeviceFault, DeviceRejected, LinkClosed, SessionError
from controller.runs.player import Outcome, Snapshot
from controller.runs.session import State
from controller.safety.policy import SafetyPolicy
from programs import PROGRAMS_DIR
from sim.faults import FaultPlan
from tests.integration.harness import Run, actuation_s, expected, play, prepare, soft_stop_started, state_at

BUILT_INS = sorted(p.stem for p in PROGRAMS_DIR.glob("*.yaml"))


@pytest.mark.parametrize("profile", ["foot", "chair"])
@pytest.mark.parametrize("program", BUILT_INS)
def test_device_follows_the_compiled_timeline_step_for_step(program: str, profile: str) -> None:
    run = play(program, profile=profile)
    assert run.outcome == Outcome.COMPLETED
    for command in run.timeline.commands:
        start = run.origin + command.start_s
        assert state_at(run.device.timeline, start) == expected(command), (command.step, command.start_s)
        assert state_at(run.device.timeline, start + command.duration_s - 1e-6) == expected(command)
    end = run.origin + run.timeline.total_s
    assert state_at(run.device.timeline, end + run.session.soft_stop_ms / 1000) == {}
    assert run.session.state == State.READY


def test_the_device_never_holds_a_zone_the_program_did_not_ask_for() -> None:
    run = play("sleep")
    asked = {s.zone_id for c in run.timeline.commands for s in c.settings}
    assert {e.zone_id for e in run.device.timeline if not e.is_off} <= asked
    assert not [e for e in run.device.timeline if e.cause in ("lease", "watchdog")]


def _at(position_s: float, action: str) -> object:
    fired: list[bool] = []

    def tick(run: Run, snap: Snapshot) -> None:
        if not fired and snap.position_s >= position_s and snap.state == State.RUNNING:
            fired.append(True)
            getattr(run.player.controls, action)()
    return tick


def test_pause_turns_everything_off_and_resume_continues_where_it_was() -> None:
    paused_for = 20.0
    events: dict[str, float] = {}

    def tick(run: Run, snap: Snapshot) -> None:
        if "pause" not in events and snap.position_s >= 60 and snap.state == State.RUNNING:
            events["pause"] = run.clock.now()
            events["pos"] = snap.position_s
            run.player.controls.pause()
        elif "pause" in events and "resume" not in events and run.clock.now() >= events["pause"] + paused_for:
            events["resume"] = run.clock.now()
            run.player.controls.resume()

    run = play("circulation-warmup", on_tick=tick)
    assert run.outcome == Outcome.COMPLETED
    assert state_at(run.device.timeline, events["pause"] + 1e-6) == {}
    assert state_at(run.device.timeline, events["resume"] - 1e-3) == {}
    after = [e for e in run.device.timeline if e.t >= events["resume"] and not e.is_off]
    k = run.player.index_at(events["pos"])
    target = max(s.intensity for s in run.timeline.commands[k].settings)
    assert after and max(e.intensity for e in after if e.t == after[0].t) < target  # ramps up again
    # the program resumed at the same point: it ends `paused_for` later than it would have
    assert soft_stop_started(run) == pytest.approx(
        run.origin + run.timeline.total_s + (events["resume"] - events["pause"]))


def test_intensity_up_raises_every_zone_within_the_limit() -> None:
    run = play("circulation-warmup", on_tick=_at(100, "intensity_up"))
    k = run.player.index_at(200)
    at = run.origin + 200 + 1  # offset applies from 100 s on; 200 s is well past the ramp
    want = {s.zone_id: min(s.intensity + 1, 8) for s in run.timeline.commands[k].settings if s.intensity}
    got = {z: st[1] for z, st in state_at(run.device.timeline, at).items()}
    assert got == want


def test_skip_jumps_to_the_next_step() -> None:
    run = play("circulation-warmup", on_tick=_at(10, "skip"))
    first_step = run.timeline.commands[0].step
    second = next(c for c in run.timeline.commands if c.step != first_step)
    skipped_at = next(a.t for a in run.device.applied if a.t >= run.origin + 10)
    assert state_at(run.device.timeline, run.origin + 10 - 1e-3) == expected(run.player.commands[1])
    assert state_at(run.device.timeline, skipped_at) == expected(second)  # the next step's first command
    assert any("skipped to 90 s" in n for n in run.notes)
    assert soft_stop_started(run) < run.origin + run.timeline.total_s - 1


def test_stop_ramps_down_softly_and_reports_stopped() -> None:
    run = play("sleep", on_tick=_at(30, "stop"))
    assert run.outcome == Outcome.STOPPED
    ramp = [e for e in run.device.timeline if e.cause == "soft_stop"]
    assert ramp and len({e.t for e in ramp}) > 1  # several steps down, not one jump
    assert state_at(run.device.timeline, ramp[-1].t) == {}
    assert ramp[-1].t - ramp[0].t <= run.session.soft_stop_ms / 1000 + 0.11


def test_emergency_stop_turns_everything_off_at_once_and_latches() -> None:
    run = play("circulation-warmup", on_tick=_at(45, "emergency_stop"))
    assert run.outcome == Outcome.EMERGENCY_STOP
    estop = [e for e in run.device.timeline if e.cause == "estop"]
    assert estop and len({e.t for e in estop}) == 1
    assert state_at(run.device.timeline, estop[0].t) == {}
    assert run.session.state == State.EMERGENCY_STOP
    with pytest.raises(SessionError, match="cannot start while emergency stop"):
        run.session.fire("start")


def test_session_limit_ends_a_long_program_with_a_soft_stop() -> None:
    run = play("sleep", policy=SafetyPolicy(session_limit_s=120))
    assert run.outcome == Outcome.SESSION_LIMIT
    # the soft stop starts one ramp early, so the device is off by the limit (its ramp is massage too)
    ramp_s = run.session.soft_stop_ms / 1000
    assert soft_stop_started(run) == pytest.approx(run.origin + 120 - ramp_s)
    assert state_at(run.device.timeline, run.origin + 120) == {}
    assert actuation_s(run.device.timeline, run.clock.now()) == pytest.approx(120)


def test_unplugged_device_is_a_fault_and_its_watchdog_stops_it() -> None:
    run = play("circulation-warmup", faults=FaultPlan(disconnect_at=50.0))
    run.device.advance(run.clock.now() + 5.0)  # the unplugged device's own time goes on
    assert run.outcome == Outcome.FAULT
    assert isinstance(run.session.error, LinkClosed)
    assert run.session.state == State.FAULT
    dog = [e for e in run.device.timeline if e.cause == "watchdog"]
    last_frame = max(a.t for a in run.device.applied)
    assert dog and dog[0].t <= 50.0 + 0.4 + 1e-9 and last_frame <= 50.0
    assert state_at(run.device.timeline, dog[0].t) == {}
    assert any("fault" in n and "step" in n for n in run.notes)


def test_overheating_device_stops_the_session_with_a_device_fault() -> None:
    run = play("sleep", faults=FaultPlan(overheat_at=30.0))
    assert run.outcome == Outcome.FAULT
    # whichever reaches the host first: the device's EVENT OVERHEAT or its NAK OVERHEAT to a renewal
    assert isinstance(run.session.error, DeviceFault | DeviceRejected)
    assert "overheat" in str(run.session.error)
    cut = next(e.t for e in run.device.timeline if e.cause == "overheat")
    assert state_at(run.device.timeline, cut) == {}
    assert not [a for a in run.device.applied if a.t > cut]


def test_device_reset_mid_program_is_a_fault_never_resumed() -> None:
    run = play("circulation-warmup", faults=FaultPlan(reset_at=40.0), reconnect=True)
    assert run.outcome == Outcome.FAULT
    assert not [a for a in run.device.applied if a.t > 40.0]


def test_power_up_reset_event_before_the_handshake_belongs_to_no_session() -> None:
    """The device announces its power-up with EVENT RESET (§6.6); that precedes this session."""
    from controller.clock import VirtualClock
    from controller.runs.session import Session
    from controller.wire.link import Link
    from sim import make_pair

    clock = VirtualClock()
    transport, device = make_pair(clock)
    session = Session(lambda: Link(transport, clock), clock, lambda c, p, r, h, t: r)
    session.fire("connect")
    assert device.events[0].code.name == "RESET" and session.state == State.READY
    assert session.take_events() == []
    device.press_stop_button(clock.now())
    session.poll_events(0.01)
    assert [e.code for e in session.take_events()] == [1]  # events after the handshake do arrive
    assert session.take_events() == []  # taken once


def test_silent_device_is_a_link_timeout_fault_and_says_where_it_stopped() -> None:
    from controller.errors import LinkTimeout

    run = play("circulation-warmup", faults=FaultPlan(awol_at=70.0))
    assert run.outcome == Outcome.FAULT
    assert isinstance(run.session.error, LinkTimeout)
    assert "did not answer" in str(run.session.error)
    assert any(n.startswith("fault:") and "step" in n for n in run.notes)
    assert not [a for a in run.device.applied if a.t > 70.0 + 1e-9]


def test_emergency_stop_while_waiting_to_reconnect_says_so() -> None:
    from tests.integration.harness import prepare

    run = prepare("circulation-warmup", faults=FaultPlan(disconnect_at=30.0), reconnect=True)

    def note(text: str) -> None:  # the user presses `e` as the fault is announced
        run.notes.append(text)
        if text.startswith("fault:"):
            run.player.controls.emergency_stop()

    run.player.on_note = note
    assert run.player.run() == Outcome.EMERGENCY_STOP
    assert not [a for a in run.device.applied if a.t > 30.0]


def test_in_process_reconnect_resumes_the_interrupted_step() -> None:
    run = play("circulation-warmup", faults=FaultPlan(disconnect_at=30.0), reconnect=True)
    assert run.outcome == Outcome.COMPLETED
    assert any(n.startswith("reconnected: resuming step") for n in run.notes)
    assert [a for a in run.device.applied if a.t > 30.0]


def test_time_spent_announcing_a_start_does_not_shift_the_program() -> None:
    """The program's position counts from the SET that started it, not from when the state change's
    subscribers (a log, MQTT, the live view) are done: a 200 ms subscriber left every step 200 ms late
    against the first (the serve benchmark's onsets showed it as a constant offset per device)."""
    run = prepare()
    clock = run.clock

    def slow_subscriber(state: str, _kind: str) -> None:
        if state == State.RUNNING:
            clock.advance(0.2)

    run.session._on_state = slow_subscriber
    assert run.player.run() == Outcome.COMPLETED
    for command in run.timeline.commands:
        start = run.origin + command.start_s
        assert state_at(run.device.timeline, start) == expected(command), (command.step, command.start_s)
        assert state_at(run.device.timeline, start + command.duration_s - 1e-6) == expected(command)
