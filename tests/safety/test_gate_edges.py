"""The last gate at its edges (issue 14): negative values, a coarse device, a zone limited to 0, the ramp
with no time held. The property tests only generated values that were too high."""

from __future__ import annotations

from dataclasses import replace

import pytest

from controller.safety.gate import PolicyGate, clamp_live, ramp_for
from controller.safety.health import HealthProfile, PersonalLimits
from controller.safety.limits import to_device_level
from controller.safety.policy import SafetyPolicy, policy_for
from controller.timeline import ZoneSetting
from tests.safety.builders import CHAIR, FOOT, setting

COARSE = replace(FOOT, intensity_max=3, heat_max=1, speed_max=2)


@pytest.mark.parametrize("field", ["intensity", "heat", "speed"])
def test_a_negative_value_reaches_the_device_as_0(field: str) -> None:
    asked = replace(setting(FOOT, "heel", 1, heat=1, speed=2), **{field: -3})  # 1: within the first ramp step
    sent = clamp_live((), (asked,), 10.0, FOOT, policy_for(None))
    assert getattr(sent[0], field) == 0
    assert replace(sent[0], **{field: -3}) == asked  # and nothing else changed


def test_a_non_zero_level_stays_at_least_1_on_a_coarse_device() -> None:
    assert [to_device_level(level, 3) for level in range(11)] == [0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3]
    assert to_device_level(1, 1) == 1 and to_device_level(1, 2, 2) == 1 and to_device_level(1, 0) == 0
    assert to_device_level(-1, 10) == 0
    one = policy_for(None, max_intensity=1)
    sent = clamp_live((), (setting(COARSE, "heel", 3),), 10.0, COARSE, one)
    assert sent == (setting(COARSE, "heel", 1),)  # capped at 1, never rounded to off


def test_a_zone_limited_to_0_is_off_heat_included() -> None:
    policy = policy_for(HealthProfile(limits=PersonalLimits(zone_max_intensity={"heel": 0})))
    asked = (setting(FOOT, "heel", 4, heat=2), setting(FOOT, "ball", 4, heat=2))
    heel, ball = clamp_live(asked, asked, 10.0, FOOT, policy)
    assert (heel.intensity, heel.heat) == (0, 0)
    assert (ball.intensity, ball.heat) == (4, 2)


def test_heat_is_capped_in_the_device_s_units_and_off_on_an_unheated_zone() -> None:
    low = SafetyPolicy(max_heat_level=1)
    asked = (setting(FOOT, "heel", 1, heat=2), setting(FOOT, "calf", 1, heat=2))
    sent = clamp_live((), asked, 10.0, FOOT, low)
    assert [s.heat for s in sent] == [1, 0]
    speed = clamp_live((), (setting(CHAIR, "seat", 1, speed=9),), 10.0, CHAIR, low)
    assert speed[0].speed == CHAIR.speed_max


def test_what_the_device_holds_passes_unchanged_whatever_the_clock_says() -> None:
    """No time held (or a clock read backwards) allows no rise, and never a fall the user did not ask for."""
    held = (setting(FOOT, "heel", 5),)
    policy = policy_for(None)
    for elapsed_s in (0.0, -1.0, -100.0):
        assert clamp_live(held, held, elapsed_s, FOOT, policy) == held
        assert clamp_live(held, (setting(FOOT, "heel", 8),), elapsed_s, FOOT, policy) == held


def test_the_ramp_step_at_its_edges() -> None:
    ramp = ramp_for(FOOT, policy_for(None))  # 2 levels/s on a 0..10 device: one level per 0.5 s tick
    assert (ramp.rate_per_s, ramp.step) == (2.0, 1)
    assert [ramp.allowed_rise(t) for t in (0.0, 0.49, 0.5, 10.0)] == [0, 0, 1, 1]
    slow = ramp_for(COARSE, SafetyPolicy(ramp_levels_per_s=0.5))  # 0.15 levels/s: the step is still 1
    assert slow.step == 1 and slow.allowed_rise(6.0) == 0 and slow.allowed_rise(7.0) == 1
    fast = ramp_for(replace(FOOT, intensity_max=40), policy_for(None))  # 8 levels/s: 4 per tick
    assert fast.step == 4 and fast.allowed_rise(0.25) == 2 and fast.allowed_rise(3.0) == 4


def test_a_zone_the_device_lacks_is_dropped_and_the_rest_kept() -> None:
    ghost = ZoneSetting("ghost", 99, "knead", 2, 3, 2, 0)
    assert clamp_live((), (ghost, setting(FOOT, "heel", 1)), 10.0, FOOT, policy_for(None)) == (
        setting(FOOT, "heel", 1),)


def test_the_session_s_gate_is_clamp_live_with_its_policy_and_the_skin_temperature() -> None:
    gate = PolicyGate(SafetyPolicy(max_intensity=5))
    held = (setting(FOOT, "heel", 5, heat=2),)
    assert gate(FOOT, held, (setting(FOOT, "heel", 9, heat=2),), 10.0, None) == held
    assert gate(FOOT, held, held, 10.0, 41.0) == (setting(FOOT, "heel", 5, heat=0),)
