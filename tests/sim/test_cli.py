"""`massagectl sim` as a user runs it: the port on the first line, a clean exit on SIGINT/SIGTERM."""

from __future__ import annotations

import json
import os
import select
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial
from click.testing import CliRunner

from controller.cli import main
from sim.messages import Ack, Hello, HelloReply
from sim.protocol import MsgType
from tests.sim.helpers import Host, entry, set_cmd
from tests.sim.test_servers import SerialPort

START_TIMEOUT_S = 10.0


def start_sim(*args: str) -> tuple[subprocess.Popen[str], str]:
    """Run the CLI in a child process and return it with its first stdout line."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "from controller.cli import main; main()", "sim", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], START_TIMEOUT_S)
    if not ready:
        proc.kill()
        pytest.fail("massagectl sim printed nothing")
    return proc, proc.stdout.readline().strip()


@pytest.fixture
def stop_later() -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_pty_prints_path_first_and_exits_cleanly(sig: signal.Signals, tmp_path: Path,
                                                 stop_later: list[subprocess.Popen[str]]) -> None:
    proc, path = start_sim("--pty", "--profile", "chair", "--record", str(tmp_path / "r.jsonl"))
    stop_later.append(proc)
    assert path.startswith("/dev/")
    with serial.Serial(path, timeout=0.5) as port:
        reply = Host(SerialPort(port)).command(Hello(1, 0))
    assert isinstance(reply, HelloReply) and reply.model == "ReclineRelax Sim"
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=START_TIMEOUT_S)
    assert proc.returncode == 0 and "Traceback" not in stderr
    assert (tmp_path / "r.jsonl").read_text().startswith('{"kind": "event"')


def test_tcp_prints_url(stop_later: list[subprocess.Popen[str]]) -> None:
    proc, url = start_sim("--tcp", "127.0.0.1:0", "--drop", "0")
    stop_later.append(proc)
    assert url.startswith("socket://127.0.0.1:") and not url.endswith(":0")
    with serial.serial_for_url(url, timeout=0.5) as port:
        assert isinstance(Host(SerialPort(port)).command(Hello(1, 0)), HelloReply)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=START_TIMEOUT_S)
    assert proc.returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "exactly one of --pty or --tcp"),
        (["--pty", "--tcp", "127.0.0.1:1"], "exactly one of --pty or --tcp"),
        (["--tcp", "localhost"], "HOST:PORT"),
        (["--tcp", "127.0.0.1:70000"], "HOST:PORT"),
        (["--pty", "--drop", "1.5"], "--drop"),
        (["--pty", "--reset-at", "-1"], "--reset-at"),
        (["--pty", "--stuck-zone", "elbow"], "no zone 'elbow'"),
        (["--pty", "--profile", "sofa"], "--profile"),
        (["--tcp", "127.0.0.1:0", "--link", "no_such_dir/link"], "--link only applies to --pty"),
    ],
)
def test_bad_options_are_clear_click_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["sim", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_defect_prints_a_non_conforming_banner_and_leaves_hello_unchanged(
        stop_later: list[subprocess.Popen[str]]) -> None:
    replies = []
    for args in ([], ["--defect", "no-watchdog", "--defect", "slow-estop"]):
        proc, url = start_sim("--tcp", "127.0.0.1:0", *args)
        stop_later.append(proc)
        with serial.serial_for_url(url, timeout=0.5) as port:
            replies.append(Host(SerialPort(port)).command(Hello(1, 1)))
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=START_TIMEOUT_S)
        assert proc.returncode == 0
        assert ("NON-CONFORMING" in stderr) == bool(args)
    assert "--defect no-watchdog, slow-estop" in stderr
    assert replies[0] == replies[1]


def test_defect_help_names_every_defect_and_an_unknown_one_is_a_clear_error() -> None:
    from sim.defects import DEFECTS

    help_text = "".join(CliRunner().invoke(main, ["sim", "--help"]).output.split())  # wrapping splits names
    assert "NON-CONFORMING" in help_text and all(name in help_text for name in DEFECTS)
    result = CliRunner().invoke(main, ["sim", "--pty", "--defect", "fast-estop"])
    assert result.exit_code == 2 and "no defect 'fast-estop'" in result.output


def start_sim_in_background(*args: str) -> tuple[subprocess.Popen[str], int, str]:
    """`massagectl sim` as a background job of a non-interactive bash, which starts it with SIGINT and
    SIGQUIT ignored; returns bash, the simulator's pid and its first line (the port)."""
    command = shlex.join([sys.executable, "-c", "from controller.cli import main; main()", "sim", *args])
    proc = subprocess.Popen(["bash", "-c", f'{command} & echo "pid $!"; wait $!; echo "exit $?"'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    lines = [proc.stdout.readline().strip() for _ in range(2)]  # bash's pid line and the port, any order
    pid_line = next(line for line in lines if line.startswith("pid "))
    return proc, int(pid_line.split()[1]), next(line for line in lines if line != pid_line)


STOP_SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT]


@pytest.mark.parametrize("how", ["popen", "bash-background"])
@pytest.mark.parametrize("sig", STOP_SIGNALS, ids=[s.name for s in STOP_SIGNALS])
def test_every_stop_signal_turns_the_simulated_device_off_and_exits_cleanly(
        sig: signal.Signals, how: str, tmp_path: Path, stop_later: list[subprocess.Popen[str]]) -> None:
    """Issue 14 unsafe #2: `sim` too stops its device on SIGINT, SIGTERM, SIGHUP and SIGQUIT."""
    record = tmp_path / "r.jsonl"
    if how == "popen":
        proc, path = start_sim("--pty", "--record", str(record))
        pid = proc.pid
    else:
        proc, pid, path = start_sim_in_background("--pty", "--record", str(record))
    stop_later.append(proc)
    with serial.Serial(path, timeout=0.5) as port:
        host = Host(SerialPort(port))
        host.command(Hello(1, 1))
        assert host.command(set_cmd(entry(4))) == Ack(MsgType.SET)  # a zone is on
        os.kill(pid, sig)
        try:
            out, stderr = proc.communicate(timeout=START_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)  # bash's child, which stop_later cannot reach
            raise
    code = proc.returncode if how == "popen" else int(out.split("exit ")[-1])
    assert code == 0, stderr
    assert "Traceback" not in stderr
    actuators = [json.loads(line) for line in record.read_text().splitlines() if '"actuator"' in line]
    assert actuators[0]["intensity"] == 4
    assert actuators[-1]["intensity"] == 0 and actuators[-1]["cause"] == "shutdown"
