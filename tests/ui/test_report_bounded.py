"""`report` on hostile logs (issue 14): bounded memory and time, never blocking, never an internal error.

Before: a line nested 100,000 deep was a RecursionError, NaN times an OverflowError (both exit 1, "internal
error"); /dev/zero grew without bound, a FIFO blocked forever, and a 100 MB log took 860 MB.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from controller import exitcodes
from controller.runs.report import MAX_INCIDENTS, load_report
from tests.ui.biglog import write_big_log
from tests.ui.test_report import rec, set_

MASSAGECTL = [sys.executable, "-m", "controller.cli"]


def _log(path: Path, *middle: str) -> Path:
    """A valid one-session log with the given raw lines between its first SET and its end."""
    lines = [json.dumps(rec(0.0, "session", program="p")), json.dumps(set_(1.0, (1, 3, 0))), *middle,
             json.dumps(rec(5.0, "end", outcome="completed"))]
    path.write_text("\n".join(lines) + "\n")
    return path


def _limited_memory() -> None:
    """In the child: a runaway read fails at 1 GB instead of taking the machine."""
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def massagectl(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MASSAGECTL, *args], capture_output=True, text=True, timeout=timeout,
                          preexec_fn=_limited_memory)


@pytest.mark.parametrize("depth", [30_000, 100_000])
def test_a_line_nested_deep_is_a_damaged_line(tmp_path: Path, depth: int) -> None:
    """30,000 fits in a line the reader takes and overflows json's recursion; 100,000 is an overlong line."""
    log = _log(tmp_path / "deep.jsonl", "[" * depth + "]" * depth)
    r = load_report(log)
    assert (r.outcome, r.malformed, r.zones[0].active_s) == ("completed", 1, 4.0)
    done = massagectl("report", str(log))
    assert done.returncode == exitcodes.OK, done.stderr
    assert "1 malformed lines" in done.stdout


_SET = ('{"t": 2.0, "kind": "tx", "type": "SET", '
        '"fields": {"entries": [{"zone": 1, "intensity": LEVEL, "heat": 0}]}}')


@pytest.mark.parametrize("line", [
    '{"t": NaN, "kind": "note", "text": "x"}',
    '{"t": Infinity, "kind": "state", "to": "paused"}',
    '{"t": -Infinity, "kind": "note", "text": "x"}',
    '{"t": 1e400, "kind": "note", "text": "x"}',
    '{"t": 1e300, "kind": "note", "text": "x"}',
    _SET.replace("LEVEL", "NaN"),
    _SET.replace("LEVEL", "1e300"),
])
def test_nan_infinite_and_absurd_times_are_damaged_lines(tmp_path: Path, line: str) -> None:
    log = _log(tmp_path / "nan.jsonl", line)
    r = load_report(log)
    assert (r.duration_s, r.malformed, r.peak_intensity) == (5.0, 1, 3)
    done = massagectl("report", str(log))
    assert done.returncode == exitcodes.OK, done.stderr
    assert massagectl("report", str(log), "--json").returncode == exitcodes.OK


def test_nan_in_the_end_record_does_not_reach_the_table(tmp_path: Path) -> None:
    log = tmp_path / "end.jsonl"
    log.write_text(json.dumps(rec(0.0, "session")) + "\n"
                   + '{"t": 3.0, "kind": "end", "outcome": "completed", "position_s": 1e308}\n')
    done = massagectl("report", str(log))
    assert done.returncode == exitcodes.OK, done.stderr
    assert load_report(log).end_position_s is None


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom", "fifo"])
def test_devices_and_fifos_are_refused_at_once(tmp_path: Path, target: str) -> None:
    path = tmp_path / "fifo" if target == "fifo" else Path(target)
    if target == "fifo":
        os.mkfifo(path)
    done = massagectl("report", str(path), timeout=20)
    assert done.returncode == exitcodes.BAD_INPUT
    kind = "a FIFO" if target == "fifo" else "a device file"
    assert done.stderr == f"massagectl: cannot read session log {path}: is {kind}, not a regular file; " \
                          "refusing to read it\n"


def test_incidents_past_the_cap_are_counted_not_listed(tmp_path: Path) -> None:
    notes = [json.dumps(rec(2.0, "note", text=f"n{k}")) for k in range(MAX_INCIDENTS + 5)]
    r = load_report(_log(tmp_path / "notes.jsonl", *notes))
    assert len(r.notes) == MAX_INCIDENTS + 1
    assert r.notes[-1].detail.startswith("5 more faults, events and notes not listed")


def test_a_large_log_is_read_in_bounded_memory(tmp_path: Path) -> None:
    """A 20 MB log: the report's memory does not grow with the log (before, it took about 8x the file)."""
    log = tmp_path / "big.jsonl"
    write_big_log(log, 20)
    probe = ("import resource, sys\n"
             "from controller.runs.report import load_report\n"
             "import controller.ui.report\n"
             "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
             "load_report(sys.argv[1])\n"
             "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n")
    done = subprocess.run([sys.executable, "-c", probe, str(log)], capture_output=True, text=True,
                          timeout=120, preexec_fn=_limited_memory)
    assert done.returncode == 0, done.stderr
    grown_kb = int(done.stdout)
    assert grown_kb < 20 * 1024, f"peak RSS grew by {grown_kb} KB reading a 20 MB log"
