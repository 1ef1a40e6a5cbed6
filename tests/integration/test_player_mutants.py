"""Player behaviour the whole-module mutation run found unpinned (issue 14, tests/mutation/README.md): its
deadlines, the requests it takes and the device events it handles (the link's loss and the reconnect: in
test_player_mutants_link.py). Each test reads what the simulated device did, or what the player said.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from controller.runs.player import STOP_GRACE_S, Outcome, Snapshot
from controller.runs.session import State
from controller.safety.limits import DEVICE_CAP_MARGIN_S, HARD_MAX_SESSION_S
from controller.safety.policy import SafetyPolicy
from controller.wire.protocol import Event, EventCode
from controller.wire.timing import STATUS_EVERY_HEATED_S, STATUS_EVERY_S
from sim.faults import FaultPlan
from sim.profiles import FOOT
from tests.integration.harness import Run, actuation_s, expected, play, prepare, soft_stop_started, state_at
from tests.integration.player_parts import (
    chain,
    first_tick_in,
    inject,
    presses,
    request_at,
    two_steps,
    without_stopped_events,
)
from tests.integration.test_intensity_offset import NEAR_THE_CAP


def test_a_limit_off_the_renewal_grid_starts_the_final_soft_stop_exactly_one_ramp_before_it() -> None:
    """100.25 s falls between two renewals (every 0.5 s from the first SET): the player wakes for the
    limit itself, and the soft stop has its whole ramp."""
    times: dict[str, float] = {}
    run = play("sleep", policy=SafetyPolicy(session_limit_s=100.25),
               on_tick=first_tick_in(State.STOPPING, times, "stopping"))
    assert run.outcome == Outcome.SESSION_LIMIT, run.notes
    ramp_s = run.session.soft_stop_ms / 1000
    assert times["stopping"] == pytest.approx(run.origin + 100.25 - ramp_s, abs=1e-6)
    assert actuation_s(run.device.timeline, run.clock.now()) == pytest.approx(100.25, abs=1e-6)


def test_a_lost_stopped_event_ends_the_stop_by_status_one_grace_after_the_ramp() -> None:
    """EVENT STOPPED never reaches the player (a line fault): it asks the device by STATUS exactly
    STOP_GRACE_S after the ramp, and the run ends stopped."""
    times: dict[str, float] = {}
    run = prepare("circulation-warmup",
                  on_tick=chain(request_at(30.0, "stop", times), first_tick_in(State.READY, times, "ready")))
    without_stopped_events(run)
    run.outcome = run.player.run()
    assert run.outcome == Outcome.STOPPED, run.notes
    ramp_s = run.session.soft_stop_ms / 1000
    assert times["ready"] == pytest.approx(times["stop"] + ramp_s + STOP_GRACE_S, abs=1e-6)
    assert state_at(run.device.timeline, times["stop"] + ramp_s) == {}


def test_a_long_pause_ends_the_session_exactly_one_margin_before_the_devices_cap() -> None:
    """The device's cap counts wall time, pauses included. 1797 s puts the moment to stop between two of
    the pause's STATUS readings (every 5 s from the first SET): the player wakes for it."""
    times: dict[str, float] = {}

    def pause_once(run: Run, snap: Snapshot) -> None:
        if "pause" not in times and snap.state == State.RUNNING and snap.position_s >= 60.05:
            times["pause"] = run.clock.now()
            run.player.controls.pause()

    run = play("sleep", profile=replace(FOOT, max_session_s=1797),
               policy=SafetyPolicy(session_limit_s=HARD_MAX_SESSION_S),
               on_tick=chain(pause_once, first_tick_in(State.STOPPING, times, "stopping")))
    assert run.outcome == Outcome.SESSION_LIMIT, run.notes
    caps = run.session.capabilities
    assert caps is not None and caps.max_session_s == 1797
    assert times["stopping"] == pytest.approx(run.origin + caps.max_session_s - DEVICE_CAP_MARGIN_S, abs=1e-6)
    assert any("device's own session cap" in n for n in run.notes)


