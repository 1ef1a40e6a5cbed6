"""Running a program, as a Python API: the command line is one user of it, a script can be another.

    plan = check_run(loaded, health, acknowledged=True)       # refusals before anything connects
    session = make_session(open_link, clock, plan.policy)     # the gate sits in Session.apply
    timeline, findings = prepare_timeline(session, plan)
    player = Player(session, timeline, session_limit_s=plan.policy.session_limit_s)
    outcome = player.run()                                    # controls: player.controls.pause() …

Inside: session.py (the state machine that owns the device), player.py (the scheduler), plan.py (the
steps above), sessionlog.py and report.py (the session log, written and summarised).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from controller.runs.controls import Controls
    from controller.runs.plan import (
        RunPlan,
        assess_run,
        check_findings,
        check_run,
        make_session,
        prepare_timeline,
        timeline_for,
    )
    from controller.runs.player import Outcome, Player, Snapshot
    from controller.runs.session import Session, State

# Imported when first asked for, so `massagectl report` (runs/report.py) does not load the program and
# safety layers that planning a run needs.
_HOME = {"Controls": "controls", "RunPlan": "plan", "assess_run": "plan", "check_findings": "plan",
         "check_run": "plan", "make_session": "plan", "prepare_timeline": "plan", "timeline_for": "plan",
         "Outcome": "player", "Player": "player", "Snapshot": "player", "Session": "session",
         "State": "session"}
__all__ = ["Controls", "Outcome", "Player", "RunPlan", "Session", "Snapshot", "State", "assess_run",
           "check_findings", "check_run", "make_session", "prepare_timeline", "timeline_for"]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
