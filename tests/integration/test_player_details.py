"""Player details the mutation run found unpinned (issue 14)."""

from __future__ import annotations

import logging

import pytest

from controller.runs.player import Player
from tests.integration.harness import prepare


def test_without_a_listener_the_player_s_notes_go_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    run = prepare()
    player = Player(run.session, run.timeline, session_limit_s=60.0)
    with caplog.at_level(logging.INFO, logger="controller.runs.player"):
        player.on_note("foot removed: pausing")
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("controller.runs.player", logging.INFO, "foot removed: pausing")]