def test_status_is_read_every_second_while_heating_and_every_five_otherwise() -> None:
    run = prepare("sleep", policy=SafetyPolicy(session_limit_s=HARD_MAX_SESSION_S))
    polls: list[tuple[float, bool]] = []
    poll = run.session.poll_status

    def recorded() -> None:
        polls.append((run.clock.now(), any(z.heat for z in run.session.sent)))
        poll()
    run.session.poll_status = recorded  # type: ignore[method-assign]
    assert run.player.run() == Outcome.COMPLETED
    # between two readings with the heat in one state throughout (it changes only at a step's start)
    gaps = {(a[1], round(b[0] - a[0], 6)) for a, b in zip(polls, polls[1:], strict=False) if a[1] == b[1]}
    assert gaps == {(True, STATUS_EVERY_HEATED_S), (False, STATUS_EVERY_S)}


def test_a_stop_signal_posted_while_playing_stops_the_device_at_once() -> None:
    """Controls.interrupt (a signal handler's request): the player stops between two exchanges, with no
    ramp, and says so; the run is a stop by the user."""
    times: dict[str, float] = {}
    run = play("circulation-warmup", on_tick=request_at(30.0, "interrupt", times))
    assert run.outcome == Outcome.STOPPED
    assert run.notes == ["interrupted: stopping the device"]
    assert state_at(run.device.timeline, times["interrupt"]) == {}
    assert run.session.state == State.READY


def test_after_a_resume_off_the_renewal_grid_the_last_step_starts_on_time(tmp_path: Path) -> None:
    """Paused at a position between two renewals, the program's steps no longer fall on renewals: the
    player wakes for the last step's start itself."""
    file = two_steps(tmp_path)
    times: dict[str, float] = {}

    def pause_and_resume(run: Run, snap: Snapshot) -> None:
        if "pause" not in times and snap.state == State.RUNNING and snap.position_s >= 20.05:
            times["pause"], times["held"] = run.clock.now(), snap.position_s
            run.player.controls.pause()
        elif "pause" in times and "resume" not in times and run.clock.now() >= times["pause"] + 7.7:
            times["resume"] = run.clock.now()
            run.player.controls.resume()

    run = play(file, on_tick=pause_and_resume)
    assert run.outcome == Outcome.COMPLETED, run.notes
    last = run.timeline.commands[-1]
    due = times["resume"] - times["held"] + last.start_s
    assert (due - times["resume"]) % run.session.cadence.renew_s > 0.01  # not on a renewal
    assert state_at(run.device.timeline, due - 1e-6) != expected(last)
    assert state_at(run.device.timeline, due) == expected(last)


def test_on_a_slow_line_the_first_step_is_late_by_at_most_one_round_trip(tmp_path: Path) -> None:
    """Every frame 30 ms late each way: the program's clock starts when the device acknowledged its start,
    so the device holds the first step at most one round trip longer than the program says."""
    file = two_steps(tmp_path)
    run = play(file, faults=FaultPlan(delay=1.0, delay_s=0.03))
    assert run.outcome == Outcome.COMPLETED, run.notes
    roll = next(e.t for e in run.device.timeline if e.motion == "roll" and not e.is_off)
    start = run.timeline.commands[-1].start_s
    assert start <= roll - run.origin <= start + 2 * 0.03 + 1e-9


def test_while_paused_a_request_also_reads_the_device() -> None:
    """A key pressed while paused wakes the player, which reads the device then too: the stop button,
    pressed at the same moment, is handled at the next round, one keep-alive later, not two."""
    times: dict[str, float] = {}

    def press_both(run: Run, snap: Snapshot) -> None:  # five seconds into the pause
        now = run.clock.now()
        if snap.state == State.PAUSED and "press" not in times and now >= times["pause"] + 5:
            times["press"] = now
            run.device.press_button(1, now)
            run.player.controls.intensity_up()

    run = play("circulation-warmup", on_tick=chain(request_at(30.0, "pause", times), press_both))
    assert run.outcome == Outcome.EMERGENCY_STOP
    assert run.clock.now() <= times["press"] + run.session.cadence.keepalive_s + 1e-9


def test_a_press_that_changes_nothing_says_why_and_one_that_does_says_nothing(tmp_path: Path) -> None:
    file = tmp_path / "near-the-cap.yaml"
    file.write_text(NEAR_THE_CAP)
    plan = [(10.0, "intensity_up"), (11.0, "intensity_up")] + [(20.0 + i, "intensity_down") for i in range(9)]
    run = play(str(file), policy=SafetyPolicy(max_intensity=8), on_tick=presses(plan))
    assert run.outcome == Outcome.COMPLETED
    # 7 → 8 (the cap) → the cap again; then 8 → 1 in seven presses, and two more at the lowest level
    assert run.notes == ["intensity at its limit", "intensity at its lowest", "intensity at its lowest"]


