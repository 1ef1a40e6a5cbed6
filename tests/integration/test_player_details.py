"""Player details the mutation run found unpinned (issue 14)."""

from __future__ import annotations

import logging

import pytest

from controller.runs.player import Outcome, Player
from controller.safety.policy import SafetyPolicy
from tests.integration.harness import play, prepare


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
