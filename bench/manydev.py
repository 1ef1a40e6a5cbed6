"""8. Memory, many devices in one process (issue 12 item 6): what each device costs, and what dominates.

`massagectl serve` drives many devices from one process. Section `serve` measures that process for real
(Mosquitto, simulators on ptys, real time); this measures what the controller itself holds per device,
without a broker, in fresh processes:

- **per device**: N sessions, each with its own in-process simulator on its own VirtualClock, played round
  by round in turn (every player one step, then the next), so all N are alive at once and each holds
  everything a served device holds (link, session, player, timeline, the simulator's records); the peak
  RSS for N = 1 and N = `many`, and their difference over N − 1 is the RSS each further device adds. The
  CPU per device is the process time per simulated device-second: the share of a core one device takes
  when played in real time (without the waits, and without MQTT).
- **what dominates**: an import ladder (peak RSS after the interpreter, after pydantic, after the program
  model, after the simulator and the run core, after the serve stack), and tracemalloc's biggest owners
  (by file) once the N devices have played.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import procs
from bench.memory import HWM_KIB

LADDER = (
    ("interpreter", "pass"),
    ("pydantic", "import pydantic"),
    ("program model", "import controller.program.model"),
    ("run core and simulator", "import bench.library, controller.cli.run_session"),
    ("serve stack (MQTT, web)", "import controller.cli.serve_run, controller.service.mqtt"),
)
PEAK = f"{HWM_KIB} / 1024"  # MiB


@dataclass
class ManyParams:
    """How many devices at once, which program, repetitions."""

    many: int = 32
    reps: int = 3
    top: int = 6


def drive_many(n: int, program: Path, trace: bool = False) -> dict[str, Any]:
    """Play `program` on n simulated devices at once, round-robin, in this process."""
    import tracemalloc

    from bench.library import prepared
    if trace:
        tracemalloc.start()
    cpu0 = time.process_time()
    players = [prepared(program) for _ in range(n)]
    for player in players:
        player.begin()
    live = list(players)
    while live:
        for player in live:
            player.step()
        live = [p for p in live if p.outcome is None]
    cpu = time.process_time() - cpu0
    out: dict[str, Any] = {"n": n, "cpu_s": cpu, "simulated_s": players[0].clock.now(),
                           "outcomes": sorted({str(p.outcome) for p in players}),
                           "peak_rss_mib": peak_mib()}
    if trace:
        stats = tracemalloc.take_snapshot().statistics("filename")
        out["top"] = [(_short(s.traceback[0].filename), s.size / 2**20, s.count) for s in stats[:12]]
    return out


def peak_mib() -> float:
    """This process's peak resident set (VmHWM), MiB."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def _short(filename: str) -> str:
    for marker in ("site-packages/", str(procs.REPO) + "/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def child(body: str) -> Any:
    """The last JSON line a fresh interpreter prints after running `body`."""
    out = subprocess.run([sys.executable, "-c", body], cwd=procs.REPO, env=procs.python_env(),
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def ladder() -> list[tuple[str, float]]:
    """Peak RSS after each rung of imports, in one fresh interpreter."""
    lines = ["import json", "out = []"]
    for name, statement in LADDER:
        lines += [statement, f"out.append(({name!r}, {PEAK}))"]
    lines.append("print(json.dumps(out))")
    return [tuple(r) for r in child("\n".join(lines))]  # type: ignore[misc]


def many_once(n: int, program: Path, trace: bool = False) -> dict[str, Any]:
    return child(f"import json, bench.manydev as m; from pathlib import Path\n"
                 f"print(json.dumps(m.drive_many({n}, Path({str(program)!r}), {trace})))")


def run(params: ManyParams, program: Path | None = None) -> dict[str, Any]:
    """Peak RSS and CPU per device for 1 and `many` devices at once, the import ladder, tracemalloc's top."""
    from bench.library import longest_program

    program = program or longest_program()
    one = [many_once(1, program) for _ in range(params.reps)]
    many = [many_once(params.many, program) for _ in range(params.reps)]
    for r in one + many:
        if r["outcomes"] != ["completed"]:
            raise RuntimeError(f"{program.stem} on {r['n']} devices ended {r['outcomes']}")
    rss1 = statistics.median(r["peak_rss_mib"] for r in one)
    rssn = statistics.median(r["peak_rss_mib"] for r in many)
    cpu = statistics.median(r["cpu_s"] / (r["n"] * r["simulated_s"]) for r in many)
    traced = many_once(params.many, program, trace=True)
    return {"params": {"program": program.stem, "many": params.many, "reps": params.reps},
            "figures": {"rss_one_mib": rss1, "rss_many_mib": rssn,
                        "rss_per_device_mib": (rssn - rss1) / (params.many - 1),
                        "cpu_percent_core_per_device": 100 * cpu,
                        "simulated_s": many[0]["simulated_s"]},
            "ladder": ladder(), "top": traced["top"][:params.top], "targets": []}
