"""Player details the mutation run found unpinned (issue 14)."""

from __future__ import annotations

import logging

import pytest

from controller.runs.player import Outcome, Player, Snapshot
from controller.runs.session import State
from controller.safety.policy import SafetyPolicy
from tests.integration.harness import Run, play, prepare


def test_without_a_listener_the_player_s_notes_go_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    run = prepare()
    player = Player(run.session, run.timeline, session_limit_s=60.0)
    with caplog.at_level(logging.INFO, logger="controller.runs.player"):
        player.on_note("foot removed: pausing")
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("controller.runs.player", logging.INFO, "foot removed: pausing")]


def test_at_and_after_the_program_s_end_the_player_asks_nothing_of_the_device() -> None:
    run = play("sleep", policy=SafetyPolicy(session_limit_s=1800))
    assert run.outcome == Outcome.COMPLETED, run.notes
    end = run.timeline.total_s
    assert run.player.position() == end
    assert run.player.target() == ()
    last = run.timeline.commands[-1]
    assert run.player._target_at(end - 0.5) == last.settings  # the last step, until its very end
    assert run.player.snapshot().position_s == end


def test_each_snapshot_names_the_step_playing_and_the_next_one() -> None:
    seen: dict[tuple[int, str], set[str]] = {}

    def tick(run: Run, snap: Snapshot) -> None:  # every snapshot, at a step's start and at its end alike
        if snap.state == State.RUNNING:
            seen.setdefault((snap.step, snap.step_name), set()).add(snap.next_step_name)

    run = play("sleep", policy=SafetyPolicy(session_limit_s=1800), on_tick=tick)
    order: list[tuple[int, str]] = []
    for c in run.timeline.commands:  # the steps in playing order, each once per time it plays
        if not order or order[-1][0] != c.step:
            order.append((c.step, c.step_name))
    assert len(order) > 2 and set(seen) == set(order)
    expected = {here: {after[1]} for here, after in zip(order, order[1:], strict=False)}
    expected[order[-1]] = {""}  # nothing after the last step
    assert seen == expected



def test_a_player_given_a_disconnected_session_connects_it_first() -> None:
    run = prepare("sleep", policy=SafetyPolicy(session_limit_s=1800))
    run.session.fire("disconnect")  # ready → disconnected: the player must connect again itself
    player = Player(run.session, run.timeline, session_limit_s=1800.0)
    assert player.run() == Outcome.COMPLETED  # without connecting it would have ended as a fault at once
    assert run.device.applied, "it played"


def test_a_player_whose_session_cannot_connect_ends_as_a_fault_without_playing() -> None:
    from controller.errors import LinkClosed
    from controller.runs import make_session

    run = prepare("sleep")

    def no_port() -> object:
        raise LinkClosed("the cable is out")

    session = make_session(no_port, run.clock, SafetyPolicy())  # type: ignore[arg-type]
    player = Player(session, run.timeline, session_limit_s=1800.0)
    assert player.run() == Outcome.FAULT
    assert session.state == State.FAULT
