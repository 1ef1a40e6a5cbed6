"""`massagectl conformance` as a firmware author runs it: real processes, a simulator on a pty in another
process, exit codes, and Ctrl-C leaving the device stopped."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from pathlib import Path

import pytest

from controller import exitcodes
from controller.conformance import CHECK_IDS
from tests.conformance.backends import KIT_TIMEOUT_S, MASSAGECTL, conformance_cli, sim_process

VERDICT = re.compile(r"^  (PASS|FAIL|NOT RUN|ERROR)\s+(\S+)", re.MULTILINE)


def test_a_slow_estop_device_on_a_pty_fails_only_the_estop_latency_check() -> None:
    with sim_process("--pty", "--defect", "slow-estop") as port:
        done = conformance_cli("--port", port)
    assert done.returncode == exitcodes.DEVICE_FAULT, done.stderr
    verdicts = dict((check, verdict) for verdict, check in VERDICT.findall(done.stdout))
    assert set(verdicts) == set(CHECK_IDS)
    assert [c for c, v in verdicts.items() if v != "PASS"] == ["estop-latency", "session-cap", "heater"]
    assert verdicts["estop-latency"] == "FAIL"
    median = re.search(r"e-stop latency, median: ([\d.]+) ms, outside", done.stdout)
    assert median is not None and float(median.group(1)) >= 450, done.stdout
    assert "needs --long (takes max_session_s, 1800 s on this device)" in done.stdout
    assert "The device was left stopped" in done.stdout
    assert "Result: 18 passed, 1 failed, 2 not run; exit code 4." in done.stdout


def _actuators(record: Path) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in record.read_text().splitlines() if line.strip()]
    return [r for r in lines if r["kind"] == "actuator"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_stops_the_device_and_says_so(sig: signal.Signals, tmp_path: Path) -> None:
    record = tmp_path / "record.jsonl"
    with sim_process("--pty", "--record", str(record)) as port:
        proc = subprocess.Popen([*MASSAGECTL, "conformance", "--port", port], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        for line in proc.stderr:  # a zone is on most of the time the lease check runs
            if line.startswith("checking leases"):
                break
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=KIT_TIMEOUT_S)
    assert proc.returncode == exitcodes.STOPPED_BY_USER, err
    assert "Traceback" not in err and "Interrupted: the remaining checks were not run." in out
    assert "The device was left stopped: ESTOP, then HELLO" in out
    on: dict[object, object] = {}
    for entry in _actuators(record):
        on[entry["zone_id"]] = entry["intensity"] or entry["heat"]
    assert on and not any(on.values()), "the simulator recorded a zone still on"


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--port", "/dev/no-such-massager"], exitcodes.LINK, "no such port"),
    (["--port", "socket://127.0.0.1:1"], exitcodes.LINK, "nothing is listening"),
    (["--check", "no-such-check", "--port", "x"], exitcodes.BAD_INPUT, "no check 'no-such-check'"),
    ([], exitcodes.BAD_INPUT, "give --port PORT"),
])
def test_bad_input_is_one_clear_message_and_an_exit_code(args: list[str], code: int, message: str) -> None:
    done = conformance_cli(*args)
    assert done.returncode == code and message in done.stderr
    assert "Traceback" not in done.stderr


def test_nothing_answering_is_a_link_failure_not_a_failed_check() -> None:
    """A port where nothing speaks the protocol: exit 3, and the report says nothing was checked."""
    with sim_process("--pty", "--awol-at", "0") as port:
        done = conformance_cli("--port", port, "--json")
    assert done.returncode == exitcodes.LINK
    report = json.loads(done.stdout)
    assert "no massager answered" in report["link_error"]
    assert {c["status"] for c in report["checks"]} == {"not run"}


def test_list_names_every_check_with_its_sections() -> None:
    done = conformance_cli("--list")
    assert done.returncode == 0
    for check_id in CHECK_IDS:
        assert re.search(rf"^{re.escape(check_id)}\s+§", done.stdout, re.MULTILINE), check_id
