"""8. Memory: peak resident set of the longest built-in program run against the simulator, in a fresh process.

Many devices in one process, and what dominates: bench/manydev.py.

Beside it, the same process after only importing everything the run uses, so the figure separates what the
run itself holds from what the interpreter and the libraries cost.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import procs
from bench.library import longest_program
from bench.stats import alternate

IMPORTS = "import json, bench.library as lib; from pathlib import Path"
# The process's own peak (VmHWM, KiB). Not getrusage's ru_maxrss: Linux carries that across fork and exec,
# so a child started by a 48 MiB bench reported 48 MiB whatever it did (the figures before issue 12).
HWM_KIB = "int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])"
PEAK = f"print(json.dumps({HWM_KIB}))"


@dataclass
class MemoryParams:
    """Alternating repetitions of the run and of the imports-only baseline."""

    reps: int = 3
    many: int = 32  # devices at once in bench/manydev.py


def peak_kib(body: str) -> int:
    """Peak RSS (VmHWM) of a fresh interpreter running `body` after the shared imports."""
    out = subprocess.run([sys.executable, "-c", f"{IMPORTS}\n{body}\n{PEAK}"], cwd=procs.REPO,
                         env=procs.python_env(), capture_output=True, text=True, check=True)
    return int(json.loads(out.stdout.strip().splitlines()[-1]))


def run(params: MemoryParams, program: Path | None = None) -> dict[str, Any]:
    """Median peak RSS of the longest program's run, of the baseline, and their difference, in MiB."""
    program = program or longest_program()
    play = f"r = lib.run_virtual(Path({str(program)!r})); assert r.outcome == 'completed', r.outcome"
    runs = alternate({"run": lambda: peak_kib(play), "imports_only": lambda: peak_kib("pass")}, params.reps)
    fig = {name: statistics.median(r) / 1024 for name, r in runs.items()}
    from bench import manydev

    many = manydev.run(manydev.ManyParams(many=params.many, reps=params.reps), program)
    return {"params": {"program": program.stem, "reps": params.reps},
            "figures": {"peak_rss_mib": fig["run"], "imports_only_mib": fig["imports_only"],
                        "run_adds_mib": fig["run"] - fig["imports_only"]}, "many": many, "targets": []}
