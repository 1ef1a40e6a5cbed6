"""The safety policy: limits no program can exceed, adjusted by the user's health profile.

Pure: frozen data in, frozen data out; no I/O, no clock, no device. Used in this order:

1. `policy_for(profile, ...)` combines defaults, hard maxima (controller/limits.py), the user's personal
   limits and the condition rules (controller/health.py, table in docs/safety.md) into a `SafetyPolicy`.
2. `assess(program, profile, acknowledged)` decides before anything runs: refused (a contraindication, or
   a condition refused for every program; cannot be forced), needs an acknowledgement (a caution, or the
   heat notice of RELIABILITY 23), or may run. Every finding names the condition and where the program
   declares it (file:line).
3. `limit_timeline(timeline, caps, policy)` clamps the compiled program in DEVICE units, removes heat when
   disallowed, truncates it at the session limit (the runner soft-stops there) and splits rises into ramps.
4. `clamp_live(previous, requested, elapsed_s, caps, policy)` is the last gate: EVERY command the controller
   sends to a device passes through it, including the user's live intensity +/- and the soft stop, so
   nothing beyond the policy or the device's ranges reaches the device, whatever a program or a bug asks.

Scaling: policy limits are on the program scale (intensity 0..10, heat 0..2). They are mapped onto a
device with the compiler's rule, device = round(level * device_max / program_max), a non-zero level
staying >= 1, so a program written within a limit is never clamped further.

Ramp rule (both 3 and 4): decreases are immediate (stopping is always allowed). A zone's intensity may rise
by at most `min(step, floor(rate * held_s))` device levels when the device's settings change, where
`held_s` is how long the previous settings were held, `rate` is the policy's ramp rate scaled to the device,
and `step = max(1, floor(rate * RAMP_TICK_S))`. So a rise is a staircase of small steps, never a jump.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from controller.capabilities import DeviceCapabilities
from controller.errors import SafetyRefusal
from controller.health import CONDITION_RULES, HealthProfile, PersonalLimits
from controller.limits import (
    DEFAULT_MAX_HEAT_LEVEL,
    DEFAULT_MAX_INTENSITY,
    DEFAULT_SESSION_LIMIT_S,
    HARD_MAX_INTENSITY,
    HARD_MAX_SESSION_S,
    LIGHT_PRESSURE_MAX_INTENSITY,
    MAX_RAMP_LEVELS_PER_S,
    MIN_PAUSE_BETWEEN_SESSIONS_S,
    MIN_SESSION_LIMIT_S,
    PROGRAM_HEAT_LEVELS,
    PROGRAM_INTENSITY_MAX,
    RAMP_TICK_S,
    SHORT_SESSION_LIMIT_S,
    SKIN_CONTACT_MAX_C,
)
from controller.program.conditions import CONDITIONS
from controller.program.loader import LoadedProgram
from controller.program.model import RepeatBlock, Step
from controller.timeline import Command, Timeline, ZoneSetting

PROGRAM_HEAT_MAX = len(PROGRAM_HEAT_LEVELS) - 1
_EPS = 1e-6

HEAT_NOTICE = (
    "this program heats parts that touch your skin (up to {limit_c:g} °C). Do not use heat with reduced "
    "sensation (neuropathy, diabetes), poor circulation, a pacemaker, pregnancy, wounds or fractures"
)


@dataclass(frozen=True, slots=True)
class SafetyPolicy:
    """The limits for one session, on the program scale; construction refuses anything past a hard max."""

    max_intensity: int = DEFAULT_MAX_INTENSITY
    zone_max_intensity: tuple[tuple[str, int], ...] = ()
    ramp_levels_per_s: float = MAX_RAMP_LEVELS_PER_S
    max_heat_level: int = DEFAULT_MAX_HEAT_LEVEL
    skin_contact_max_c: float = SKIN_CONTACT_MAX_C
    session_limit_s: float = DEFAULT_SESSION_LIMIT_S
    min_pause_s: float = MIN_PAUSE_BETWEEN_SESSIONS_S
    intensity_reason: str = "the default limit"
    heat_reason: str = "the default limit"
    session_reason: str = "the default session limit"

    def __post_init__(self) -> None:
        checks = [
            (0 <= self.max_intensity <= HARD_MAX_INTENSITY, "max_intensity", f"0..{HARD_MAX_INTENSITY}"),
            (all(0 <= v <= HARD_MAX_INTENSITY for _, v in self.zone_max_intensity),
             "zone_max_intensity", f"0..{HARD_MAX_INTENSITY}"),
            (0 < self.ramp_levels_per_s <= MAX_RAMP_LEVELS_PER_S, "ramp_levels_per_s",
             f"(0, {MAX_RAMP_LEVELS_PER_S:g}]"),
            (0 <= self.max_heat_level <= PROGRAM_HEAT_MAX, "max_heat_level", f"0..{PROGRAM_HEAT_MAX}"),
            (0 < self.skin_contact_max_c <= SKIN_CONTACT_MAX_C, "skin_contact_max_c",
             f"(0, {SKIN_CONTACT_MAX_C:g}] °C"),
            (0 < self.session_limit_s <= HARD_MAX_SESSION_S, "session_limit_s",
             f"(0, {HARD_MAX_SESSION_S}] s"),
            (self.min_pause_s >= 0, "min_pause_s", ">= 0 s"),
        ]
        for ok, name, allowed in checks:
            if not ok:
                raise SafetyRefusal(f"safety policy: {name} must be within {allowed}")

    def intensity_cap(self, zone: str) -> int:
        """The highest program-scale intensity allowed on `zone`."""
        per_zone = dict(self.zone_max_intensity).get(zone, HARD_MAX_INTENSITY)
        return min(self.max_intensity, per_zone)


def policy_for(
    profile: HealthProfile | None,
    *,
    session_limit_s: float | None = None,
    max_intensity: int | None = None,
) -> SafetyPolicy:
    """The policy for this user and run: the profile and conditions can only lower the limits.

    `session_limit_s` may raise the default up to HARD_MAX_SESSION_S and `max_intensity` up to
    HARD_MAX_INTENSITY; anything above a hard maximum raises SafetyRefusal.
    """
    if session_limit_s is not None and not MIN_SESSION_LIMIT_S <= session_limit_s <= HARD_MAX_SESSION_S:
        raise SafetyRefusal(f"session limit {session_limit_s:g} s is outside the allowed "
                            f"{MIN_SESSION_LIMIT_S}..{HARD_MAX_SESSION_S} s (hard maximum)")
    if max_intensity is not None and not 1 <= max_intensity <= HARD_MAX_INTENSITY:
        raise SafetyRefusal(f"maximum intensity {max_intensity} is outside 1..{HARD_MAX_INTENSITY}")
    conditions = profile.effective_conditions if profile else ()
    limits = profile.limits if profile else PersonalLimits()
    intensity, intensity_reason = _lowest([
        (max_intensity or DEFAULT_MAX_INTENSITY, "--max-intensity" if max_intensity else "the default limit"),
        (limits.max_intensity, "your personal max_intensity"),
        *[(LIGHT_PRESSURE_MAX_INTENSITY, f"{c}: light pressure")
          for c in conditions if CONDITION_RULES[c].light_pressure],
    ])
    heat, heat_reason = _lowest([
        (DEFAULT_MAX_HEAT_LEVEL, "the default limit"),
        (0 if limits.no_heat else None, "your personal no_heat"),
        *[(0, f"{c}: no heat") for c in conditions if CONDITION_RULES[c].no_heat],
    ])
    session_s, session_reason = _lowest([
        (session_limit_s or DEFAULT_SESSION_LIMIT_S,
         "--session-limit" if session_limit_s else "the default session limit"),
        (limits.session_limit_s, "your personal session_limit_s"),
        *[(SHORT_SESSION_LIMIT_S, f"{c}: time limited")
          for c in conditions if CONDITION_RULES[c].short_session],
    ])
    return SafetyPolicy(
        max_intensity=int(intensity), zone_max_intensity=tuple(sorted(limits.zone_max_intensity.items())),
        max_heat_level=int(heat), session_limit_s=session_s,
        intensity_reason=intensity_reason, heat_reason=heat_reason, session_reason=session_reason,
    )


def _lowest(candidates: Sequence[tuple[float | None, str]]) -> tuple[float, str]:
    """The smallest candidate value (None: not set) and every reason that gives it."""
    values = [(v, r) for v, r in candidates if v is not None]
    value = min(v for v, _ in values)
    return value, "; ".join(r for v, r in values if v == value)


def pause_remaining_s(last_session_end_s: float | None, now_s: float, policy: SafetyPolicy) -> float:
    """Seconds the user must still rest before a new session may start (0 when it may start)."""
    if last_session_end_s is None:
        return 0.0
    return max(0.0, last_session_end_s + policy.min_pause_s - now_s)


# ---- before a program runs ---------------------------------------------------------------------------


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


def program_meta(loaded: LoadedProgram) -> ProgramMeta:
    """The policy's view of a loaded program: its declared conditions with their lines, and its heat."""
    refs = loaded.conditions()
    declared = {kind: tuple(DeclaredCondition(r.condition, r.line, r.note) for r in refs if r.kind == kind)
                for kind in ("contraindication", "caution")}
    program = loaded.program
    return ProgramMeta(program.id, program.name, loaded.file, declared["contraindication"],
                       declared["caution"], _uses_heat(program.steps))


