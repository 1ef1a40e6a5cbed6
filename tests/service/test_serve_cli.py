"""`massagectl serve` as a process: it stops on SIGINT, SIGTERM and SIGHUP however it was started, and
refuses a bad configuration with FILE:LINE and no traceback."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import IO

import pytest

from controller import exitcodes
from controller.cli.serve_run import StatusPrinter
from controller.service.api import DeviceStatus

MASSAGECTL = [sys.executable, "-m", "controller.cli"]
WAIT_S = 60.0


def read_until(stream: IO[str], text: str, seen: list[str]) -> None:
    """Read lines until one holds `text` (the process says when it is ready: no sleeping)."""
    for line in stream:
        seen.append(line)
        if text in line:
            return
    raise AssertionError(f"{text!r} never came; output: {''.join(seen)}")


def serve_args(*extra: str) -> list[str]:
    return [*MASSAGECTL, "serve", "--sim", "2", "--no-mqtt", "--no-log", *extra]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT])
def test_each_stop_signal_stops_every_device(sig: signal.Signals) -> None:
    proc = subprocess.Popen(serve_args(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        read_until(proc.stdout, "sim-1: ready", seen)
        read_until(proc.stdout, "sim-2: ready", seen)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=WAIT_S)
    finally:
        proc.kill()
    assert proc.returncode == exitcodes.OK, err
    assert f"signal {sig.name}: stopping every device" in err
    assert out.count("stopped with the service") == 2, out


def test_sigint_stops_it_when_a_shell_started_it_in_the_background() -> None:
    """A non-interactive shell starts background jobs with SIGINT ignored (RELIABILITY 29)."""
    probe = subprocess.run(["bash", "-c", "grep SigIgn /proc/self/status & wait"], capture_output=True,
                           text=True, check=True)
    assert int(probe.stdout.split()[1], 16) & (1 << (signal.SIGINT - 1)), "the premise: SIGINT is ignored"
    command = " ".join(f"'{a}'" for a in serve_args())
    proc = subprocess.Popen(["bash", "-c", f"{command} & echo pid $!; wait $!; echo rc $?"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        pid = int(proc.stdout.readline().split()[1])
        read_until(proc.stdout, "sim-2: ready", seen)
        os.kill(pid, signal.SIGINT)
        out, err = proc.communicate(timeout=WAIT_S)
    finally:
        proc.kill()
    assert "rc 0" in out and "signal SIGINT" in err, out + err


def test_a_bad_configuration_is_one_line_with_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "serve.yaml"
    config.write_text("devices:\n  - {id: a, name: A, sim: foot, colour: red}\n")
    done = subprocess.run([*MASSAGECTL, "serve", "--config", str(config)], capture_output=True, text=True,
                          timeout=WAIT_S)
    assert done.returncode == exitcodes.BAD_INPUT
    assert f"{config}:2: devices.0.colour: unknown key" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("args", [
    [], ["--sim", "2", "--config", "x.yaml"], ["--sim", "0"], ["--config", "x.yaml", "--remote-start"],
    ["--sim", "2", "--broker", "h:p"], ["--sim", "2", "--broker", "h:99999"],
    ["--sim", "1", "--token-file", "t"]])
def test_bad_options_are_usage_errors(args: list[str]) -> None:
    done = subprocess.run([*MASSAGECTL, "serve", *args], capture_output=True, text=True, timeout=WAIT_S)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr


class _Full(io.StringIO):
    """A standard output on a full disk."""

    writes = 0

    def write(self, text: str) -> int:
        _Full.writes += 1
        raise OSError(28, "No space left on device")


def test_unwritable_status_lines_end_in_one_warning(capsys: pytest.CaptureFixture[str]) -> None:
    """`serve > /dev/full`: the devices carry on; one line on stderr instead of a traceback per status."""
    printer = StatusPrinter(_Full())
    status = DeviceStatus("a", "A", "foot", "ready", "", "", 0, "", "", 0.0, 0.0, 0, (), None, "", "",
                          False, 1)
    printer(status)
    printer(replace(status, state="running", revision=2))
    assert printer.failed and _Full.writes == 1, "no write after the first failure"
    assert capsys.readouterr().err == ("massagectl: standard output cannot be written (No space left on "
                                       "device): no more status lines; the devices carry on\n")
