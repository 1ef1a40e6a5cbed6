"""The console script's fast `--help` (issue 12 start-up): click's own text, without importing click."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from controller import exitcodes
from controller.launch import module_text, render
from controller.launch.helptext import HELP

# the console script's own code, under its own name, with every import listed on stderr
AS_SCRIPT = ("import sys; sys.argv[0] = '/somewhere/bin/massagectl'; "
             "from controller.launch import main; main()")


def launch(*args: str, columns: str | None = "100", code: str = AS_SCRIPT,
           **popen: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"} | {"PYTHONPROFILEIMPORTTIME": "1"}
    if columns is not None:
        env["COLUMNS"] = columns
    return subprocess.run([sys.executable, "-c", code, *args], text=True, env=env, timeout=60,
                          **{"capture_output": True, **popen})  # type: ignore[call-overload]


def imported(stderr: str) -> set[str]:
    lines = stderr.splitlines()
    return {line.rsplit("|", 1)[-1].strip() for line in lines if line.startswith("import time:")}


def test_the_kept_help_is_what_click_renders() -> None:
    assert render() == HELP, "the group or its commands changed: run `.venv/bin/python -m controller.launch`"
    assert module_text(HELP) == (Path(__file__).parents[2] / "controller/launch/helptext.py").read_text()


@pytest.mark.parametrize("flag", ["--help", "-h"])
@pytest.mark.parametrize("columns", ["80", "200", None])  # None: no terminal, click's fallback of 80
def test_help_at_full_width_is_printed_without_importing_click(flag: str, columns: str | None) -> None:
    done = launch(flag, columns=columns)
    assert done.returncode == 0 and done.stdout == HELP
    assert "click" not in imported(done.stderr) and "controller.launch.helptext" in imported(done.stderr)


def test_a_narrower_terminal_gets_clicks_own_wrapping() -> None:
    done = launch("--help", columns="60")
    assert done.returncode == 0 and done.stdout != HELP
    assert "click" in imported(done.stderr)
    assert max(len(line) for line in done.stdout.splitlines()) <= 58
    assert "run massage\n  programs" in done.stdout


def test_a_commands_help_goes_through_click() -> None:
    done = launch("list", "--help")
    assert done.returncode == 0 and "click" in imported(done.stderr)
    assert done.stdout.startswith("Usage: massagectl list")


@pytest.mark.parametrize("args", [("--help", "list"), ("-v", "--help")])
def test_other_ways_to_the_groups_help_go_through_click_to_the_same_text(args: tuple[str, ...]) -> None:
    done = launch(*args)
    assert done.returncode == 0 and "click" in imported(done.stderr)
    assert done.stdout == HELP


def test_another_program_name_goes_through_click() -> None:
    done = launch("--help", code=AS_SCRIPT.replace("bin/massagectl", "bin/mctl"))
    assert done.stdout.startswith("Usage: mctl") and "click" in imported(done.stderr)


def test_a_reader_that_went_away_ends_it_quietly() -> None:
    read, write = os.pipe()
    os.close(read)
    with os.fdopen(write, "w") as closed:
        done = launch("--help", stdout=closed, stderr=subprocess.PIPE, capture_output=False)
    assert done.returncode == exitcodes.OUTPUT_CLOSED
    assert "Traceback" not in done.stderr and "Error" not in done.stderr


def test_the_installed_console_script_is_this_entry_point() -> None:
    script = Path(sys.executable).with_name("massagectl")
    assert script.exists(), "install the project (`pip install -e .`) to run the tests"
    done = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "COLUMNS": "120"})
    assert done.returncode == 0 and done.stdout == HELP


def test_an_output_that_cannot_be_written_is_one_line() -> None:
    with open("/dev/full", "w") as full:
        done = launch("--help", stdout=full, stderr=subprocess.PIPE, capture_output=False)
    assert done.returncode == exitcodes.BAD_INPUT
    errors = [line for line in done.stderr.splitlines() if not line.startswith("import time:")]
    assert errors == ["massagectl: cannot write the output: No space left on device"]


def test_no_standard_output_at_all_is_no_error() -> None:
    done = subprocess.run(["bash", "-c", 'exec "$@" >&-', "-", sys.executable, "-c", AS_SCRIPT, "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == ""
