"""First-order heater-plate model (§6.4): the plate temperature relaxes exponentially toward a target."""

from __future__ import annotations

import math
from collections.abc import Sequence

from sim.profiles import Profile
from sim.protocol import SKIN_LIMIT_DC

RUNAWAY_TARGET_DC = 900  # a stuck-on heater drives the plate toward 90 °C until the cutoff trips


def relax(temp_dC: float, target_dC: float, tau_s: float, dt_s: float) -> float:
    """Exact solution of dT/dt = (target − T)/tau over dt_s, so step size never changes the result."""
    if dt_s <= 0:
        return temp_dC
    return target_dC + (temp_dC - target_dC) * math.exp(-dt_s / tau_s)


def regulation_target_dC(profile: Profile, heat_levels: Sequence[int], runaway: bool) -> float:
    """Where the plate is heading: the highest requested level's target, capped at 41.0 °C (§6.4)."""
    if runaway:
        return RUNAWAY_TARGET_DC
    levels = [h for h in heat_levels if h > 0]
    if not levels:
        return profile.ambient_dC
    level = min(max(levels), len(profile.heat_targets_dC))
    return min(profile.heat_targets_dC[level - 1], SKIN_LIMIT_DC)
