"""`massagectl` as a user runs it: real processes, a simulator on a pty in another process, signals."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from controller import exitcodes
from controller.wire.protocol import MsgType
from tests.integration.simprocess import MASSAGECTL, SimProcess

ANSI = re.compile(r"\x1b\[")


def massagectl(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MASSAGECTL, *args], capture_output=True, text=True, timeout=timeout)


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


def test_probe_prints_the_foot_profile(sim_process: SimProcess) -> None:
    port = sim_process.path
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
