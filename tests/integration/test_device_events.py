"""The player's handling of the device's own inputs (firmware_protocol.md §9 "On each EVENT"), and the
session limit across a pause: each read from what the simulated device did.

Issue 14's mutation run found that deleting the player's event handling survived every test.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from controller.runs.player import Outcome, Snapshot
from controller.runs.session import State
from controller.safety.policy import SafetyPolicy
from tests.integration.harness import Run, actuation_s, play, soft_stop_started, state_at

Tick = Callable[[Run, Snapshot], None]


def at_positions(actions: list[tuple[float, Callable[[Run], None]]]) -> tuple[Tick, dict[int, float]]:
    """A tick that runs each action once the program position (or, while paused, the clock) passes its
    time, one per tick; records the clock time each one ran at."""
    done: dict[int, float] = {}

    def tick(run: Run, snap: Snapshot) -> None:
        k = len(done)
        if k < len(actions):
            when, action = actions[k]
            now = snap.position_s if snap.state == State.RUNNING else run.clock.now() - run.origin
            if now >= when:
                done[k] = run.clock.now()
                action(run)
    return tick, done


def button(n: int) -> Callable[[Run], None]:
    return lambda run: run.device.press_button(n, run.clock.now())


def foot(removed: bool) -> Callable[[Run], None]:
    return lambda run: run.device.foot_sensor(removed, run.clock.now())


def applied_on_between(run: Run, start: float, end: float) -> list[float]:
    return [a.t for a in run.device.applied if start < a.t < end and any(not e.is_off for e in a.entries)]


def test_the_stop_button_ends_the_run_as_an_emergency_stop() -> None:
    tick, done = at_positions([(30.0, button(1))])
    run = play("circulation-warmup", on_tick=tick)
    assert run.outcome == Outcome.EMERGENCY_STOP
    assert any("stop button" in n for n in run.notes)
    pressed = done[0]
    assert state_at(run.device.timeline, pressed) == {}
    assert not applied_on_between(run, pressed, float("inf"))


def test_foot_removed_pauses_and_foot_back_does_not_resume() -> None:
    resume = lambda run: run.player.controls.resume()  # noqa: E731 - the user, later
    tick, done = at_positions([(30.0, foot(True)), (60.0, foot(False)), (120.0, resume)])
    run = play("circulation-warmup", on_tick=tick)
    assert run.outcome == Outcome.COMPLETED
    removed, back, resumed = done[0], done[1], done[2]
    assert any("foot removed" in n for n in run.notes)
    assert state_at(run.device.timeline, removed + 0.5) == {}  # paused within two keep-alive periods
    assert not applied_on_between(run, removed, resumed)  # FOOT_REMOVED 0 changed nothing
    assert back < resumed and applied_on_between(run, resumed, resumed + 1.0)
    # paused from the removal (as soon as the host heard of it) to the user's resume: it ends that much later
    assert soft_stop_started(run) == pytest.approx(run.origin + run.timeline.total_s + resumed - removed,
                                                   abs=0.5)


def test_button_2_pauses_and_resumes() -> None:
    tick, done = at_positions([(30.0, button(2)), (50.0, button(2))])
    run = play("circulation-warmup", on_tick=tick)
    assert run.outcome == Outcome.COMPLETED
    paused, resumed = done[0], done[1]
    assert state_at(run.device.timeline, paused + 0.5) == {}
    assert not applied_on_between(run, paused + 0.5, resumed)
    assert applied_on_between(run, resumed, resumed + 1.0)


@pytest.mark.parametrize(("n", "change"), [(3, +1), (4, -1)])
def test_buttons_3_and_4_raise_and_lower_the_intensity(n: int, change: int) -> None:
    tick, _ = at_positions([(100.0, button(n))])
    run = play("circulation-warmup", on_tick=tick)
    assert run.outcome == Outcome.COMPLETED
    k = run.player.index_at(200)
    want = {s.zone_id: s.intensity + change for s in run.timeline.commands[k].settings if s.intensity}
    got = {z: st[1] for z, st in state_at(run.device.timeline, run.origin + 201).items()}
    assert got == want
    before = {z: st[1] for z, st in state_at(run.device.timeline, run.origin + 99).items()}
    assert before == {s.zone_id: s.intensity for s in run.timeline.commands[run.player.index_at(99)].settings}


def test_the_session_limit_counts_massage_time_not_the_pause() -> None:
    resume = lambda run: run.player.controls.resume()  # noqa: E731
    pause = lambda run: run.player.controls.pause()  # noqa: E731
    tick, done = at_positions([(60.0, pause), (160.0, resume)])
    run = play("sleep", policy=SafetyPolicy(session_limit_s=120), on_tick=tick)
    assert run.outcome == Outcome.SESSION_LIMIT
    paused, resumed = done[0], done[1]
    assert resumed - paused == pytest.approx(100.0, abs=0.2)
    used = actuation_s(run.device.timeline, run.clock.now())
    assert used == pytest.approx(120.0, abs=0.2)  # 60 s before the pause, 60 s after it, ramps included
    assert state_at(run.device.timeline, run.origin + 120.0 + (resumed - paused) + 0.2) == {}
