"""Issue 14, unsafe #3 and #4: a health profile can no longer lose a declared condition or a zone limit.

The profile is read by the same hardened reader as program files (controller/yamlsafe.py), so a key written
twice is refused rather than "the last one wins"; zone names in `limits.zone_max_intensity` are checked,
reach the zone that plays them on another device, and a zone limited to 0 is off, heat included.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from controller import exitcodes
from controller.errors import SafetyRefusal
from controller.safety.gate import clamp_setting
from controller.safety.health import HealthProfile, PersonalLimits, load_profile, parse_profile
from controller.safety.policy import policy_for
from tests.nonblocking import within
from tests.safety.builders import CHAIR, FOOT, setting

MASSAGECTL = [sys.executable, "-m", "controller.cli"]


def test_a_condition_key_written_twice_is_refused_not_overwritten() -> None:
    """`conditions: [fracture]` then `conditions: []` made a fracture profile run every program."""
    text = b"conditions: [fracture]\nage_group: adult\nconditions: []\n"
    with pytest.raises(SafetyRefusal) as err:
        parse_profile(text, "h.yaml")
    assert str(err.value) == "h.yaml:3: health profile: key 'conditions' appears twice (first on line 1)"


def test_a_nested_key_written_twice_is_refused() -> None:
    text = b"limits:\n  max_intensity: 2\n  no_heat: true\n  max_intensity: 10\n"
    with pytest.raises(SafetyRefusal, match=r"^h.yaml:4: health profile: key 'max_intensity' appears twice"):
        parse_profile(text, "h.yaml")


def test_check_refuses_a_profile_with_a_duplicated_condition_key(tmp_path: Path) -> None:
    """End to end: before, `check` read the second key and said the program could run (exit 0)."""
    profile = tmp_path / "health.yaml"
    profile.write_text("conditions: [fracture]\nconditions: []\n")
    done = subprocess.run([*MASSAGECTL, "check", "sleep", "--profile-file", str(profile)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == exitcodes.REFUSED, done.stdout + done.stderr
    assert "key 'conditions' appears twice" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_zone_is_refused_with_a_suggestion_and_its_line() -> None:
    text = b"limits:\n  zone_max_intensity:\n    calf: 3\n    hell: 3\n"
    with pytest.raises(SafetyRefusal) as err:
        parse_profile(text, "h.yaml")
    assert str(err.value).startswith(
        "h.yaml:4: limits.zone_max_intensity.hell: unknown zone 'hell'; did you mean 'heel'? known zones: ")


def test_zone_names_are_normalised_and_each_zone_is_limited_once() -> None:
    limits = parse_profile(b"limits: {zone_max_intensity: {Big toe pad: 2}}\n").limits
    assert limits.zone_max_intensity == {"big_toe_pad": 2}
    with pytest.raises(SafetyRefusal, match="zone 'calf' is limited twice"):
        parse_profile(b"limits: {zone_max_intensity: {calf: 3, Calf: 9}}\n", "h.yaml")


def test_a_zone_limited_to_zero_is_off_heat_included() -> None:
    policy = policy_for(HealthProfile(limits=PersonalLimits(zone_max_intensity={"heel": 0})))
    heated = setting(FOOT, "heel", intensity=6, heat=2)
    assert FOOT.zone("heel").heated  # type: ignore[union-attr]
    clamped = clamp_setting(heated, FOOT, policy)
    assert clamped is not None and (clamped.intensity, clamped.heat) == (0, 0)
    other = clamp_setting(setting(FOOT, "ball", intensity=6, heat=2), FOOT, policy)
    assert other is not None and (other.intensity, other.heat) == (6, 2)  # only the limited zone


@pytest.mark.parametrize(("limited", "device", "zone"), [
    ("calf", CHAIR, "calves"),   # the same body part under the chair's name
    ("calves", FOOT, "calf"),
    ("heel", CHAIR, "feet"),     # a chair's feet zone plays every sole zone
    ("feet", FOOT, "heel"),      # and every sole zone is part of the feet
])
def test_a_zone_limit_reaches_the_zone_that_plays_it(limited: str, device: object, zone: str) -> None:
    policy = policy_for(HealthProfile(limits=PersonalLimits(zone_max_intensity={limited: 2})))
    assert policy.intensity_cap(zone) == 2
    assert policy.intensity_cap("neck" if device is FOOT else "shoulders") == policy.max_intensity


def test_a_fifo_or_device_as_profile_is_refused_without_blocking(tmp_path: Path) -> None:
    """Before: a FIFO blocked forever, /dev/zero grew without bound."""
    fifo = tmp_path / "health.yaml"
    os.mkfifo(fifo)
    with pytest.raises(SafetyRefusal, match="is a FIFO, not a regular file"):
        within(2.0, lambda: load_profile(fifo), fifos=(fifo,))
    with pytest.raises(SafetyRefusal, match="is a device file, not a regular file"):
        within(2.0, lambda: load_profile(Path("/dev/zero")))


def test_the_default_profile_as_a_fifo_is_refused_too(tmp_path: Path) -> None:
    """A missing default profile means no conditions; one that is there but unreadable is refused."""
    (tmp_path / "massagectl").mkdir()
    fifo = tmp_path / "massagectl" / "health.yaml"
    os.mkfifo(fifo)
    with pytest.raises(SafetyRefusal, match="FIFO"):
        within(2.0, lambda: load_profile(env={"XDG_CONFIG_HOME": str(tmp_path)}), fifos=(fifo,))
