"""`massagectl check`: what would be refused or limited before anything runs, and its exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from controller import exitcodes
from controller.cli import main


def _check(tmp_path: Path, *args: str, profile: str | None = None) -> Result:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}  # no user programs, no default profile
    extra: list[str] = []
    if profile is not None:
        (tmp_path / "health.yaml").write_text(profile)
        extra = ["--profile-file", str(tmp_path / "health.yaml")]
    return CliRunner().invoke(main, ["check", *args, *extra], env=env)


def test_a_plain_program_without_a_profile_may_run(tmp_path: Path) -> None:
    result = _check(tmp_path, "circulation-warmup")
    assert result.exit_code == exitcodes.OK, result.output
    assert "health profile: none" in result.output
    assert result.output.rstrip().endswith("may run")


def test_a_contraindicated_program_is_refused_naming_the_line(tmp_path: Path) -> None:
    result = _check(tmp_path, "sleep", "--acknowledge", profile="conditions: [neuropathy]\n")
    assert result.exit_code == exitcodes.REFUSED
    assert "REFUSED: 'Sleep' is not for people with neuropathy (reduced sensation): the program declares " \
           "it a contraindication at " in result.output
    assert "sleep.yaml:" in result.output
    assert "refused: this program will not run for this profile, even with --acknowledge" in result.output


def test_dvt_is_refused_for_every_program(tmp_path: Path) -> None:
    result = _check(tmp_path, "stress-relief", "--acknowledge", profile="conditions: [dvt]\n")
    assert result.exit_code == exitcodes.REFUSED
    assert "deep-vein thrombosis" in result.output


def test_a_caution_needs_acknowledge_and_then_may_run(tmp_path: Path) -> None:
    elderly = "age_group: elderly\n"
    first = _check(tmp_path, "deep-tissue", profile=elderly)
    assert first.exit_code == exitcodes.REFUSED
    assert "CAUTION: 'Deep tissue' declares elderly user a caution at" in first.output
    assert "needs acknowledgement" in first.output
    second = _check(tmp_path, "deep-tissue", "--acknowledge", profile=elderly)
    assert second.exit_code == exitcodes.OK, second.output
    assert "intensity lowered to 4/10 (elderly: light pressure)" in second.output
    assert second.output.rstrip().endswith("may run (cautions acknowledged)")


def test_refusals_are_listed_before_limits(tmp_path: Path) -> None:
    result = _check(tmp_path, "sleep", profile="conditions: [neuropathy]\n")
    lines = [line.strip().split(":")[0] for line in result.output.splitlines() if line.startswith("  ")]
    assert lines == sorted(lines, key=["REFUSED", "CAUTION", "LIMITED", "note"].index)


def test_a_malformed_profile_is_one_clear_line_and_exit_5(tmp_path: Path) -> None:
    result = _check(tmp_path, "sleep", profile="conditions:\n  - neuropathi\n")
    assert result.exit_code == exitcodes.REFUSED
    assert "health.yaml:2: conditions.0: unknown condition 'neuropathi'; did you mean 'neuropathy'?" in (
        result.output)
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("option", "value"), [("--session-limit", "45"), ("--max-intensity", "11")])
def test_a_limit_past_a_hard_maximum_is_refused(tmp_path: Path, option: str, value: str) -> None:
    result = _check(tmp_path, "circulation-warmup", option, value)
    assert result.exit_code == exitcodes.REFUSED
    assert "hard maximum" in result.output or "outside 1..10" in result.output


def test_a_chair_is_checked_in_its_own_units(tmp_path: Path) -> None:
    result = _check(tmp_path, "deep-tissue", "--profile", "chair", "--acknowledge",
                    profile="limits: {max_intensity: 3}\n")
    assert result.exit_code == exitcodes.OK, result.output
    assert "on ReclineRelax Sim" in result.output
    assert "intensity lowered to 3/10 (your personal max_intensity)" in result.output
