"""`massagectl run PROGRAM --sim --speed max --acknowledge`, as the command line runs it, timed run by run.

The default CLI path: click parses the command, the program is found by name, the session log is on at its
default place, and the plain view writes to stdout (/dev/null here). XDG_STATE_HOME and XDG_CONFIG_HOME
point at a private temp folder, so the log lands there and no health profile of the user's changes the run.
One warm-up run comes first, so each figure is the run alone; the process's start-up is section 6's.

Prints {"path": "", "pid"} first; then each stdin line names programs (space-separated) and is answered by
one JSON line {program: {"wall_s", "simulated_s", "log_bytes", "exit"}}, simulated_s being the session
log's last `t`. Serves until stdin closes.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ARGS = ("--sim", "--speed", "max", "--acknowledge")


def last_t(log: Path) -> float:
    """The `t` of a session log's last record: the simulated seconds the session lasted."""
    with log.open("rb") as f:
        f.seek(max(0, log.stat().st_size - 4096))
        return float(json.loads(f.read().splitlines()[-1])["t"])


def run_once(program: str, logs: Path) -> dict[str, Any]:
    """One `massagectl run`, its wall time, exit code and log; the log is removed after."""
    from controller.cli import main

    code: object = 0
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        t0 = time.perf_counter()
        try:
            main(["run", program, *ARGS], prog_name="massagectl")
        except SystemExit as done:
            code = done.code
        wall = time.perf_counter() - t0
    written = sorted(logs.glob("*.jsonl"))
    out = {"wall_s": wall, "exit": code if isinstance(code, int) else 1,
           "simulated_s": last_t(written[-1]) if written else 0.0,
           "log_bytes": sum(p.stat().st_size for p in written)}
    for p in written:
        p.unlink()
    return out


def main() -> None:
    """Warm up, say hello, and time every program asked for until stdin closes."""
    with tempfile.TemporaryDirectory(prefix="massagectl-bench-") as home:
        os.environ["XDG_STATE_HOME"] = os.environ["XDG_CONFIG_HOME"] = home
        logs = Path(home) / "massagectl" / "logs"
        from bench.library import builtin_programs

        run_once(builtin_programs()[0].stem, logs)  # first-use imports and caches belong to start-up
        print(json.dumps({"path": "", "pid": os.getpid()}), flush=True)
        for line in sys.stdin:
            print(json.dumps({p: run_once(p, logs) for p in line.split()}), flush=True)


if __name__ == "__main__":
    main()
