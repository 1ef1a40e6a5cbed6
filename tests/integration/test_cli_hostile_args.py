"""Every command with hostile arguments and surroundings (issue 14's hunt): each case here ended in exit 1
"internal error", blocked forever, or locked the user out before; now each is one line and its code.

A sweep of every command over directories, FIFOs, device files, empty, binary and huge files, names too
long for the file system, non-finite numbers and bad ports found these; the rest of the sweep already
held (tests/test_user_files.py, tests/integration/test_cli_outputs.py and tests/hostile/ cover the listed
cases of the issue).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from controller import exitcodes
from controller.errors import SafetyRefusal
from controller.safety.policy import SafetyPolicy
from controller.safety.resttime import last_session_end, record_session_end, require_rest
from tests.hostile.device import FOOT_ZONES, Answering, HostileDevice, hello, zone_infos
from tests.nonblocking import within

MASSAGECTL = [sys.executable, "-m", "controller.cli"]
REPO = Path(__file__).resolve().parents[2]
TOO_LONG = "x" * 5000  # longer than any file name the file system takes (ENAMETOOLONG)


def massagectl(*args: str, env: dict[str, str] | None = None, timeout: float = 30,
               **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MASSAGECTL, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, cwd=REPO, **options)  # type: ignore[call-overload]


def no_bug(done: subprocess.CompletedProcess[str], code: int) -> None:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


@pytest.mark.parametrize("args", [
    ["validate", TOO_LONG],
    ["list", "--dir", TOO_LONG],
    ["show", "sleep", "--dir", TOO_LONG],
    ["new", "abc", "-o", TOO_LONG],
    ["new", "abc", "-o", TOO_LONG, "--force"],
    ["schema", "-o", TOO_LONG],
])
def test_a_name_too_long_for_the_file_system(args: list[str]) -> None:
    no_bug(massagectl(*args), exitcodes.BAD_INPUT)


@pytest.mark.parametrize("args", [
    ["schema", "-o", "{fifo}"],
    ["new", "abc", "-o", "{fifo}", "--force"],
    ["plot", "sleep", "-o", "{fifo}"],
])
def test_an_output_that_is_a_fifo_is_refused_without_blocking(tmp_path: Path, args: list[str]) -> None:
    fifo = tmp_path / "out.svg"
    os.mkfifo(fifo)
    done = massagectl(*(a.replace("{fifo}", str(fifo)) for a in args))
    no_bug(done, exitcodes.BAD_INPUT)
    assert "is a FIFO; refusing to replace it" in done.stderr


@pytest.mark.parametrize(("args", "code"), [
    (["report", "/proc/kmsg"], exitcodes.BAD_INPUT),
    (["check", "sleep", "--profile-file", "/proc/kmsg"], exitcodes.REFUSED),
])
def test_a_proc_file_that_waits_for_data_does_not_block(args: list[str], code: int) -> None:
    """/proc/kmsg is a 'regular' file whose read waits for the kernel's next message."""
    no_bug(massagectl(*args, timeout=20), code)


@pytest.mark.parametrize("option", ["--drop", "--delay-ms", "--disconnect-at", "--reset-at", "--awol-at"])
@pytest.mark.parametrize("value", ["nan", "inf", "1e400"])
def test_sim_refuses_numbers_that_are_not_finite(option: str, value: str) -> None:
    """nan passes every range check (each comparison is false); before, --drop nan was an internal error
    and the others started a simulator with timers that never fire."""
    done = massagectl("sim", "--pty", option, value, timeout=20)
    no_bug(done, exitcodes.BAD_INPUT)
    assert f"Invalid value for '{option}'" in done.stderr


def test_run_with_standard_output_closed() -> None:
    """`massagectl run … >&-`: Python's sys.stdout is None; the run goes on with nowhere to show it."""
    done = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", *MASSAGECTL, "run", "sleep", "--sim", "--speed",
                           "max", "--acknowledge", "--no-log"], stderr=subprocess.PIPE, text=True, timeout=60,
                          cwd=REPO)
    assert done.returncode == exitcodes.OK, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


@pytest.mark.parametrize("args", [["show", "sleep"], ["list"],
                                  ["run", "sleep", "--sim", "--speed", "max", "--acknowledge", "--no-log"]])
def test_a_terminal_that_cannot_show_unicode(args: list[str]) -> None:
    """° and — on an ASCII terminal are shown escaped, not an internal error."""
    done = massagectl(*args, env={"PYTHONIOENCODING": "ascii"})
    no_bug(done, exitcodes.OK)
    assert done.stdout.isascii()


# --- the file that remembers when the last session on a real device ended -----------------------------

POLICY = SafetyPolicy()


def test_a_rest_file_from_the_future_asks_for_one_pause_not_years(tmp_path: Path) -> None:
    rest = tmp_path / "last-session-end"
    rest.write_text(f"{time.time() + 1e9:.0f}\n")  # the clock was set back, or the file was tampered with
    with pytest.raises(SafetyRefusal, match=r"rest 5\.0 more minutes"):
        require_rest(POLICY, rest)


@pytest.mark.parametrize("content", ["nan\n", "inf\n", "\xff\xfe\n", "1" * 100])
def test_a_damaged_rest_file_is_as_if_there_were_none(tmp_path: Path, content: str) -> None:
    rest = tmp_path / "last-session-end"
    rest.write_bytes(content.encode("latin-1"))
    assert last_session_end(rest) is None


def test_a_rest_file_that_is_a_fifo_neither_blocks_nor_fails(tmp_path: Path) -> None:
    """Before: reading it blocked the run before it began, writing it blocked after the device stopped."""
    fifo = tmp_path / "last-session-end"
    os.mkfifo(fifo)
    assert within(2.0, lambda: last_session_end(fifo), fifos=(fifo,)) is None
    within(2.0, lambda: record_session_end(fifo), fifos=(fifo,))  # a warning: the session is already over
    assert fifo.is_fifo()


def test_a_real_device_run_survives_a_rest_file_it_cannot_use(tmp_path: Path) -> None:
    """End to end on a device that is not a simulator: the rest file's place is taken by a FIFO."""
    state = tmp_path / "state" / "massagectl"
    state.mkdir(parents=True)
    os.mkfifo(state / "last-session-end")
    device = Answering(hello(), zone_infos(*FOOT_ZONES))
    with HostileDevice(device) as double:
        done = massagectl("run", str(REPO / "tests" / "hostile" / "short.yaml"), "--port", double.path,
                          "--no-log", "--acknowledge",
                          env={"XDG_STATE_HOME": str(tmp_path / "state"),
                               "XDG_CONFIG_HOME": str(tmp_path / "config")})
    no_bug(done, exitcodes.OK)
    assert "cannot record when this session ended" in done.stderr
    assert double.told.actuators() == {}
