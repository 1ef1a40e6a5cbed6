"""The steps before a program plays: the safety verdict, a session with its gate, the timeline for the
device that answered (controller/runs/__init__.py shows them in order)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from controller.clock import Clock
from controller.errors import SessionError
from controller.program.check import compile_loaded
from controller.program.check import program_meta as safety_meta
from controller.program.loader import LoadedProgram
from controller.runs.session import Session, State
from controller.safety.assess import Assessment, Finding, Level, assess
from controller.safety.gate import PolicyGate
from controller.safety.health import HealthProfile
from controller.safety.limits import HARD_MAX_SESSION_S
from controller.safety.policy import SafetyPolicy, policy_for
from controller.safety.shaping import limit_timeline
from controller.timeline import Timeline
from controller.wire.capabilities import DeviceCapabilities
from controller.wire.link import Link

_IMPORTANCE = (Level.REFUSE, Level.CAUTION, Level.LIMIT, Level.INFO)


@dataclass(frozen=True)
class RunPlan:
    """What the safety layer decided before anything runs."""

    loaded: LoadedProgram
    policy: SafetyPolicy
    assessment: Assessment


def assess_run(loaded: LoadedProgram, health: HealthProfile | None, *, acknowledged: bool,
               session_limit_s: float | None = None, max_intensity: int | None = None) -> RunPlan:
    """The safety layer's verdict on running `loaded` for this user, refused or not (`massagectl check`)."""
    policy = policy_for(health, session_limit_s=session_limit_s, max_intensity=max_intensity)
    return RunPlan(loaded, policy, assess(safety_meta(loaded), health, acknowledged, policy=policy))


def check_run(loaded: LoadedProgram, health: HealthProfile | None, *, acknowledged: bool,
              session_limit_s: float | None = None, max_intensity: int | None = None) -> RunPlan:
    """Assess the program for this user; raises SafetyRefusal when it must not run."""
    plan = assess_run(loaded, health, acknowledged=acknowledged, session_limit_s=session_limit_s,
                      max_intensity=max_intensity)
    plan.assessment.raise_if_refused()
    return plan


def make_session(open_link: Callable[[], Link], clock: Clock, policy: SafetyPolicy,
                 **options: Any) -> Session:
    """A session whose every SET passes clamp_live with this policy, the device's capabilities and the
    plate temperature the session reads from the device; `options` go to Session (on_state, soft_stop_ms)."""
    return Session(open_link, clock, PolicyGate(policy), **options)


def prepare_timeline(session: Session, plan: RunPlan) -> tuple[Timeline, list[Finding]]:
    """Connect if needed, then `timeline_for` the device that answered."""
    if session.state == State.DISCONNECTED:
        session.fire("connect")
    if session.state != State.READY or session.capabilities is None:
        raise session.error or SessionError(f"device not ready ({session.state})")
    return timeline_for(plan, session.capabilities)


def timeline_for(plan: RunPlan, caps: DeviceCapabilities) -> tuple[Timeline, list[Finding]]:
    """The program compiled for `caps` with the policy applied, and what the policy changed.

    Compiled against the hard maximum session length, so a program longer than this user's limit still
    runs and is ended at the limit with a soft stop (a finding says so). ProgramErrors when it cannot run
    on this device.
    """
    timeline = compile_loaded(plan.loaded, caps, session_limit_s=HARD_MAX_SESSION_S)
    return limit_timeline(timeline, caps, plan.policy)


def check_findings(plan: RunPlan, caps: DeviceCapabilities) -> list[Finding]:
    """What `massagectl check` (and the web console's check) reports: the verdict's findings and what the
    policy would change on `caps` (`timeline_for`, as a run does), refusals first, then cautions, limits
    and notes, so the most important line is read first. ProgramErrors when it cannot run on `caps`."""
    _, limited = timeline_for(plan, caps)
    return sorted([*plan.assessment.findings, *limited], key=lambda f: _IMPORTANCE.index(f.level))
