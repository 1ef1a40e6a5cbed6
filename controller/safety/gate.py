"""The last gate before the device: EVERY command the controller sends passes `clamp_live`.

Including the user's live intensity +/- and the soft stop, so nothing beyond the policy or the device's
ranges reaches the device, whatever a program or a bug asks. Pure: no I/O, no clock, no device.

Scaling: policy limits are on the program scale (intensity 0..10, heat 0..2). They are mapped onto a
device with the compiler's own rule, `to_device_level` (controller/safety/limits.py), so a program written
within a limit is never clamped further.

Ramp rule (here and in controller/safety/shaping.py): decreases are immediate (stopping is always
allowed). A zone's intensity may rise by at most `min(step, floor(rate * held_s))` device levels when the
device's settings change, where `held_s` is how long the previous settings were held, `rate` is the
policy's ramp rate scaled to the device, and `step = max(1, floor(rate * RAMP_TICK_S))`. So a rise is a
staircase of small steps, never a jump.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from controller.safety.limits import PROGRAM_HEAT_MAX, PROGRAM_INTENSITY_MAX, RAMP_TICK_S, to_device_level
from controller.safety.policy import SafetyPolicy
from controller.timeline import ZoneSetting
from controller.wire.capabilities import DeviceCapabilities

EPS = 1e-6


@dataclass(frozen=True, slots=True)
class Ramp:
    """The ramp rule in device levels."""

    rate_per_s: float
    step: int

    def allowed_rise(self, held_s: float) -> int:
        """Levels a zone may rise by after the previous settings were held for `held_s`."""
        return max(0, math.floor(min(self.rate_per_s * held_s, self.step) + EPS))


def ramp_for(caps: DeviceCapabilities, policy: SafetyPolicy) -> Ramp:
    rate = policy.ramp_levels_per_s * caps.intensity_max / PROGRAM_INTENSITY_MAX
    return Ramp(rate, max(1, math.floor(rate * RAMP_TICK_S + EPS)))


def clamp_setting(
    setting: ZoneSetting, caps: DeviceCapabilities, policy: SafetyPolicy, skin_temp_c: float | None = None
) -> ZoneSetting | None:
    """One zone's setting within the policy and the device's ranges; None for a zone the device lacks."""
    zone = caps.zone_by_id(setting.zone_id)
    if zone is None:
        return None
    intensity_cap = to_device_level(policy.intensity_cap(zone.name), caps.intensity_max)
    too_hot = skin_temp_c is not None and skin_temp_c >= policy.skin_contact_max_c
    zone_off = intensity_cap == 0  # a zone limited to 0 is off: its heat too
    heat_cap = 0 if too_hot or zone_off or not zone.heated else to_device_level(
        policy.max_heat_level, caps.heat_max, PROGRAM_HEAT_MAX)
    intensity = min(max(setting.intensity, 0), intensity_cap)
    heat = min(max(setting.heat, 0), heat_cap)
    speed = min(max(setting.speed, 0), caps.speed_max)
    if (zone.name, intensity, heat, speed) == (setting.zone, setting.intensity, setting.heat, setting.speed):
        return setting  # the common case on every renewal: nothing to clamp, nothing to copy
    return replace(setting, zone=zone.name, intensity=intensity, heat=heat, speed=speed)


def rise_limited(setting: ZoneSetting, current: int, allowed: int) -> ZoneSetting:
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
    allowed = ramp_for(caps, policy).allowed_rise(elapsed_s)
    out = []
    for setting in requested:
        clamped = clamp_setting(setting, caps, policy, skin_temp_c)
        if clamped is not None:
            out.append(rise_limited(clamped, held.get(clamped.zone_id, 0), allowed))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class PolicyGate:
    """The gate a run's session applies to every SET: `clamp_live` with this policy (see runs/session.py)."""

    policy: SafetyPolicy

    def __call__(self, caps: DeviceCapabilities, previous: tuple[ZoneSetting, ...],
                 requested: tuple[ZoneSetting, ...], elapsed_s: float,
                 temperature_c: float | None) -> tuple[ZoneSetting, ...]:
        return clamp_live(previous, requested, elapsed_s, caps, self.policy, skin_temp_c=temperature_c)
