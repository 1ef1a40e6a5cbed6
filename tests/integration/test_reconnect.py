"""`run --reconnect` never plays what the user did not ask to play (found by the random-session test).

A link lost while paused came back playing; a link lost during a stop came back playing the program on.
"""

from __future__ import annotations

from controller.runs.player import Outcome, Snapshot
from controller.runs.session import State
from tests.integration.harness import Run, play, state_at


def _on_between(run: Run, start: float, end: float) -> list[float]:
    return [a.t for a in run.device.applied if start < a.t < end and any(not e.is_off for e in a.entries)]


def _unplug(run: Run) -> None:
    assert run.session.link is not None
    run.session.link.transport.unplug()  # type: ignore[attr-defined]


def test_a_link_lost_while_paused_comes_back_paused() -> None:
    times: dict[str, float] = {}

    def tick(run: Run, snap: Snapshot) -> None:
        now = run.clock.now()
        if "pause" not in times and snap.state == State.RUNNING and snap.position_s >= 30:
            times["pause"] = now
            run.player.controls.pause()
        elif "pause" in times and "unplug" not in times and now >= times["pause"] + 10:
            times["unplug"] = now
            _unplug(run)
        elif "unplug" in times and "resume" not in times and now >= times["pause"] + 30:
            times["resume"] = now
            run.player.controls.resume()

    run = play("circulation-warmup", on_tick=tick, reconnect=True)
    assert run.outcome == Outcome.COMPLETED, run.notes
    assert any(n.startswith("reconnected: still paused") for n in run.notes), run.notes
    assert not _on_between(run, times["pause"], times["resume"])  # off from the pause to the user's resume
    assert state_at(run.device.timeline, times["resume"] - 1e-3) == {}
    assert _on_between(run, times["resume"], times["resume"] + 1.0)


def test_a_link_lost_during_a_stop_does_not_play_on() -> None:
    times: dict[str, float] = {}

    def tick(run: Run, snap: Snapshot) -> None:
        if "stop" not in times and snap.state == State.RUNNING and snap.position_s >= 30:
            times["stop"] = run.clock.now()
            run.player.controls.stop()
        elif "stop" in times and "unplug" not in times and snap.state == State.STOPPING:
            times["unplug"] = run.clock.now()
            _unplug(run)

    run = play("circulation-warmup", on_tick=tick, reconnect=True)
    assert run.outcome == Outcome.STOPPED, run.notes
    assert "unplug" in times
    assert not _on_between(run, times["stop"], float("inf"))
    later = run.clock.now() + 1.0  # the unplugged device's watchdog (or its ramp) has ended it by then
    run.device.advance(later)
    assert state_at(run.device.timeline, later) == {}
