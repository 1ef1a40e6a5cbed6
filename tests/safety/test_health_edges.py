"""Personal limits at the edges of what a profile may say (issue 14: bounds tested far from their edges)."""

from __future__ import annotations

import pytest

from controller.errors import SafetyRefusal
from controller.safety.health import MAX_PROFILE_BYTES, HealthProfile, PersonalLimits, parse_profile


@pytest.mark.parametrize(("text", "problem"), [
    (b"limits: {zone_max_intensity: {calf: -1}}", "zone 'calf': -1 is outside 0..10"),
    (b"limits: {zone_max_intensity: {calf: 11}}", "zone 'calf': 11 is outside 0..10"),
    (b"limits: {max_intensity: 0}", "greater than or equal to 1"),
    (b"limits: {max_intensity: 11}", "less than or equal to 10"),
    (b"limits: {session_limit_s: 59}", "greater than or equal to 60"),
    (b"limits: {session_limit_s: 1801}", "less than or equal to 1800"),
])
def test_a_limit_just_past_its_bound_is_refused_naming_it(text: bytes, problem: str) -> None:
    with pytest.raises(SafetyRefusal, match=f"p.yaml:1: limits.*{problem}"):
        parse_profile(text, "p.yaml")


def test_limits_at_their_bounds_are_read() -> None:
    edge = parse_profile(b"limits: {zone_max_intensity: {calf: 0, heel: 10}, max_intensity: 1, "
                         b"session_limit_s: 60}")
    assert edge.limits == PersonalLimits(zone_max_intensity={"calf": 0, "heel": 10}, max_intensity=1,
                                         session_limit_s=60)
    top = parse_profile(b"limits: {max_intensity: 10, session_limit_s: 1800}")
    assert (top.limits.max_intensity, top.limits.session_limit_s) == (10, 1800)


def test_a_condition_declared_twice_or_implied_counts_once() -> None:
    profile = HealthProfile(age_group="elderly", conditions=("elderly", "edema", "edema"))
    assert profile.conditions == ("elderly", "edema")
    assert profile.effective_conditions == ("elderly", "edema")
    assert HealthProfile(age_group="elderly").effective_conditions == ("elderly",)
    assert HealthProfile(age_group="adult").effective_conditions == ()


def test_an_empty_or_non_mapping_profile() -> None:
    assert parse_profile(b"") == HealthProfile()
    with pytest.raises(SafetyRefusal, match="p.yaml:1: health profile must be a mapping"):
        parse_profile(b"- edema\n", "p.yaml")


def test_a_profile_of_exactly_the_size_limit_is_read_and_one_byte_more_refused() -> None:
    body = b"conditions: [edema]\n"
    exact = body + b"#" * (MAX_PROFILE_BYTES - len(body) - 1) + b"\n"
    assert len(exact) == MAX_PROFILE_BYTES == 64 * 1024
    assert parse_profile(exact).conditions == ("edema",)
    with pytest.raises(SafetyRefusal, match="p.yaml:1: .*65537 bytes; health profiles are limited to 65536"):
        parse_profile(b"#" + exact, "p.yaml")


def test_the_profile_format_version_is_1() -> None:
    assert HealthProfile().schema_version == 1
    assert parse_profile(b"schema_version: 1").schema_version == 1
    with pytest.raises(SafetyRefusal, match="p.yaml:1: schema_version"):
        parse_profile(b"schema_version: 2", "p.yaml")


def test_of_several_mistakes_the_first_is_named() -> None:
    with pytest.raises(SafetyRefusal, match=r"p.yaml:1: age_group") as caught:
        parse_profile(b"age_group: teen\nlimits: {max_intensity: 99}\n", "p.yaml")
    assert "max_intensity" not in str(caught.value)
