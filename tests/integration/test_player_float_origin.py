"""The player on a virtual clock whose origin makes `now - origin` round just below a step's start.

Found by the service, whose idle devices let virtual time run before a program starts: at origin 27.55 the
step due at 30 s made the loop wait for a moment that had already come, forever.
"""

from __future__ import annotations

import threading

import pytest

from controller.clock import VirtualClock
from controller.program.library import program_folders, resolve_program
from controller.runs import check_run, make_session, prepare_timeline
from controller.runs.player import Outcome, Player
from controller.wire.link import Link
from sim import make_pair


@pytest.mark.parametrize("origin", [27.55, 0.1, 1e6 + 0.3])
def test_a_program_completes_whatever_the_clock_read_when_it_started(origin: float) -> None:
    clock = VirtualClock(start=origin)
    transport, _ = make_pair(clock)
    plan = check_run(resolve_program("circulation-warmup", program_folders([])), None, acknowledged=True)
    session = make_session(lambda: Link(transport, clock), clock, plan.policy)
    timeline, _ = prepare_timeline(session, plan)
    player = Player(session, timeline, session_limit_s=plan.policy.session_limit_s)
    thread = threading.Thread(target=player.run, daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), f"the loop stopped advancing at position {player.position()}"
    assert player.outcome == Outcome.COMPLETED
