"""The player when the link is lost, and with `--reconnect`, where the whole-module mutation run found it
unpinned (issue 14, tests/mutation/README.md): read from the simulated device and the player's notes.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from controller.errors import LinkClosed
from controller.runs.player import RECONNECT_RETRY_S, STOP_GRACE_S, Outcome, Snapshot
from controller.runs.session import State
from controller.safety.limits import DEVICE_CAP_MARGIN_S, HARD_MAX_SESSION_S
from controller.safety.policy import SafetyPolicy
from sim.faults import FaultPlan
from sim.profiles import FOOT
from tests.integration.harness import Run, play, prepare, soft_stop_started
from tests.integration.player_parts import (
    chain,
    first_tick_in,
    on_after,
    refuse_reconnects,
    request_at,
    two_steps,
    unplug,
    unplug_at,
    without_stopped_events,
)


def _note_fault_then(run: Run, request: str) -> None:
    """The user posts `request` as the fault is announced, while the player waits to reconnect."""
    def note(text: str) -> None:
        run.notes.append(text)
        if text.startswith("fault:"):
            run.player.controls.post(request)
    run.player.on_note = note


def test_a_resume_continues_exactly_where_the_player_saw_the_link_go() -> None:
    """The position is held the moment the fault is seen, not a wake-up later: the program ends exactly
    one outage (fault seen → resumed) later than it would have."""
    times: dict[str, float] = {}
    run = play("circulation-warmup", on_tick=unplug_at(30.0, times), reconnect=True)
    assert run.outcome == Outcome.COMPLETED, run.notes
    resumed = next(a.t for a in run.device.applied if a.t > times["unplug"])
    assert times["unplug"] < times["fault"] < resumed
    assert soft_stop_started(run) == pytest.approx(
        run.origin + run.timeline.total_s + resumed - times["fault"], abs=1e-6)
    fault, back = run.notes  # one note for the fault (where it was), one for the reconnect
    at = times["fault"] - run.origin
    assert fault.startswith("fault: lost the device") and fault.endswith(f"(at {at:.1f} s, step 1)")
    assert back.startswith("reconnected: resuming step 1")


def test_reconnect_retries_the_port_until_it_comes_back() -> None:
    times: dict[str, float] = {}
    run = prepare("circulation-warmup", on_tick=unplug_at(30.0, times), reconnect=True)
    attempts = refuse_reconnects(run, 3)
    run.outcome = run.player.run()
    assert run.outcome == Outcome.COMPLETED, run.notes
    assert len(attempts) == 4
    gaps = [b - a for a, b in zip(attempts, attempts[1:], strict=False)]
    assert gaps == pytest.approx([RECONNECT_RETRY_S] * 3)
    resumed = next(a.t for a in run.device.applied if a.t > times["unplug"])
    assert resumed >= attempts[-1]


def test_reconnect_gives_up_as_a_fault_after_its_timeout() -> None:
    times: dict[str, float] = {}
    run = prepare("circulation-warmup", on_tick=unplug_at(30.0, times), reconnect=True)
    run.player.reconnect_timeout_s = 5.0
    attempts = refuse_reconnects(run, 1000)
    run.outcome = run.player.run()
    assert run.outcome == Outcome.FAULT, run.notes
    assert times["fault"] <= attempts[0] < times["fault"] + 1.0  # at the next wake-up
    assert len(attempts) == 10 and attempts[-1] < attempts[0] + 5.0 <= attempts[-1] + RECONNECT_RETRY_S
    assert not [a for a in run.device.applied if a.t > times["unplug"]]


def test_a_device_absent_at_the_start_is_a_fault_even_with_reconnect() -> None:
    """--reconnect resumes a session that lost its link; it does not wait for a device never reached."""
    run = prepare("sleep", reconnect=True)
    run.session.fire("disconnect")
    attempts = refuse_reconnects(run, 1000)
    start = run.clock.now()
    assert run.player.run() == Outcome.FAULT
    assert attempts == [start] and run.clock.now() == start


def test_after_a_lost_link_the_watchdog_s_time_counts_towards_the_limit() -> None:
    """Used: the time played until the fault was seen, plus one watchdog period the unreachable device may
    have gone on alone; after the reconnect exactly what is left plays, the soft stop ending by it."""
    times: dict[str, float] = {}
    limit = 60.0
    run = play("circulation-warmup", policy=SafetyPolicy(session_limit_s=limit), reconnect=True,
               on_tick=chain(unplug_at(20.0, times), first_tick_in(State.STOPPING, times, "stopping")))
    assert run.outcome == Outcome.SESSION_LIMIT, run.notes
    caps = run.session.capabilities
    assert caps is not None
    resumed = next(a.t for a in run.device.applied if a.t > times["unplug"])
    used = times["fault"] - run.origin + caps.watchdog_ms / 1000
    ramp_s = run.session.soft_stop_ms / 1000
    assert times["stopping"] == pytest.approx(resumed + limit - used - ramp_s, abs=1e-6)


def test_a_link_lost_as_a_stop_is_confirmed_is_reported_as_the_lost_link() -> None:
    """The cable goes at the very moment the player asks the device whether the stop is over: the fault
    is the lost link, not whatever a later exchange on the closed link would say."""
    times: dict[str, float] = {}
    confirm_at = 30.0 + 3.0 + STOP_GRACE_S  # the stop at 30 s, its 3 s ramp, the grace
    run = prepare("circulation-warmup", faults=FaultPlan(disconnect_at=confirm_at),
                  on_tick=request_at(30.0, "stop", times))
    without_stopped_events(run)
    run.outcome = run.player.run()
    assert times["stop"] - run.origin == 30.0 and run.session.soft_stop_ms == 3000  # as planned
    assert run.outcome == Outcome.FAULT
    assert isinstance(run.session.error, LinkClosed), run.session.error
    assert run.clock.now() >= confirm_at
    assert [n.split(" (at")[0] for n in run.notes] == [f"fault: {run.session.error}"]


def test_a_link_lost_as_the_devices_cap_ends_a_pause_is_reported_as_the_lost_link() -> None:
    """The same when the soft stop that ends a long pause before the device's cap finds the cable gone."""
    times: dict[str, float] = {}

    def pause_once(run: Run, snap: Snapshot) -> None:
        if "pause" not in times and snap.state == State.RUNNING and snap.position_s >= 60.05:
            times["pause"] = run.clock.now()
            run.player.controls.pause()

    end_at = 1797 - DEVICE_CAP_MARGIN_S
    run = play("sleep", profile=replace(FOOT, max_session_s=1797),
               policy=SafetyPolicy(session_limit_s=HARD_MAX_SESSION_S), on_tick=pause_once,
               faults=FaultPlan(disconnect_at=end_at))
    assert run.origin == 0.0 and run.clock.now() >= end_at  # as planned: the cable goes at the cap's stop
    assert run.outcome == Outcome.FAULT
    assert isinstance(run.session.error, LinkClosed), run.session.error
    assert any(n.startswith("the device's own session cap is near") for n in run.notes)


