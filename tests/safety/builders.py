"""Shared builders and hypothesis strategies for the safety tests."""

from __future__ import annotations

import math
from dataclasses import replace

from hypothesis import strategies as st

from controller.cli.simdevice import sim_profile_capabilities
from controller.safety.health import CONDITIONS, HealthProfile, PersonalLimits
from controller.safety.limits import PROGRAM_INTENSITY_MAX, RAMP_TICK_S
from controller.safety.policy import SafetyPolicy
from controller.timeline import Command, Timeline, ZoneSetting
from controller.wire.capabilities import DeviceCapabilities

FOOT = sim_profile_capabilities("foot")
CHAIR = sim_profile_capabilities("chair")


def setting(
    caps: DeviceCapabilities, zone: str, intensity: int, heat: int = 0, speed: int = 2
) -> ZoneSetting:
    """A ZoneSetting for `zone` on `caps`, as a compiler would make it."""
    z = caps.zone(zone)
    assert z is not None, zone
    return ZoneSetting(zone, z.id, "knead", 2, intensity, speed, heat)


def timeline(caps: DeviceCapabilities, *commands: tuple[float, tuple[ZoneSetting, ...]]) -> Timeline:
    """Back-to-back commands of the given durations, numbered as program steps 1, 2, ..."""
    out, t = [], 0.0
    for i, (duration_s, settings) in enumerate(commands, start=1):
        out.append(Command(t, duration_s, i, f"step {i}", settings))
        t += duration_s
    return Timeline("test", "Test", caps.model, tuple(out))


@st.composite
def device_caps(draw: st.DrawFn) -> DeviceCapabilities:
    """The simulator's devices and made-up ones with other ranges (1..20 levels, 0..3 heat)."""
    base = draw(st.sampled_from([FOOT, CHAIR]))
    if draw(st.booleans()):
        return base
    return replace(
        base,
        intensity_max=draw(st.integers(1, 20)),
        heat_max=draw(st.integers(0, 3)),
        speed_max=draw(st.integers(1, 6)),
        max_session_s=draw(st.sampled_from([600, 1800, 3600])),
    )


@st.composite
def profiles(draw: st.DrawFn) -> HealthProfile | None:
    """No profile, or any combination of conditions, age group and personal limits."""
    if draw(st.booleans()) and draw(st.booleans()):
        return None
    zones = ["calf", "heel", "neck", "lower_back", "feet", "ball"]
    limits = PersonalLimits(
        max_intensity=draw(st.none() | st.integers(1, 10)),
        zone_max_intensity=draw(st.dictionaries(st.sampled_from(zones), st.integers(0, 10), max_size=3)),
        no_heat=draw(st.booleans()),
        session_limit_s=draw(st.none() | st.integers(60, 1800)),
    )
    return HealthProfile(
        age_group=draw(st.sampled_from(["adult", "elderly"])),
        conditions=tuple(draw(st.lists(st.sampled_from(CONDITIONS), max_size=4, unique=True))),
        limits=limits,
    )


@st.composite
def zone_settings(draw: st.DrawFn, caps: DeviceCapabilities) -> tuple[ZoneSetting, ...]:
    """Settings for some of the device's zones, sometimes beyond its ranges (a buggy or hostile source)."""
    zones = draw(st.lists(st.sampled_from(caps.zones), max_size=4, unique=True))
    wild = draw(st.booleans())
    top_i = caps.intensity_max * (3 if wild else 1)
    top_h = caps.heat_max + (3 if wild else 0)
    return tuple(
        ZoneSetting(z.name, z.id, "knead", 2,
                    draw(st.integers(-2 if wild else 0, top_i)),
                    draw(st.integers(0, caps.speed_max + (3 if wild else 0))),
                    draw(st.integers(0, top_h)) if z.heated or wild else 0)
        for z in zones
    )


@st.composite
def timelines(draw: st.DrawFn, caps: DeviceCapabilities) -> Timeline:
    """Back-to-back commands of random length (a fraction of a second to many minutes)."""
    count = draw(st.integers(1, 8))
    durations = draw(st.lists(
        st.one_of(st.floats(0.05, 5.0), st.integers(1, 900).map(float)), min_size=count, max_size=count))
    return timeline(caps, *((d, draw(zone_settings(caps))) for d in durations))


# ---- the rules, derived again here rather than imported, so a bug in the policy cannot hide itself ----


def ramp_of(caps: DeviceCapabilities, policy: SafetyPolicy) -> tuple[float, int]:
    rate = policy.ramp_levels_per_s * caps.intensity_max / PROGRAM_INTENSITY_MAX
    return rate, max(1, math.floor(rate * RAMP_TICK_S + 1e-6))


def max_rise(held_s: float, caps: DeviceCapabilities, policy: SafetyPolicy) -> int:
    rate, step = ramp_of(caps, policy)
    return math.floor(min(rate * held_s, step) + 1e-6)


def _intensity_cap(caps: DeviceCapabilities, policy: SafetyPolicy, zone: str) -> int:
    level = policy.intensity_cap(zone)
    return 0 if level == 0 else max(1, math.floor(level * caps.intensity_max / 10 + 0.5 + 1e-9))


def _heat_cap(caps: DeviceCapabilities, policy: SafetyPolicy, zone_id: int) -> int:
    zone = caps.zone_by_id(zone_id)
    if zone is None or not zone.heated or policy.max_heat_level == 0:
        return 0
    return math.ceil(policy.max_heat_level * caps.heat_max / 2)


def assert_within_limits(
    settings_: tuple[ZoneSetting, ...], caps: DeviceCapabilities, policy: SafetyPolicy
) -> None:
    for s in settings_:
        assert caps.zone_by_id(s.zone_id) is not None
        assert 0 <= s.intensity <= min(caps.intensity_max, _intensity_cap(caps, policy, s.zone))
        assert 0 <= s.heat <= min(caps.heat_max, _heat_cap(caps, policy, s.zone_id))
        assert 0 <= s.speed <= caps.speed_max


def levels(command: Command | None) -> dict[int, int]:
    return {s.zone_id: s.intensity for s in command.settings} if command else {}


def assert_ramp_holds(commands: tuple[Command, ...], caps: DeviceCapabilities, policy: SafetyPolicy) -> None:
    """Between consecutive commands no zone rises by more than the hold before it allows."""
    previous: Command | None = None
    for command in commands:
        held_s = previous.duration_s if previous else math.inf
        before = levels(previous)
        for s in command.settings:
            assert s.intensity - before.get(s.zone_id, 0) <= max_rise(held_s, caps, policy)
        previous = command
