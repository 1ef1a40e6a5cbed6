"""Running a program, as a Python API: the command line is one user of it, a script can be another.

    plan = check_run(loaded, health, acknowledged=True)       # refusals before anything connects
    session = make_session(open_link, clock, plan.policy)     # the gate sits in Session.apply
    timeline, findings = prepare_timeline(session, plan)
    player = Player(session, timeline, session_limit_s=plan.policy.session_limit_s)
    outcome = player.run()                                    # controls: player.controls.pause() …

Inside: session.py (the state machine that owns the device), player.py (the scheduler), plan.py (the
steps above), sessionlog.py and report.py (the session log, written and summarised).
"""

from controller.runs.controls import Controls
from controller.runs.plan import RunPlan, assess_run, check_run, make_session, prepare_timeline, timeline_for
from controller.runs.player import Outcome, Player, Snapshot
from controller.runs.session import Session, State

__all__ = ["Controls", "Outcome", "Player", "RunPlan", "Session", "Snapshot", "State", "assess_run",
           "check_run", "make_session", "prepare_timeline", "timeline_for"]
