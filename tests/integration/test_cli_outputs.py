"""Issue 14: the session log and standard output failing, before and during a run (real processes).

Before, every case here ended in exit 1 "internal error" (or blocked forever). Now each is one line and the
documented exit code, and where a device was running the simulator's own record shows the host stopped it:
everything off, and no WATCHDOG event (the device's watchdog did not have to do it).
"""

from __future__ import annotations

import json
import os
import resource
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from controller import exitcodes
from tests.parts import missing

MASSAGECTL = [sys.executable, "-m", "controller.cli"]
RUN_SIM = ["run", "sleep", "--sim", "--speed", "max", "--acknowledge"]


def massagectl(*args: str, env: dict[str, str] | None = None,
               timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MASSAGECTL, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def one_line_error(done: subprocess.CompletedProcess[str], code: int, message: str) -> None:
    """The run failed with `code` and a single `massagectl: …` line holding `message`."""
    assert done.returncode == code, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("massagectl: ")]
    assert len(errors) == 1 and message in errors[0], done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


@dataclass
class SimProcess:
    """`massagectl sim --pty --record FILE` in its own process."""

    proc: subprocess.Popen[str]
    port: str
    record: Path

    def finish(self) -> list[dict[str, object]]:
        """Stop the simulator (its record is complete then) and return the record."""
        self.proc.send_signal(signal.SIGINT)
        assert self.proc.wait(timeout=10) == 0
        return [json.loads(line) for line in self.record.read_text().splitlines() if line.strip()]


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimProcess]:
    record = tmp_path / "record.jsonl"
    proc = subprocess.Popen([*MASSAGECTL, "sim", "--pty", "--record", str(record)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port = proc.stdout.readline().strip()
    assert port.startswith("/dev/"), proc.stderr.read() if proc.stderr else ""
    yield SimProcess(proc, port, record)
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def stopped_by_the_host(record: list[dict[str, object]]) -> None:
    """Something ran, everything ended off, and not because the device's watchdog tripped."""
    on: dict[object, object] = {}
    for r in record:
        if r["kind"] == "actuator":
            on[r["zone_id"]] = r["intensity"] or r["heat"]
    assert on, "nothing ran: the test did not reach the device"
    assert not any(on.values()), f"left on: {on}"
    assert "WATCHDOG" not in [r.get("event") for r in record]


# --- the log cannot be opened: refused before anything runs ------------------------------------------

@pytest.mark.parametrize(("where", "message"), [
    ("file/x.jsonl", "cannot make the folder for the session log: a file is in the way of the folder"),
    ("/dev/full", "the session log must be a regular file, not a device file; use --no-log for no log"),
    ("/sys/x.jsonl", "cannot write the session log: Permission denied"),
])
def test_a_log_that_cannot_be_opened_is_one_line_and_exit_2(tmp_path: Path, where: str, message: str) -> None:
    (tmp_path / "file").write_text("a regular file")
    target = where if where.startswith("/") else str(tmp_path / where)
    done = massagectl(*RUN_SIM, "--log", target)
    one_line_error(done, exitcodes.BAD_INPUT, f"{target}: {message}")
    assert done.stdout == ""  # refused before the session started


def test_a_read_only_state_folder_is_one_line_and_exit_2() -> None:
    done = massagectl(*RUN_SIM, env={"XDG_STATE_HOME": "/sys"})
    one_line_error(done, exitcodes.BAD_INPUT, "cannot make the folder for the session log")


@pytest.mark.parametrize("reader", [False, True])
def test_a_fifo_as_log_is_refused_without_blocking(tmp_path: Path, reader: bool) -> None:
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    held = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK) if reader else None
    try:
        done = massagectl(*RUN_SIM, "--log", str(fifo), timeout=30)
    finally:
        if held is not None:
            os.close(held)
    expected = "must be a regular file, not a FIFO" if reader else "a FIFO or device nobody reads"
    one_line_error(done, exitcodes.BAD_INPUT, expected)


def test_log_and_no_log_together_are_an_error(tmp_path: Path) -> None:
    done = massagectl(*RUN_SIM, "--log", str(tmp_path / "x.jsonl"), "--no-log")
    assert done.returncode == exitcodes.BAD_INPUT
    assert "give --log FILE or --no-log, not both" in done.stderr
    assert not (tmp_path / "x.jsonl").exists()


# --- the log fails mid-run: the device is stopped first ---------------------------------------------

def _file_size_limit(limit: int) -> None:
    """In the child: writes past `limit` bytes fail with EFBIG (Python ignores SIGXFSZ)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_the_log_failing_mid_run_stops_the_device(sim: SimProcess, tmp_path: Path) -> None:
    """A real write failure part-way: the file-size limit lets the handshake in, then refuses."""
    log = tmp_path / "session.jsonl"
    done = subprocess.run([*MASSAGECTL, "run", "circulation-warmup", "--port", sim.port, "--log", str(log)],
                          capture_output=True, text=True, timeout=60,
                          preexec_fn=lambda: _file_size_limit(8000))
    one_line_error(done, exitcodes.BAD_INPUT,
                   f"{log}: cannot write the session log (File too large); the session was stopped")
    assert "step 1/" in done.stdout  # it was running when the log failed
    assert done.stdout.splitlines()[-1].endswith("fault")  # the view finished: the last line says so
    stopped_by_the_host(sim.finish())


def _mount_namespace() -> list[str]:
    """`unshare -m` when this machine lets us make a private mount (root, or a permissive container)."""
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-m", "true"], capture_output=True).returncode != 0:
        missing("needs a private mount namespace (unshare -m, Debian package util-linux, run as root) "
                "to make a small or read-only file system")
    return [unshare, "-m"]


def _in_tmpfs(options: str, folder: Path, *args: str, env: str = "") -> subprocess.CompletedProcess[str]:
    """massagectl with `folder` a fresh tmpfs mounted with `options`, seen by that process only."""
    folder.mkdir(exist_ok=True)
    command = (f"mount -t tmpfs -o {options} none {shlex.quote(str(folder))} && "
               f"exec env {env} {shlex.join([*MASSAGECTL, *args])}")
    return subprocess.run([*_mount_namespace(), "sh", "-c", command], capture_output=True, text=True,
                          timeout=60)


def test_the_disk_filling_up_mid_run_stops_the_device(sim: SimProcess, tmp_path: Path) -> None:
    """For real: the log's file system (a 12 KiB tmpfs) runs out of space part-way through the run."""
    small = tmp_path / "small"
    log = small / "session.jsonl"
    done = _in_tmpfs("size=12k", small, "run", "circulation-warmup", "--port", sim.port, "--log", str(log))
    one_line_error(done, exitcodes.BAD_INPUT,
                   f"{log}: cannot write the session log (No space left on device); the session was stopped")
    stopped_by_the_host(sim.finish())


@pytest.mark.parametrize("state_folder", [False, True])
def test_a_read_only_file_system_is_one_line_and_exit_2(tmp_path: Path, state_folder: bool) -> None:
    ro = tmp_path / "ro"
    if state_folder:  # the default log folder under $XDG_STATE_HOME
        done = _in_tmpfs("ro", ro, *RUN_SIM, env=f"XDG_STATE_HOME={shlex.quote(str(ro))}")
    else:
        done = _in_tmpfs("ro", ro, *RUN_SIM, "--log", str(ro / "x.jsonl"))
    one_line_error(done, exitcodes.BAD_INPUT, "the file system is read-only")


# --- standard output closes: `run … | head -5` --------------------------------------------------------

def test_output_closed_mid_run_stops_the_device_and_exits_quietly(sim: SimProcess, tmp_path: Path) -> None:
    log = tmp_path / "session.jsonl"
    proc = subprocess.Popen([*MASSAGECTL, "run", "circulation-warmup", "--port", sim.port, "--log", str(log)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    for line in proc.stdout:  # like `| head`: read until the program is running, then go away
        if "step 1/" in line:
            break
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=30) == exitcodes.STOPPED_BY_USER, err
    assert [line for line in err.splitlines() if not line.startswith("session log: ")] == []  # quietly
    end = json.loads(log.read_text().splitlines()[-1])
    assert end["kind"] == "end" and end["outcome"] == "stopped"
    stopped_by_the_host(sim.finish())


@pytest.mark.parametrize("args", [["list"], ["show", "sleep"], ["schema"], ["check", "sleep"],
                                  ["report", "tests/ui/data/session-fault.jsonl"]])
def test_other_commands_end_quietly_when_their_output_closes(args: list[str]) -> None:
    """`massagectl list | true`: nothing is read, every write fails; exit 141 as after SIGPIPE."""
    r, w = os.pipe()
    os.close(r)
    done = subprocess.run([*MASSAGECTL, *args], stdout=w, stderr=subprocess.PIPE, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    os.close(w)
    assert done.returncode == exitcodes.OUTPUT_CLOSED, done.stderr
    assert done.stderr == ""


# --- standard output cannot be written: `massagectl … > /dev/full` --------------------------------------

def test_output_failing_mid_run_stops_the_device_and_says_why(sim: SimProcess, tmp_path: Path) -> None:
    """Standard output a file that the file-size limit lets grow past the first step, then refuses."""
    out = tmp_path / "out.txt"
    with out.open("w") as file:
        done = subprocess.run([*MASSAGECTL, "run", "circulation-warmup", "--port", sim.port, "--no-log"],
                              stdout=file, stderr=subprocess.PIPE, text=True, timeout=60,
                              preexec_fn=lambda: _file_size_limit(600))
    one_line_error(done, exitcodes.BAD_INPUT,
                   "cannot write to standard output: File too large; the device was stopped")
    assert "step 1/" in out.read_text()  # it was running when its output failed
    stopped_by_the_host(sim.finish())


def test_output_on_a_full_device_before_the_run_starts_is_one_line(sim: SimProcess) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([*MASSAGECTL, "run", "circulation-warmup", "--port", sim.port, "--no-log"],
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    one_line_error(done, exitcodes.BAD_INPUT,
                   "cannot write to standard output: No space left on device; the device was stopped")
    assert not [r for r in sim.finish() if r["kind"] == "actuator" and (r["intensity"] or r["heat"])]


@pytest.mark.parametrize("args", [["list"], ["show", "sleep"], ["schema"],
                                  ["validate", "programs/sleep.yaml"], ["--help"], ["list", "--help"]])
def test_other_commands_say_in_one_line_that_their_output_cannot_be_written(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([*MASSAGECTL, *args], stdout=full, stderr=subprocess.PIPE, text=True,
                              timeout=60, cwd=Path(__file__).resolve().parents[2])
    one_line_error(done, exitcodes.BAD_INPUT, "cannot write the output: No space left on device")
