"""The safety policy: limits no program can exceed, adjusted by the user's health profile.

Pure: frozen data in, frozen data out; no I/O, no clock, no device. `policy_for(profile, ...)` combines
defaults, hard maxima (controller/safety/limits.py), the user's personal limits and the condition rules
(controller/safety/health.py, table in docs/safety.md) into a `SafetyPolicy`. The policy is on the program
scale (intensity 0..10, heat 0..2); controller/safety/gate.py maps it onto a device on every command.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from controller.errors import SafetyRefusal
from controller.safety.health import CONDITION_RULES, HealthProfile, PersonalLimits
from controller.safety.limits import (
    DEFAULT_MAX_HEAT_LEVEL,
    DEFAULT_MAX_INTENSITY,
    DEFAULT_SESSION_LIMIT_S,
    HARD_MAX_INTENSITY,
    HARD_MAX_SESSION_S,
    LIGHT_PRESSURE_MAX_INTENSITY,
    MAX_RAMP_LEVELS_PER_S,
    MIN_PAUSE_BETWEEN_SESSIONS_S,
    MIN_SESSION_LIMIT_S,
    PROGRAM_HEAT_MAX,
    SHORT_SESSION_LIMIT_S,
    SKIN_CONTACT_MAX_C,
)
from controller.zones import limit_names


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
        """The highest program-scale intensity allowed on device zone `zone`.

        A per-zone limit reaches every zone that plays it (controller/zones.py `limit_names`): a limit on
        `calf` holds on a chair's `calves`, one on `heel` on a chair's `feet`. 0 means the zone is off,
        heat included (controller/safety/gate.py).
        """
        names = limit_names(zone)
        per_zone = [level for name, level in self.zone_max_intensity if name in names]
        return min([self.max_intensity, *per_zone])


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
