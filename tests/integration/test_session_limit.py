"""Issue 14 unsafe #1, RELIABILITY 30: no path extends a session.

Massage time is actuation time since the session began, counted across pauses, reconnects and device
resets, whatever happens to the link; read here from what the simulated device itself recorded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.cli.simdevice import sim_profile_capabilities
from controller.clock import RealClock
from controller.program.check import compile_loaded
from controller.program.loader import load_program_file
from controller.runs import check_run, make_session, prepare_timeline
from controller.runs.player import Outcome, Player, Snapshot
from controller.runs.session import State
from controller.safety.limits import DEVICE_CAP_MARGIN_S, HARD_MAX_SESSION_S
from controller.safety.policy import SafetyPolicy
from controller.safety.shaping import limit_timeline
from controller.wire.link import Link
from controller.wire.transport import SerialTransport
from sim.faults import FaultPlan
from sim.protocol import EventCode
from sim.pty_server import PtyServer
from tests.integration.harness import Run, actuation_s, play, soft_stop_started, state_at

EPS = 1e-6


@pytest.mark.parametrize("every_s", [7.0, 20.0, 41.0])
def test_a_flapping_link_with_reconnect_never_exceeds_the_session_limit(every_s: float) -> None:
    limit = 60.0
    run = play("circulation-warmup", policy=SafetyPolicy(session_limit_s=limit),
               faults=FaultPlan(disconnect_at=every_s, disconnect_every_s=every_s), reconnect=True)
    run.device.advance(run.clock.now() + 5.0)  # whatever the device still does on its own
    reconnects = [n for n in run.notes if n.startswith("reconnected")]
    assert len(reconnects) >= 1 and run.outcome == Outcome.SESSION_LIMIT, run.notes
    used = actuation_s(run.device.timeline, run.clock.now())
    assert limit - 5.0 <= used <= limit + EPS, (used, run.notes)
    # the link may be cut during the final soft stop: the unreachable device's watchdog ends it
    assert state_at(run.device.timeline, run.clock.now() + run.device.profile.watchdog_ms / 1000) == {}


def test_a_resume_after_reconnect_continues_where_the_step_was_interrupted() -> None:
    """Cut 45 s into the first 90 s step: the program goes on from 45 s, not from the step's start."""
    run = play("circulation-warmup", faults=FaultPlan(disconnect_at=45.0), reconnect=True)
    assert run.outcome == Outcome.COMPLETED, run.notes
    resumed = next(a.t for a in run.device.applied if a.t > 45.0)
    outage = resumed - 45.0
    # the program ends one outage later than it would have, give or take the time to notice the loss
    assert soft_stop_started(run) == pytest.approx(run.origin + run.timeline.total_s + outage, abs=0.5)
    first = next(a for a in run.device.applied if a.t > 45.0).entries
    assert max(e.intensity for e in first) < 3  # ramping up again, towards the step's level


def test_time_used_before_a_lost_link_counts_towards_the_limit() -> None:
    """One cut at 50 s with a 60 s limit: after the reconnect only what is left of the 60 s runs."""
    run = play("circulation-warmup", policy=SafetyPolicy(session_limit_s=60.0),
               faults=FaultPlan(disconnect_at=50.0), reconnect=True)
    assert run.outcome == Outcome.SESSION_LIMIT, run.notes
    run.device.advance(run.clock.now() + 5.0)
    assert actuation_s(run.device.timeline, run.clock.now()) <= 60.0 + EPS


FLAPPING_PROGRAM = """\
schema_version: 1
id: pty-flapping
name: Twenty seconds on the heel
description: One long step, for a link that keeps dropping.
intensity_class: light
steps:
  - {name: heel, duration: 20s, zones: [heel], motion: knead, intensity: 2, speed: 2}
"""