@pytest.mark.parametrize(("request_", "outcome", "state"), [
    ("stop", Outcome.STOPPED, State.FAULT), ("emergency_stop", Outcome.EMERGENCY_STOP, State.EMERGENCY_STOP)])
def test_a_request_while_waiting_to_reconnect_ends_the_run_without_reconnecting(
        request_: str, outcome: Outcome, state: str) -> None:
    """The device is unreachable and already off (its watchdog): a stop just ends the run; an emergency
    stop also latches the session, so nothing can start."""
    run = prepare("circulation-warmup", faults=FaultPlan(disconnect_at=30.0), reconnect=True)
    _note_fault_then(run, request_)
    assert run.player.run() == outcome
    assert run.session.state == state
    assert not [a for a in run.device.applied if a.t >= 30.0]
    assert not [n for n in run.notes if n.startswith("reconnected")]


def test_a_device_that_restarted_while_unplugged_is_not_resumed() -> None:
    """Its boot count changed: whatever it was doing is gone, and the program is not resumed on its own."""
    times: dict[str, float] = {}
    run = prepare("circulation-warmup", faults=FaultPlan(reset_at=30.2), on_tick=unplug_at(30.0, times),
                  reconnect=True)
    attempts = refuse_reconnects(run, 2)  # the device restarts while the cable is out
    run.outcome = run.player.run()
    assert run.outcome == Outcome.FAULT
    assert run.session.state == State.FAULT
    assert "restarted while disconnected" in str(run.session.error)
    assert len(attempts) == 3 and run.clock.now() == attempts[-1]  # no more tries after that one
    assert not on_after(run, times["unplug"])


def test_after_a_reconnect_the_devices_own_cap_counts_from_its_new_session(tmp_path: Path) -> None:
    """The HELLO restarted the device's cap (120 s): a 100 s program with a 15 s outage plays to its end
    (115 s after it began), where the old device session's cap would have ended it at 110 s."""
    file = two_steps(tmp_path, "50s")
    times: dict[str, float] = {}
    run = prepare(file, profile=replace(FOOT, max_session_s=120),  # type: ignore[arg-type]
                  on_tick=unplug_at(30.0, times), reconnect=True)
    refuse_reconnects(run, 30)  # fifteen seconds without the device
    run.outcome = run.player.run()
    assert run.outcome == Outcome.COMPLETED, run.notes
    assert soft_stop_started(run) > run.origin + 120 - DEVICE_CAP_MARGIN_S


@pytest.mark.parametrize(("at", "limit", "resumed"), [(59.0, 60.0, True), (59.5, 60.0, False),
                                                      (59.4, 59.9, False)])
def test_a_reconnect_resumes_only_with_session_time_left(at: float, limit: float, resumed: bool) -> None:
    """With a 0.1 s soft stop, a link lost (seen) 0.35 s before the limit leaves nothing once the
    watchdog's 0.4 s are counted; lost 0.85 s before, 0.45 s are left and the program resumes for them.
    Seen at 59.5 s with a 59.9 s limit, exactly nothing is left: not resumed either."""
    times: dict[str, float] = {}
    run = prepare("circulation-warmup", policy=SafetyPolicy(session_limit_s=limit),
                  on_tick=unplug_at(at, times), reconnect=True)
    run.session.soft_stop_ms = run.session.stop_ramp_ms = 100
    run.outcome = run.player.run()
    assert run.outcome == Outcome.SESSION_LIMIT, run.notes
    assert times["fault"] - run.origin < limit - 0.1  # lost before the final soft stop was due
    assert bool(on_after(run, times["fault"])) is resumed
    assert (run.notes[1] == "reconnected, but the session limit was reached: not resuming") != resumed


def test_a_stop_signal_with_the_cable_already_out_reports_the_lost_link() -> None:
    def tick(run: Run, snap: Snapshot) -> None:
        if not run.notes and snap.state == State.RUNNING and snap.position_s >= 30:
            unplug(run)
            run.player.controls.interrupt()

    run = play("circulation-warmup", on_tick=tick)
    assert run.outcome == Outcome.STOPPED
    interrupted, fault = run.notes
    assert interrupted == "interrupted: stopping the device" and fault.startswith("fault: lost the device")