def test_a_request_the_player_does_not_know_changes_nothing() -> None:
    run = play("circulation-warmup", on_tick=presses([(30.0, "dance")]))
    assert run.outcome == Outcome.COMPLETED
    assert run.notes == []
    assert soft_stop_started(run) == pytest.approx(run.origin + run.timeline.total_s, abs=1e-6)


def test_past_the_last_step_plus_and_minus_have_nothing_to_change(tmp_path: Path) -> None:
    """Paused and skipped past the last step, the program is at its end: + and - change nothing."""
    file = two_steps(tmp_path)
    plan = ["skip", "intensity_up", "intensity_down", "resume"]
    offsets: list[int] = []

    def tick(run: Run, snap: Snapshot) -> None:
        if snap.state == State.RUNNING and snap.position_s >= 70 and not offsets:
            run.player.controls.pause()
        elif snap.state == State.PAUSED and plan:
            offsets.append(snap.offset)
            run.player.controls.post(plan.pop(0))

    run = play(file, on_tick=tick)
    assert run.outcome == Outcome.COMPLETED
    assert offsets == [0, 0, 0, 0]
    assert run.notes == [f"skipped to {run.timeline.total_s:.0f} s"]


def test_the_devices_stopped_event_ends_the_stop_as_soon_as_it_is_read() -> None:
    """Read with the next keep-alive after the ramp, handled in the round after: not a grace later."""
    times: dict[str, float] = {}
    run = play("circulation-warmup", on_tick=request_at(30.0, "stop", times))
    assert run.outcome == Outcome.STOPPED
    stopped = next(e.t for e in run.device.events if e.code == EventCode.STOPPED)
    assert stopped == pytest.approx(times["stop"] + run.session.soft_stop_ms / 1000)
    assert stopped <= run.clock.now() <= stopped + 2 * run.session.cadence.keepalive_s + 1e-9  # the end


def test_the_stop_button_during_a_soft_stop_is_an_emergency_stop() -> None:
    times: dict[str, float] = {}

    def press_while_stopping(run: Run, snap: Snapshot) -> None:
        if "press" not in times and snap.state == State.STOPPING and run.clock.now() >= times["stop"] + 1:
            times["press"] = run.clock.now()
            run.device.press_button(1, run.clock.now())

    run = play("circulation-warmup", on_tick=chain(request_at(30.0, "stop", times), press_while_stopping))
    assert run.outcome == Outcome.EMERGENCY_STOP, run.notes
    assert run.session.state == State.EMERGENCY_STOP
    assert run.notes == ["the device's stop button was pressed"]


def test_a_device_stop_and_the_stop_button_read_together_are_both_reported() -> None:
    """Two events in one read: the device stopped itself (a lease ran out), then its stop button. The
    fault is announced as it happens, before the stop button; the run ends as an emergency stop."""
    injected: list[Event] = []

    def tick(run: Run, snap: Snapshot) -> None:
        if not injected and snap.state == State.RUNNING and snap.position_s >= 30:
            injected.extend([Event(EventCode.LEASE_EXPIRED, 1), Event(EventCode.BUTTON, 1)])

    run = prepare("circulation-warmup", on_tick=tick)
    inject(run, injected)
    run.outcome = run.player.run()
    assert run.outcome == Outcome.EMERGENCY_STOP
    fault, button = run.notes
    assert fault.startswith("fault: an actuator lease expired")
    assert button == "the device's stop button was pressed"


@pytest.mark.parametrize("zone", [2, 3, 4])
def test_a_lease_expired_on_any_zone_is_a_fault_not_a_button(zone: int) -> None:
    """EVENT LEASE_EXPIRED's argument is a zone id: 2, 3 and 4 are BUTTON's pause, + and - only for BUTTON."""
    injected: list[Event] = []

    def tick(run: Run, snap: Snapshot) -> None:
        if not injected and snap.state == State.RUNNING and snap.position_s >= 30:
            injected.append(Event(EventCode.LEASE_EXPIRED, zone))

    run = prepare("circulation-warmup", on_tick=tick)
    inject(run, injected)
    run.outcome = run.player.run()
    assert run.outcome == Outcome.FAULT
    assert [n.split(" (at")[0] for n in run.notes] == [f"fault: {run.session.error}"]
    assert str(run.session.error).startswith("an actuator lease expired")
