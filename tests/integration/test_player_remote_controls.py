"""The controls a front end (the service, the web console) posts besides the keys: an intensity offset set
outright, clamped as the +/- keys clamp it, and a halt that stops at once as Ctrl-C does."""

from __future__ import annotations

import pytest

from controller.runs.offset import OFFSET_MAX
from controller.runs.player import Outcome, Snapshot
from controller.runs.session import State
from tests.integration.harness import Run, play, state_at


def _at_once(position_s: float, action: object) -> object:
    """A tick that runs `action(run)` once, at the first running tick at or past `position_s`."""
    done: list[float] = []

    def tick(run: Run, snap: Snapshot) -> None:
        if not done and snap.state == State.RUNNING and snap.position_s >= position_s:
            done.append(run.clock.now())
            action(run)  # type: ignore[operator]
    return tick


@pytest.mark.parametrize(("level", "expected"), [(3, 3), (15, OFFSET_MAX), (-40, -OFFSET_MAX)])
def test_set_offset_is_clamped_as_the_keys_clamp_it(level: int, expected: int) -> None:
    seen: list[int] = []

    def tick(run: Run, snap: Snapshot) -> None:
        seen.append(snap.offset)
        if len(seen) == 5:
            run.player.controls.set_offset(level)
        if len(seen) > 5 and snap.offset == expected and snap.state == State.RUNNING:
            run.player.controls.stop()  # once: the next tick is already stopping

    run = play("circulation-warmup", on_tick=tick)
    assert run.outcome == Outcome.STOPPED
    assert expected in seen[5:], "the offset the player applied"
    assert all(abs(o) <= OFFSET_MAX for o in seen)


def test_set_offset_raises_the_device_as_far_as_the_gate_allows() -> None:
    run = play("circulation-warmup", on_tick=_at_once(100, lambda r: r.player.controls.set_offset(9)))
    on = [e for e in run.device.timeline if not e.is_off and e.t >= run.origin + 200]
    assert on and max(e.intensity for e in on) == run.player.session.gate.policy.max_intensity  # type: ignore[attr-defined]


def test_halt_stops_at_once_without_a_ramp() -> None:
    halted: list[float] = []

    def halt(run: Run) -> None:
        halted.append(run.clock.now())
        run.player.controls.halt()

    run = play("circulation-warmup", on_tick=_at_once(100, halt))
    assert run.outcome == Outcome.STOPPED
    assert run.session.state == State.READY
    assert state_at(run.device.timeline, halted[0] + 0.01) == {}, "off at once, no 3 s ramp"