def _uses_heat(steps: Iterable[Step]) -> bool:
    return any(_uses_heat(s.steps) if isinstance(s, RepeatBlock) else s.heat != "off" for s in steps)


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
        out.append(Finding(Level.LIMIT, f"session at most {_mmss(policy.session_limit_s)}: "
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


def _mmss(seconds: float) -> str:
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


# ---- on every command --------------------------------------------------------------------------------


def to_device_level(level: int, device_max: int, program_max: int = PROGRAM_INTENSITY_MAX) -> int:
    """A program-scale level on a device's own range: the compiler's rounding, non-zero stays >= 1."""
    if level <= 0 or device_max <= 0:
        return 0
    return max(1, (2 * level * device_max + program_max) // (2 * program_max))


@dataclass(frozen=True, slots=True)
class _Ramp:
    """The ramp rule in device levels."""

    rate_per_s: float
    step: int

    def allowed_rise(self, held_s: float) -> int:
        """Levels a zone may rise by after the previous settings were held for `held_s`."""
        return max(0, math.floor(min(self.rate_per_s * held_s, self.step) + _EPS))


def _ramp_for(caps: DeviceCapabilities, policy: SafetyPolicy) -> _Ramp:
    rate = policy.ramp_levels_per_s * caps.intensity_max / PROGRAM_INTENSITY_MAX
    return _Ramp(rate, max(1, math.floor(rate * RAMP_TICK_S + _EPS)))


def clamp_setting(
    setting: ZoneSetting, caps: DeviceCapabilities, policy: SafetyPolicy, skin_temp_c: float | None = None
) -> ZoneSetting | None:
    """One zone's setting within the policy and the device's ranges; None for a zone the device lacks."""
    zone = caps.zone_by_id(setting.zone_id)
    if zone is None:
        return None
    intensity_cap = to_device_level(policy.intensity_cap(zone.name), caps.intensity_max)
    too_hot = skin_temp_c is not None and skin_temp_c >= policy.skin_contact_max_c
    heat_cap = 0 if too_hot or not zone.heated else to_device_level(
        policy.max_heat_level, caps.heat_max, PROGRAM_HEAT_MAX)
    intensity = min(max(setting.intensity, 0), intensity_cap)
    heat = min(max(setting.heat, 0), heat_cap)
    speed = min(max(setting.speed, 0), caps.speed_max)
    if (zone.name, intensity, heat, speed) == (setting.zone, setting.intensity, setting.heat, setting.speed):
        return setting  # the common case on every renewal: nothing to clamp, nothing to copy
    return replace(setting, zone=zone.name, intensity=intensity, heat=heat, speed=speed)


def _rise_limited(setting: ZoneSetting, current: int, allowed: int) -> ZoneSetting:
    if setting.intensity <= current + allowed:
        return setting
    return replace(setting, intensity=current + allowed)


def clamp_live(
    previous: tuple[ZoneSetting, ...],
    requested: tuple[ZoneSetting, ...],
    elapsed_s: float,
    caps: DeviceCapabilities,
    policy: SafetyPolicy,
    *,
    skin_temp_c: float | None = None,
) -> tuple[ZoneSetting, ...]:
    """What may be sent now instead of `requested`; the last gate before the device, for every command.

    `previous` is what the device holds and `elapsed_s` how long it has held it. A rise beyond the ramp
    rule is cut to what is allowed now; the caller asks again later and converges on the request.
    A skin temperature at or above the policy's limit turns heat off. Zones the device lacks are dropped.
    """
    held = {s.zone_id: s.intensity for s in previous}
    allowed = _ramp_for(caps, policy).allowed_rise(elapsed_s)
    out = []
    for setting in requested:
        clamped = clamp_setting(setting, caps, policy, skin_temp_c)
        if clamped is not None:
            out.append(_rise_limited(clamped, held.get(clamped.zone_id, 0), allowed))
    return tuple(out)


def limit_timeline(
    timeline: Timeline, caps: DeviceCapabilities, policy: SafetyPolicy
) -> tuple[Timeline, list[Finding]]:
    """The compiled program made safe for this device and user, and what was changed and why.

    Clamps intensity, heat and speed, truncates at the session limit (the runner soft-stops there) and
    turns every rise into a ramp that `clamp_live` will pass unchanged.
    """
    clamped = [_clamp_command(c, caps, policy) for c in timeline.commands]
    findings = _clamp_findings(timeline.commands, clamped, caps, policy)
    limit_s = min(policy.session_limit_s, caps.max_session_s)
    kept = _truncate(clamped, limit_s)
    if timeline.total_s > limit_s + _EPS:
        why = policy.session_reason if limit_s == policy.session_limit_s else "the device's session cap"
        findings.append(Finding(Level.LIMIT, f"this {_mmss(timeline.total_s)} program is ended at "
                                f"{_mmss(limit_s)} with a soft stop: {why}"))
    ramped = _ramp_commands(kept, _ramp_for(caps, policy))
    if len(ramped) > len(kept):
        findings.append(Finding(Level.LIMIT, f"{len(ramped) - len(kept)} ramp steps added so no zone "
                                f"rises faster than {policy.ramp_levels_per_s:g} levels/s"))
    return replace(timeline, commands=tuple(ramped)), findings


def _clamp_command(command: Command, caps: DeviceCapabilities, policy: SafetyPolicy) -> Command:
    settings = (clamp_setting(s, caps, policy) for s in command.settings)
    return replace(command, settings=tuple(s for s in settings if s is not None))


def _clamp_findings(
    before: Sequence[Command], after: Sequence[Command], caps: DeviceCapabilities, policy: SafetyPolicy
) -> list[Finding]:
    """One finding per kind of change, naming the program steps it touched."""
    steps: dict[str, set[int]] = {"intensity": set(), "heat": set(), "speed": set(), "zone": set()}
    for original, limited in zip(before, after, strict=True):
        kept = {s.zone_id: s for s in limited.settings}
        for a in original.settings:
            b = kept.get(a.zone_id)
            changed = ["zone"] if b is None else [
                k for k in ("intensity", "heat", "speed") if getattr(b, k) < getattr(a, k)]
            for kind in changed:
                steps[kind].add(original.step)
    heat = PROGRAM_HEAT_LEVELS[policy.max_heat_level]
    per_zone = f", per zone {dict(policy.zone_max_intensity)}" if policy.zone_max_intensity else ""
    why = {
        "intensity": f"intensity lowered to {policy.max_intensity}/{PROGRAM_INTENSITY_MAX}{per_zone} "
        f"({policy.intensity_reason})",
        "heat": f"heat {'removed' if heat == 'off' else 'lowered to ' + heat} ({policy.heat_reason}; "
        "always off on zones without a heater)",
        "speed": f"speed lowered to the device's maximum {caps.speed_max}",
        "zone": f"zones the {caps.model} does not report dropped",
    }
    return [Finding(Level.LIMIT, f"program steps {_ranges(sorted(v))}: {why[k]}")
            for k, v in steps.items() if v]


def _ranges(numbers: Sequence[int]) -> str:
    """1, 2, 3, 7 → '1-3, 7': short enough to read for a long program."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _truncate(commands: Sequence[Command], limit_s: float) -> list[Command]:
    """The commands before `limit_s`, the last one cut short at it."""
    out = []
    for c in commands:
        if c.start_s >= limit_s - _EPS:
            break
        out.append(c if c.end_s <= limit_s else replace(c, duration_s=limit_s - c.start_s))
    return out


def _ramp_commands(commands: Sequence[Command], ramp: _Ramp) -> list[Command]:
    """Split commands so every rise obeys the ramp rule; holds the same zone states otherwise."""
    out: list[Command] = []
    for c in commands:
        held = {s.zone_id: s.intensity for s in out[-1].settings} if out else {}
        since = out[-1].start_s if out else -math.inf
        if out and c.start_s > out[-1].end_s + _EPS:
            held, since = {}, out[-1].end_s  # a gap between commands: the device is off
        out.extend(_ramp_one(c, held, since, ramp))
    return out


def _ramp_one(command: Command, held: dict[int, int], since: float, ramp: _Ramp) -> list[Command]:
    """One command as a staircase of sub-commands, starting from the `held` intensities."""
    out = []
    t = command.start_s
    while True:
        allowed = ramp.allowed_rise(t - since)
        settings = tuple(_rise_limited(s, held.get(s.zone_id, 0), allowed) for s in command.settings)
        missing = max((s.intensity - n.intensity for s, n in zip(command.settings, settings,
                                                                  strict=True)), default=0)
        nxt = t + min(ramp.step, missing) / ramp.rate_per_s if missing > 0 else math.inf
        end = command.end_s if nxt >= command.end_s - _EPS else nxt
        out.append(replace(command, start_s=t, duration_s=end - t, settings=settings))
        if end >= command.end_s:
            return out
        held, since, t = {s.zone_id: s.intensity for s in settings}, t, end
