"""6. Start-up: `massagectl --help` and `massagectl validate PROGRAM` wall time, against `python -c pass`.

`massagectl` is the installed console script (controller/launch/: its top-level help needs no click)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from bench import procs
from bench.stats import alternate, at_most
from programs import PROGRAMS_DIR


@dataclass
class StartupParams:
    """Alternating repetitions of each command."""

    reps: int = 10


def wall_s(argv: list[str]) -> float:
    """Wall seconds from spawn to exit; a failing command is an error, not a fast figure."""
    t0 = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env=procs.python_env())
    return time.perf_counter() - t0


def run(params: StartupParams) -> dict[str, Any]:
    """Median wall time of each command, and its ratio to a bare interpreter start."""
    tool = procs.massagectl()
    commands = {"python_c_pass": [sys.executable, "-c", "pass"],
                "massagectl_help": [tool, "--help"],
                "massagectl_validate": [tool, "validate", str(PROGRAMS_DIR / "sleep.yaml")]}
    runs = alternate({name: partial(wall_s, argv) for name, argv in commands.items()}, params.reps)
    ms = {name: statistics.median(r) * 1e3 for name, r in runs.items()}
    base = ms["python_c_pass"]
    return {"params": {"reps": params.reps},
            "figures": {name: {"ms": v, "ratio_to_python": v / base} for name, v in ms.items()},
            "targets": [at_most("massagectl --help / python -c pass", ms["massagectl_help"] / base, 2.0, "x",
                                "12").as_dict()]}
