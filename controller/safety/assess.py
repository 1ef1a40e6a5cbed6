"""Before a program runs: refused, needs an acknowledgement, or may run, and why.

`assess(program, profile, acknowledged)` decides: refused (a contraindication, or a condition refused for
every program; cannot be forced), needs an acknowledgement (a caution, or the heat notice of RELIABILITY
23), or may run. Every finding names the condition and where the program declares it (file:line). It reads
a `ProgramMeta`, the policy's view of a program, so this module needs no program code
(controller/program/check.py builds one from a loaded program).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from controller.errors import SafetyRefusal
from controller.safety.conditions import CONDITIONS
from controller.safety.health import CONDITION_RULES, HealthProfile
from controller.safety.limits import DEFAULT_MAX_INTENSITY, DEFAULT_SESSION_LIMIT_S, PROGRAM_INTENSITY_MAX
from controller.safety.policy import SafetyPolicy, policy_for
from controller.timetext import minutes_text

HEAT_NOTICE = (
    "this program heats parts that touch your skin (up to {limit_c:g} °C). Do not use heat with reduced "
    "sensation (neuropathy, diabetes), poor circulation, a pacemaker, pregnancy, wounds or fractures"
)



class Level(StrEnum):
    """How serious a finding is; only REFUSE and unacknowledged CAUTION stop a program."""

    REFUSE = "refuse"
    LIMIT = "limit"
    CAUTION = "caution"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the policy refuses, limits or notes, with the condition and where it is declared."""

    level: Level
    message: str
    condition: str | None = None
    where: str | None = None

    def __str__(self) -> str:
        label = {Level.REFUSE: "REFUSED", Level.LIMIT: "LIMITED", Level.CAUTION: "CAUTION",
                 Level.INFO: "note"}[self.level]
        return f"{label}: {self.message}"


@dataclass(frozen=True, slots=True)
class DeclaredCondition:
    """A condition a program lists, with the file line that lists it."""

    condition: str
    line: int | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ProgramMeta:
    """What the policy needs to know about a program, independent of the program model."""

    id: str
    name: str
    file: str | None = None
    contraindications: tuple[DeclaredCondition, ...] = ()
    cautions: tuple[DeclaredCondition, ...] = ()
    uses_heat: bool = False

    def where(self, declared: DeclaredCondition) -> str:
        """file:line of a declaration, for messages an author can act on."""
        return f"{self.file or self.id}:{declared.line if declared.line is not None else '?'}"


@dataclass(frozen=True, slots=True)
class Assessment:
    """The verdict on one program for one user: findings, and whether it may start."""

    findings: tuple[Finding, ...]
    acknowledged: bool

    @property
    def needs_acknowledgement(self) -> bool:
        """True when a caution has not been acknowledged."""
        return not self.acknowledged and any(f.level is Level.CAUTION for f in self.findings)

    @property
    def refused(self) -> bool:
        """True when the program may not start as asked."""
        return self.needs_acknowledgement or any(f.level is Level.REFUSE for f in self.findings)

    @property
    def verdict(self) -> str:
        """The one-line answer a user acts on (`massagectl check`, the web console's check)."""
        if any(f.level is Level.REFUSE for f in self.findings):
            return "refused: this program will not run for this profile, even with --acknowledge"
        if self.needs_acknowledgement:
            return "needs acknowledgement: read the cautions above, then run with --acknowledge"
        return "may run" + (" (cautions acknowledged)" if self.acknowledged else "")

    def raise_if_refused(self) -> None:
        """Raises SafetyRefusal listing every reason, so `run` stops before sending anything."""
        if not self.refused:
            return
        reasons = [str(f) for f in self.findings if f.level in (Level.REFUSE, Level.CAUTION)]
        if self.needs_acknowledgement and not any(f.level is Level.REFUSE for f in self.findings):
            reasons.append("run again with --acknowledge once you have read the cautions above")
        raise SafetyRefusal("\n".join(reasons))


def assess(
    program: ProgramMeta,
    profile: HealthProfile | None,
    acknowledged: bool,
    *,
    policy: SafetyPolicy | None = None,
) -> Assessment:
    """Refuse, require an acknowledgement, or allow `program` for this user, and say why."""
    policy = policy or policy_for(profile)
    conditions = profile.effective_conditions if profile else ()
    findings = [f for c in conditions if (f := _condition_finding(program, c)) is not None]
    findings += _undeclared_note(program, conditions, profile is None)
    findings += _limit_findings(policy)
    findings += _heat_findings(program, policy)
    return Assessment(tuple(findings), acknowledged)



def _condition_finding(program: ProgramMeta, condition: str) -> Finding | None:
    """What one of the user's conditions means for this program."""
    rule = CONDITION_RULES[condition]  # type: ignore[index]  # the profile validated the name
    label = CONDITIONS[condition].label  # type: ignore[index]
    contra = next((d for d in program.contraindications if d.condition == condition), None)
    caution = next((d for d in program.cautions if d.condition == condition), None)
    if contra is not None:
        where = program.where(contra)
        return Finding(Level.REFUSE, f"{program.name!r} is not for people with {label}: the program "
                       f"declares it a contraindication at {where}", condition, where)
    if rule.refuse_always:
        return Finding(Level.REFUSE, f"no program runs for people with {label}: {rule.why}", condition)
    if caution is not None:
        where = program.where(caution)
        note = f" ({caution.note})" if caution.note else ""
        return Finding(Level.CAUTION, f"{program.name!r} declares {label} a caution at {where}{note}; "
                       f"{rule.why or 'take care'}", condition, where)
    if rule.needs_ack:
        return Finding(Level.CAUTION, f"you declared {label}: {rule.why}", condition)
    return None


def _undeclared_note(program: ProgramMeta, conditions: Iterable[str], no_profile: bool) -> list[Finding]:
    """A reminder of the program's contraindications the user has not declared."""
    rest = [d for d in program.contraindications if d.condition not in set(conditions)]
    if not rest:
        return []
    names = ", ".join(CONDITIONS[d.condition].label for d in rest)  # type: ignore[index]
    lead = "no health profile found; " if no_profile else ""
    return [Finding(Level.INFO, f"{lead}{program.name!r} is not for people with: {names} "
                    f"(declared at {program.where(rest[0])})", None, program.where(rest[0]))]


def _limit_findings(policy: SafetyPolicy) -> list[Finding]:
    """The limits this user's conditions or settings lower below the defaults."""
    out = []
    if policy.max_intensity < DEFAULT_MAX_INTENSITY:
        out.append(Finding(Level.LIMIT, f"intensity at most {policy.max_intensity}/"
                           f"{PROGRAM_INTENSITY_MAX}: {policy.intensity_reason}"))
    if policy.session_limit_s < DEFAULT_SESSION_LIMIT_S:
        out.append(Finding(Level.LIMIT, f"session at most {minutes_text(policy.session_limit_s)}: "
                           f"{policy.session_reason}"))
    return out


def _heat_findings(program: ProgramMeta, policy: SafetyPolicy) -> list[Finding]:
    """Heat is removed when disallowed; otherwise its notice must be acknowledged (RELIABILITY 23)."""
    if not program.uses_heat:
        return []
    if policy.max_heat_level == 0:
        return [Finding(Level.LIMIT, f"heat removed: {policy.heat_reason}")]
    notice = HEAT_NOTICE.format(limit_c=policy.skin_contact_max_c)
    return [Finding(Level.CAUTION, notice)]
