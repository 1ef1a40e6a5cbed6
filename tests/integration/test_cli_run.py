"""`massagectl` as a user runs it: real processes, a simulator on a pty in another process, signals."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from controller import exitcodes
from controller.wire.protocol import MsgType

MASSAGECTL = [sys.executable, "-m", "controller.cli"]
ANSI = re.compile(r"\x1b\[")


def massagectl(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MASSAGECTL, *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def sim_pty(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`massagectl sim --pty` in its own process; yields (pty path, its --record file)."""
    record = tmp_path / "record.jsonl"
    proc = subprocess.Popen([*MASSAGECTL, "sim", "--pty", "--record", str(record)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    path = proc.stdout.readline().strip()
    assert path.startswith("/dev/"), proc.stderr.read() if proc.stderr else ""
    yield path, record
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 0


def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_run_on_the_virtual_clock_completes_with_a_log_and_plain_lines(tmp_path: Path) -> None:
    log = tmp_path / "session.jsonl"
    done = massagectl("run", "circulation-warmup", "--sim", "--speed", "max", "--log", str(log))
    assert done.returncode == exitcodes.OK, done.stderr
    lines = done.stdout.splitlines()
    assert lines and all(re.match(r"\[\d\d:\d\d:\d\d\] ", line) for line in lines)
    assert not ANSI.search(done.stdout)
    assert lines[-1].endswith("completed")
    end = records(log)[-1]
    assert end["kind"] == "end" and end["outcome"] == "completed"
    (session,) = [r for r in records(log) if r["kind"] == "session"]
    assert session["schema_version"] == 2
    frame_types = {r["type"] for r in records(log) if r["kind"] in ("tx", "rx")}
    assert frame_types <= {m.name for m in MsgType} and {"HELLO", "SET", "ACK", "SOFT_STOP"} <= frame_types
    report = massagectl("report", str(log), "--json")
    assert report.returncode == 0 and json.loads(report.stdout)["outcome"] == "completed"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_mid_run_stops_the_device_and_says_stopped_by_user(
        sim_pty: tuple[str, Path], tmp_path: Path, sig: signal.Signals) -> None:
    port, record = sim_pty
    log = tmp_path / "session.jsonl"
    proc = subprocess.Popen([*MASSAGECTL, "run", "circulation-warmup", "--port", port, "--log", str(log)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:  # wait for the first step to be running: an event, not a sleep
        if "step 1/" in line:
            break
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == exitcodes.STOPPED_BY_USER, err
    assert "Traceback" not in err
    sent = [r["type"] for r in records(log) if r["kind"] == "tx"]
    actuator_frames = [t for t in sent if t in ("SET", "SOFT_STOP", "ESTOP")]
    assert actuator_frames[-1] in ("SOFT_STOP", "ESTOP")  # a stop is the last actuator frame
    actuators = [r for r in records(record) if r["kind"] == "actuator"]
    on: dict[object, object] = {}
    for r in actuators:
        on[r["zone_id"]] = r["intensity"] or r["heat"]
    assert actuators and not any(on.values()), "the simulator recorded everything off"


def test_probe_prints_the_foot_profile(sim_pty: tuple[str, Path]) -> None:
    port, _ = sim_pty
    done = massagectl("probe", "--port", port)
    assert done.returncode == 0, done.stderr
    assert "SIMULATOR" in done.stdout
    for zone in ("toe_tips", "big_toe_pad", "diaphragm", "kidney", "spine_arch", "heel", "ankle"):
        assert zone in done.stdout
    as_json = json.loads(massagectl("probe", "--port", port, "--json").stdout)
    assert as_json["simulator"] is True and len(as_json["zones"]) == 11


@pytest.mark.parametrize(("args", "code", "message"), [
    (["run", "circulaton-warmup", "--sim"], exitcodes.BAD_INPUT, "did you mean circulation-warmup"),
    (["run", "circulation-warmup", "--port", "/dev/no-such-massager"], exitcodes.LINK, "no such port"),
    (["run", "sleep", "--port", "/dev/null", "--speed", "10"], exitcodes.BAD_INPUT,
     "--speed works only with --sim"),
    (["run", "sleep"], exitcodes.BAD_INPUT, "exactly one of --port PORT or --sim"),
    (["run", "sleep", "--sim", "--speed", "fast"], exitcodes.BAD_INPUT, "is not a number or 'max'"),
    (["run", "sleep", "--sim", "--session-limit", "999"], exitcodes.REFUSED, "hard maximum"),
    (["probe", "--port", "/dev/no-such-massager"], exitcodes.LINK, "no such port"),
])
def test_expected_errors_are_one_clear_message_and_an_exit_code(args: list[str], code: int,
                                                                 message: str) -> None:
    done = massagectl(*args, "--no-log") if args[0] == "run" else massagectl(*args)
    assert done.returncode == code, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_run_refuses_a_contraindicated_program_before_touching_the_device(tmp_path: Path) -> None:
    profile = tmp_path / "health.yaml"
    profile.write_text("schema_version: 1\nconditions: [deep_vein_thrombosis]\n")
    done = massagectl("run", "sleep", "--sim", "--speed", "max", "--profile-file", str(profile), "--no-log")
    assert done.returncode == exitcodes.REFUSED
    assert "deep" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_ports_lists_ports_or_says_there_are_none() -> None:
    done = massagectl("ports", "--probe")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() and "Traceback" not in done.stderr
