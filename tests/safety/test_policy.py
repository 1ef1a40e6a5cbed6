"""policy_for: defaults, hard maxima, personal limits and condition rules, each with the reason it gives."""

from __future__ import annotations

import pytest

from controller.errors import SafetyRefusal
from controller.safety.health import HealthProfile, PersonalLimits
from controller.safety.limits import (
    DEFAULT_MAX_HEAT_LEVEL,
    DEFAULT_MAX_INTENSITY,
    DEFAULT_SESSION_LIMIT_S,
    HARD_MAX_SESSION_S,
    LIGHT_PRESSURE_MAX_INTENSITY,
    MAX_RAMP_LEVELS_PER_S,
    MIN_PAUSE_BETWEEN_SESSIONS_S,
    SHORT_SESSION_LIMIT_S,
    SKIN_CONTACT_MAX_C,
)
from controller.safety.policy import SafetyPolicy, pause_remaining_s, policy_for


def test_no_profile_gives_the_defaults() -> None:
    policy = policy_for(None)
    assert policy == SafetyPolicy()
    assert (policy.max_intensity, policy.max_heat_level) == (DEFAULT_MAX_INTENSITY, DEFAULT_MAX_HEAT_LEVEL)
    assert policy.session_limit_s == DEFAULT_SESSION_LIMIT_S == 15 * 60
    assert policy.skin_contact_max_c == SKIN_CONTACT_MAX_C == 41.0
    assert policy.ramp_levels_per_s == MAX_RAMP_LEVELS_PER_S
    assert policy.min_pause_s == MIN_PAUSE_BETWEEN_SESSIONS_S


@pytest.mark.parametrize("condition", ["elderly", "edema", "advanced_diabetes", "neuropathy", "beriberi"])
def test_light_pressure_conditions_cap_intensity(condition: str) -> None:
    policy = policy_for(HealthProfile(conditions=(condition,)))
    assert policy.max_intensity == LIGHT_PRESSURE_MAX_INTENSITY
    assert policy.intensity_reason == f"{condition}: light pressure"


def test_the_elderly_age_group_is_the_elderly_condition() -> None:
    assert policy_for(HealthProfile(age_group="elderly")).max_intensity == LIGHT_PRESSURE_MAX_INTENSITY


@pytest.mark.parametrize(
    "condition", ["advanced_diabetes", "neuropathy", "beriberi", "pregnancy", "pacemaker"])
def test_reduced_sensation_and_manual_conditions_disable_heat(condition: str) -> None:
    policy = policy_for(HealthProfile(conditions=(condition,)))
    assert policy.max_heat_level == 0
    assert policy.heat_reason == f"{condition}: no heat"


def test_personal_no_heat_disables_heat() -> None:
    policy = policy_for(HealthProfile(limits=PersonalLimits(no_heat=True)))
    assert (policy.max_heat_level, policy.heat_reason) == (0, "your personal no_heat")


def test_edema_limits_time_too() -> None:
    policy = policy_for(HealthProfile(conditions=("edema",)))
    assert (policy.session_limit_s, policy.session_reason) == (SHORT_SESSION_LIMIT_S, "edema: time limited")


def test_personal_limits_lower_but_never_raise() -> None:
    low = policy_for(HealthProfile(limits=PersonalLimits(max_intensity=3, session_limit_s=300)))
    assert (low.max_intensity, low.intensity_reason) == (3, "your personal max_intensity")
    assert (low.session_limit_s, low.session_reason) == (300, "your personal session_limit_s")
    high = policy_for(HealthProfile(limits=PersonalLimits(max_intensity=10, session_limit_s=1800)))
    assert (high.max_intensity, high.session_limit_s) == (DEFAULT_MAX_INTENSITY, DEFAULT_SESSION_LIMIT_S)


def test_the_lowest_limit_wins_and_every_reason_that_gives_it_is_named() -> None:
    profile = HealthProfile(age_group="elderly", conditions=("edema",),
                            limits=PersonalLimits(max_intensity=6))
    policy = policy_for(profile)
    assert policy.max_intensity == LIGHT_PRESSURE_MAX_INTENSITY
    assert policy.intensity_reason == "edema: light pressure; elderly: light pressure"


def test_per_zone_limits_apply_below_the_overall_one() -> None:
    policy = policy_for(HealthProfile(limits=PersonalLimits(zone_max_intensity={"calf": 2, "heel": 9})))
    assert (policy.intensity_cap("calf"), policy.intensity_cap("heel"), policy.intensity_cap("ball")) == (
        2, DEFAULT_MAX_INTENSITY, DEFAULT_MAX_INTENSITY)


def test_the_session_limit_is_configurable_up_to_the_hard_maximum() -> None:
    assert policy_for(None, session_limit_s=HARD_MAX_SESSION_S).session_limit_s == HARD_MAX_SESSION_S
    assert policy_for(None, session_limit_s=600).session_reason == "--session-limit"
    # a condition still wins over a longer configured session
    assert policy_for(HealthProfile(conditions=("edema",)), session_limit_s=1800).session_limit_s == 600


@pytest.mark.parametrize("seconds", [HARD_MAX_SESSION_S + 1, 3600, 59, 0, -5])
def test_a_session_limit_outside_the_hard_bounds_is_refused(seconds: int) -> None:
    with pytest.raises(SafetyRefusal, match=r"session limit .* is outside the allowed 60\.\.1800 s"):
        policy_for(None, session_limit_s=seconds)


def test_max_intensity_may_be_raised_to_the_hard_maximum_but_not_past_it() -> None:
    assert policy_for(None, max_intensity=10).max_intensity == 10
    assert policy_for(HealthProfile(age_group="elderly"), max_intensity=10).max_intensity == 4
    with pytest.raises(SafetyRefusal, match=r"maximum intensity 11 is outside 1\.\.10"):
        policy_for(None, max_intensity=11)


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_intensity", 11), ("max_intensity", -1), ("zone_max_intensity", (("calf", 11),)),
     ("ramp_levels_per_s", 0.0), ("ramp_levels_per_s", 5.0), ("max_heat_level", 3),
     ("skin_contact_max_c", 45.0), ("session_limit_s", 3600), ("session_limit_s", 0), ("min_pause_s", -1)],
)
def test_a_policy_past_a_hard_maximum_cannot_be_built(field: str, value: object) -> None:
    with pytest.raises(SafetyRefusal, match=f"safety policy: {field} must be within"):
        SafetyPolicy(**{field: value})  # type: ignore[arg-type]


def test_the_pause_between_sessions() -> None:
    policy = SafetyPolicy()
    assert pause_remaining_s(None, 100.0, policy) == 0.0
    assert pause_remaining_s(1000.0, 1060.0, policy) == MIN_PAUSE_BETWEEN_SESSIONS_S - 60
    assert pause_remaining_s(1000.0, 1000.0 + MIN_PAUSE_BETWEEN_SESSIONS_S, policy) == 0.0