def test_a_flapping_link_over_a_real_pty_never_exceeds_the_session_limit(tmp_path: Path) -> None:
    file = tmp_path / "program.yaml"
    file.write_text(FLAPPING_PROGRAM)
    link_path = tmp_path / "massager"
    limit = 5.0
    faults = FaultPlan(disconnect_at=1.5, reconnect_after_s=0.3, disconnect_every_s=1.5)
    server = PtyServer("foot", faults, link_path=link_path)
    server.start()
    device = server.device
    clock = RealClock()
    plan = check_run(load_program_file(file), None, acknowledged=True)
    policy = SafetyPolicy(session_limit_s=limit)
    session = make_session(lambda: Link(SerialTransport(str(link_path)), clock), clock, policy)
    notes: list[str] = []
    try:
        timeline, _ = prepare_timeline(session, plan)
        player = Player(session, timeline, session_limit_s=limit, reconnect=True, reconnect_timeout_s=5.0,
                        on_note=notes.append)
        outcome = player.run()
    finally:
        if session.link is not None:
            session.link.close()
        server.stop()
    end = clock.now() + 2.0
    device.advance(end)  # the device's own timers (watchdog, leases) run to the end
    assert outcome == Outcome.SESSION_LIMIT, notes
    assert any(n.startswith("reconnected") for n in notes), notes
    assert actuation_s(device.timeline, end) <= limit + EPS, notes
    assert state_at(device.timeline, end) == {}


THIRTY_MINUTES = """\
schema_version: 1
id: half-hour
name: Half an hour on the heel
description: A program exactly as long as the hard maximum session.
intensity_class: light
steps:
  - {name: heel, duration: 30m, zones: [heel], motion: knead, intensity: 2, speed: 2}
"""


def _device_stopped_itself(run: Run) -> list[object]:
    return [e for e in run.device.events if e.code in (EventCode.SESSION_LIMIT, EventCode.WATCHDOG)]


def test_at_the_hard_maximum_the_host_ends_before_the_devices_own_cap(tmp_path: Path) -> None:
    file = tmp_path / "half-hour.yaml"
    file.write_text(THIRTY_MINUTES)
    policy = SafetyPolicy(session_limit_s=HARD_MAX_SESSION_S)
    run = play(str(file), policy=policy)
    assert run.outcome == Outcome.SESSION_LIMIT, (run.notes, run.session.error)
    assert not _device_stopped_itself(run)
    cap = run.session.capabilities.max_session_s if run.session.capabilities else 0
    assert actuation_s(run.device.timeline, run.clock.now()) <= cap - DEVICE_CAP_MARGIN_S + EPS
    caps = sim_profile_capabilities("foot")
    _, findings = limit_timeline(compile_loaded(load_program_file(file), caps,
                                                session_limit_s=HARD_MAX_SESSION_S), caps, policy)
    assert any("device's own session cap" in str(f) for f in findings), findings


def test_a_long_pause_never_lets_the_devices_own_cap_fire() -> None:
    """The device's cap counts wall time, pauses included: the host ends the session before it fires."""
    paused: list[float] = []

    def pause_once(run: Run, snap: Snapshot) -> None:
        if not paused and snap.state == State.RUNNING and snap.position_s >= 60:
            paused.append(run.clock.now())
            run.player.controls.pause()

    run = play("sleep", policy=SafetyPolicy(session_limit_s=HARD_MAX_SESSION_S), on_tick=pause_once)
    assert run.outcome == Outcome.SESSION_LIMIT, (run.notes, run.session.error)
    assert not _device_stopped_itself(run)
    assert any("device's own session cap" in n for n in run.notes)
    assert run.clock.now() < run.origin + 1800


def test_a_limit_a_float_rounding_away_is_due() -> None:
    """left = 3.0000000000000036 s against a 3 s ramp: now + left - ramp rounds to now, so it must be due."""
    from controller.runs.budget import SessionBudget

    budget = SessionBudget(limit_s=30.0, used_s=24.800000000000022, running_since=29.000000000000014)
    now = 31.19999999999999
    assert now + budget.left(now) - 3.0 == now  # the deadline the player computes: no later than now
    assert budget.due(now, 3000) is not None
