"""The compiled program made safe for this device and user before it plays (`limit_timeline`).

Clamps every command with the gate's rules, removes heat when disallowed, truncates the program at the
session limit (the runner soft-stops there) and splits rises into ramps that `clamp_live` passes unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from controller.safety.assess import Finding, Level
from controller.safety.gate import EPS, Ramp, clamp_setting, ramp_for, rise_limited
from controller.safety.limits import (
    DEVICE_CAP_MARGIN_S,
    PROGRAM_HEAT_LEVELS,
    PROGRAM_INTENSITY_MAX,
    fit_device_cap,
)
from controller.safety.policy import SafetyPolicy
from controller.timeline import Command, Timeline
from controller.timetext import minutes_text
from controller.wire.capabilities import DeviceCapabilities


def limit_timeline(
    timeline: Timeline, caps: DeviceCapabilities, policy: SafetyPolicy
) -> tuple[Timeline, list[Finding]]:
    """The compiled program made safe for this device and user, and what was changed and why.

    Clamps intensity, heat and speed, truncates at the session limit (the runner soft-stops there) and
    turns every rise into a ramp that `clamp_live` will pass unchanged.
    """
    clamped = [_clamp_command(c, caps, policy) for c in timeline.commands]
    findings = _clamp_findings(timeline.commands, clamped, caps, policy)
    limit_s = fit_device_cap(policy.session_limit_s, caps.max_session_s)
    kept = _truncate(clamped, limit_s)
    if limit_s < policy.session_limit_s:
        findings.append(Finding(Level.LIMIT, f"session limit lowered from "
                                f"{minutes_text(policy.session_limit_s)} to {minutes_text(limit_s)}: it ends "
                                f"{DEVICE_CAP_MARGIN_S} s before the device's own session cap of "
                                f"{minutes_text(caps.max_session_s)}"))
    if timeline.total_s > limit_s + EPS:
        why = policy.session_reason if limit_s == policy.session_limit_s else "the device's session cap"
        findings.append(Finding(Level.LIMIT, f"this {minutes_text(timeline.total_s)} program is ended at "
                                f"{minutes_text(limit_s)} with a soft stop: {why}"))
    ramped = _ramp_commands(kept, ramp_for(caps, policy))
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
    zeroed = " or limited to 0" if any(level == 0 for _, level in policy.zone_max_intensity) else ""
    why = {
        "intensity": f"intensity lowered to {policy.max_intensity}/{PROGRAM_INTENSITY_MAX}{per_zone} "
        f"({policy.intensity_reason})",
        "heat": f"heat {'removed' if heat == 'off' else 'lowered to ' + heat} ({policy.heat_reason}; "
        f"always off on zones without a heater{zeroed})",
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
        if c.start_s >= limit_s - EPS:
            break
        out.append(c if c.end_s <= limit_s else replace(c, duration_s=limit_s - c.start_s))
    return out


def _ramp_commands(commands: Sequence[Command], ramp: Ramp) -> list[Command]:
    """Split commands so every rise obeys the ramp rule; holds the same zone states otherwise."""
    out: list[Command] = []
    for c in commands:
        held = {s.zone_id: s.intensity for s in out[-1].settings} if out else {}
        since = out[-1].start_s if out else -math.inf
        if out and c.start_s > out[-1].end_s + EPS:
            held, since = {}, out[-1].end_s  # a gap between commands: the device is off
        out.extend(_ramp_one(c, held, since, ramp))
    return out


def _ramp_one(command: Command, held: dict[int, int], since: float, ramp: Ramp) -> list[Command]:
    """One command as a staircase of sub-commands, starting from the `held` intensities."""
    out = []
    t = command.start_s
    while True:
        allowed = ramp.allowed_rise(t - since)
        settings = tuple(rise_limited(s, held.get(s.zone_id, 0), allowed) for s in command.settings)
        missing = max((s.intensity - n.intensity for s, n in zip(command.settings, settings,
                                                                  strict=True)), default=0)
        nxt = t + min(ramp.step, missing) / ramp.rate_per_s if missing > 0 else math.inf
        end = command.end_s if nxt >= command.end_s - EPS else nxt
        out.append(replace(command, start_s=t, duration_s=end - t, settings=settings))
        if end >= command.end_s:
            return out
        held, since, t = {s.zone_id: s.intensity for s in settings}, t, end
