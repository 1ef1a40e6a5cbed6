"""What the safety policy would refuse or limit for a program, and why, before anything runs.

One answer for `massagectl check` and the web console's "check against my profile": the program is
assessed against the user's health profile (refusals, cautions, lowered limits) and its compiled timeline
is limited for the device (clamps, heat removed, session length), each finding saying why.
"""

from __future__ import annotations

from dataclasses import dataclass

from controller.capabilities import DeviceCapabilities
from controller.health import HealthProfile
from controller.limits import HARD_MAX_SESSION_S
from controller.program.check import compile_loaded
from controller.program.loader import LoadedProgram
from controller.safety import Assessment, Finding, Level, assess, limit_timeline, policy_for, program_meta

_ORDER = (Level.REFUSE, Level.CAUTION, Level.LIMIT, Level.INFO)


@dataclass(frozen=True, slots=True)
class Precheck:
    """The verdict on one program for one user and device, with every finding, most important first."""

    assessment: Assessment
    findings: tuple[Finding, ...]

    @property
    def refused(self) -> bool:
        """True when the program may not start as asked (a refusal, or a caution not acknowledged)."""
        return self.assessment.refused

    @property
    def verdict(self) -> str:
        """The one-line answer a user acts on."""
        if any(f.level is Level.REFUSE for f in self.assessment.findings):
            return "refused: this program will not run for this profile, even with --acknowledge"
        if self.assessment.needs_acknowledgement:
            return "needs acknowledgement: read the cautions above, then run with --acknowledge"
        return "may run" + (" (cautions acknowledged)" if self.assessment.acknowledged else "")


def precheck(loaded: LoadedProgram, health: HealthProfile | None, caps: DeviceCapabilities, *,
             acknowledge: bool = False, session_limit_s: float | None = None,
             max_intensity: int | None = None) -> Precheck:
    """Assess `loaded` for this user on this device; SafetyRefusal for options past a hard maximum."""
    policy = policy_for(health, session_limit_s=session_limit_s, max_intensity=max_intensity)
    assessment = assess(program_meta(loaded), health, acknowledge, policy=policy)
    timeline = compile_loaded(loaded, caps, session_limit_s=HARD_MAX_SESSION_S)
    _, limited = limit_timeline(timeline, caps, policy)
    findings = sorted([*assessment.findings, *limited], key=lambda f: _ORDER.index(f.level))
    return Precheck(assessment, tuple(findings))
