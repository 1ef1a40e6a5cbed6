"""The health profile: vocabulary, file location, and clear refusals for every malformed file."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.errors import SafetyRefusal
from controller.paths import health_profile_file
from controller.safety.conditions import CONDITION_NAMES
from controller.safety.health import (
    CONDITION_RULES,
    CONDITIONS,
    HealthProfile,
    load_profile,
    normalise_condition,
    parse_profile,
)


def test_every_condition_of_the_shared_vocabulary_has_exactly_one_rule() -> None:
    assert set(CONDITION_RULES) == set(CONDITION_NAMES) == set(CONDITIONS)


def test_a_full_profile_reads() -> None:
    text = b"""schema_version: 1
age_group: elderly
conditions: [edema, Deep vein thrombosis, DVT]
limits:
  max_intensity: 5
  zone_max_intensity: {calf: 3}
  no_heat: true
  session_limit_s: 600
"""
    profile = parse_profile(text, "h.yaml")
    assert profile.conditions == ("edema", "deep_vein_thrombosis")
    assert profile.effective_conditions == ("edema", "deep_vein_thrombosis", "elderly")
    assert profile.limits.max_intensity == 5 and profile.limits.no_heat
    assert profile.limits.zone_max_intensity == {"calf": 3}


def test_an_empty_file_declares_nothing() -> None:
    assert parse_profile(b"", "h.yaml") == HealthProfile()


def test_a_single_condition_may_be_written_without_a_list() -> None:
    assert parse_profile(b"conditions: pregnancy\n").conditions == ("pregnancy",)


def test_an_unknown_condition_names_the_line_and_suggests_the_spelling() -> None:
    with pytest.raises(SafetyRefusal) as err:
        parse_profile(b"age_group: adult\nconditions:\n  - edema\n  - neuropathi\n", "h.yaml")
    assert str(err.value).startswith("h.yaml:4: conditions.1: unknown condition 'neuropathi'; "
                                     "did you mean 'neuropathy'?")


def test_normalise_condition_accepts_common_spellings() -> None:
    assert normalise_condition("High-Blood Pressure") == "high_blood_pressure"
    assert normalise_condition("hypertension") == "high_blood_pressure"
    assert normalise_condition("diabetes") == "advanced_diabetes"  # the conservative reading


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"limits:\n  max_intensity: 11\n", "h.yaml:2: limits.max_intensity: Input should be less than or"),
        (b"limits:\n  max_intensity: 0\n", "h.yaml:2: limits.max_intensity: Input should be greater than"),
        (b"colour: blue\n", "h.yaml:1: colour: Extra inputs are not permitted"),
        (b"age_group: child\n", "h.yaml:1: age_group: Input should be 'adult' or 'elderly'"),
        (b"schema_version: 2\n", "h.yaml:1: schema_version: Input should be 1"),
        (b"limits: {zone_max_intensity: {calf: 12}}\n", "h.yaml:1: limits.zone_max_intensity: zone 'calf'"),
        (b"limits:\n  session_limit_s: 7200\n", "h.yaml:2: limits.session_limit_s: Input should be less"),
        (b"conditions: [\n", "h.yaml:2: health profile: YAML syntax error"),
        (b"- edema\n", "h.yaml:1: health profile must be a mapping"),
        (b"a: &x 1\nb: *x\n", "h.yaml:1: health profile: YAML anchors (&x) are not allowed in health prof"),
        (b"!!python/object/apply:os.system ['true']\n", "h.yaml:1: health profile: YAML tags (tag:yaml.org"),
        (b"\xff\xfe\x00", "h.yaml:1: health profile: file is UTF-16-encoded; save it as UTF-8"),
        (b"\xff\x00", "h.yaml:1: health profile: file is not UTF-8 text (byte 0xff)"),
        (b"#" * 70_000, "h.yaml:1: health profile: file is 70000 bytes; health profiles are limited to 65"),
    ],
)
def test_a_malformed_profile_is_refused_with_file_and_line(text: bytes, expected: str) -> None:
    with pytest.raises(SafetyRefusal) as err:
        parse_profile(text, "h.yaml")
    assert str(err.value).startswith(expected)


def test_the_default_location_follows_xdg() -> None:
    assert health_profile_file({"XDG_CONFIG_HOME": "/cfg"}) == Path("/cfg/massagectl/health.yaml")
    assert health_profile_file({"HOME": "/home/u"}) == Path("/home/u/.config/massagectl/health.yaml")


def test_a_missing_default_file_means_no_declared_conditions(tmp_path: Path) -> None:
    assert load_profile(env={"XDG_CONFIG_HOME": str(tmp_path)}) is None


def test_the_default_file_is_read_when_present(tmp_path: Path) -> None:
    (tmp_path / "massagectl").mkdir()
    (tmp_path / "massagectl" / "health.yaml").write_text("conditions: [warts]\n")
    profile = load_profile(env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert profile is not None and profile.conditions == ("warts",)


def test_a_missing_named_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SafetyRefusal, match="health profile not found"):
        load_profile(tmp_path / "nope.yaml")


def test_a_named_directory_is_refused_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(SafetyRefusal, match="cannot read health profile"):
        load_profile(tmp_path)


def test_the_profile_is_frozen() -> None:
    profile = HealthProfile()
    with pytest.raises(ValueError):
        profile.age_group = "elderly"  # type: ignore[misc]
