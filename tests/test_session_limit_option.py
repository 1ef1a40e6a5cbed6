"""Issue 14: `--session-limit` has one unit everywhere (minutes, or a unit in the value), and 0 is an error.

`validate --session-limit 20` meant 20 seconds where `run --session-limit 20` meant 20 minutes, and
`--session-limit 0` silently meant the default.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from controller import exitcodes
from controller.cli import main

SIXTEEN_MINUTES = Path(__file__).resolve().parent / "bad_programs" / "total_over_session_limit.yaml"


def _cli(tmp_path: Path, *args: str) -> Result:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state")}
    return CliRunner().invoke(main, list(args), env=env)


@pytest.mark.parametrize("value", ["20", "20m", "1200s", "20min", "19.5"])
def test_validate_reads_the_limit_in_minutes_or_with_a_unit(tmp_path: Path, value: str) -> None:
    result = _cli(tmp_path, "validate", str(SIXTEEN_MINUTES), "--session-limit", value)
    assert result.exit_code == exitcodes.OK, result.output


@pytest.mark.parametrize("value", ["15", "90s", "15m"])
def test_validate_refuses_a_program_longer_than_the_limit_in_minutes(tmp_path: Path, value: str) -> None:
    result = _cli(tmp_path, "validate", str(SIXTEEN_MINUTES), "--session-limit", value)
    assert result.exit_code == exitcodes.BAD_INPUT and "session limit" in result.output


@pytest.mark.parametrize(("value", "shown"), [("1.5", "1:30"), ("90s", "1:30"), ("20m", "20:00"),
                                              ("1m30s", "1:30")])
def test_check_and_run_read_the_same_unit(tmp_path: Path, value: str, shown: str) -> None:
    result = _cli(tmp_path, "check", "sleep", "--acknowledge", "--session-limit", value)
    assert result.exit_code == exitcodes.OK, result.output
    if shown != "20:00":  # above the default 15 minutes: no finding
        assert f"session at most {shown}" in result.output


@pytest.mark.parametrize("command", [["check", "sleep"],
                                     ["run", "sleep", "--sim", "--speed", "max", "--no-log"],
                                     ["validate", str(SIXTEEN_MINUTES)]])
@pytest.mark.parametrize("value", ["0", "0m", "-5", "soon"])
def test_a_limit_of_zero_or_nonsense_is_an_error_not_the_default(tmp_path: Path, command: list[str],
                                                                value: str) -> None:
    result = _cli(tmp_path, *command, "--acknowledge", "--session-limit", value) if command[0] != "validate" \
        else _cli(tmp_path, *command, "--session-limit", value)
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    assert "--session-limit" in result.output


def test_above_the_hard_maximum_is_refused_in_either_unit(tmp_path: Path) -> None:
    for value in ("45", "45m"):
        result = _cli(tmp_path, "check", "sleep", "--acknowledge", "--session-limit", value)
        assert result.exit_code == exitcodes.REFUSED and "hard maximum" in result.output, result.output
        result = _cli(tmp_path, "validate", str(SIXTEEN_MINUTES), "--session-limit", value)
        assert result.exit_code == exitcodes.BAD_INPUT and "hard maximum" in result.output, result.output
