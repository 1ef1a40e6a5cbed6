"""3. Virtual time: every built-in program end to end on the virtual clock; simulated s per wall s.

Two paths, alternating pass by pass: the library path (bench/library.py: load, check, compile, play; no
session log, no CLI), and the default CLI path, `massagectl run PROGRAM --sim --speed max --acknowledge`
with the session log on, as the command line runs it (bench/peers/clirun.py, in its own process). Beside
them, the cost of one bare SET round trip through the same Link and in-process simulator, so the library's
wall time can be read as (frames sent) x (cost per frame) + the rest; and the whole `massagectl` process
for the slowest program, start-up included.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import Any

from bench import procs
from bench.library import builtin_programs, run_virtual
from bench.peers.clirun import ARGS
from bench.stats import Target, alternate, at_least, at_most
from controller.clock import VirtualClock
from controller.wire.link import Link
from controller.wire.protocol import SetEntry
from sim import make_pair

ONE_ZONE = (SetEntry(zone=1, motion=1, intensity=3, speed=2, heat=0, lease_ms=1500),)


@dataclass
class VirtualParams:
    """Whole-library repetitions, and bare round trips timed."""

    reps: int = 5
    bare_round_trips: int = 5000
    process_runs: int = 3


def bare_round_trip_s(n: int) -> float:
    """Wall seconds of one SET through Link and the in-process simulator on a virtual clock."""
    clock = VirtualClock()
    transport, _device = make_pair(clock)
    link = Link(transport, clock)
    link.handshake()
    t0 = time.perf_counter()
    for _ in range(n):
        link.set_actuators(ONE_ZONE)
    return (time.perf_counter() - t0) / n


def library_once() -> dict[str, dict[str, Any]]:
    """Each built-in program once: simulated seconds, wall seconds, frames sent."""
    out = {}
    for file in builtin_programs():
        r = run_virtual(file)
        out[r.program] = {"simulated_s": r.simulated_s, "wall_s": r.wall_s, "frames": r.counters.sent,
                          "speedup": r.simulated_s / r.wall_s, "outcome": str(r.outcome)}
    return out


def median_program(reps: list[dict[str, Any]]) -> dict[str, Any]:
    """One program's figures, median over repetitions (the outcome is the same every time)."""
    return {k: reps[0][k] if k == "outcome" else statistics.median(r[k] for r in reps) for k in reps[0]}


def cli_pass(cli: procs.Peer) -> dict[str, dict[str, Any]]:
    """Each built-in program once on the CLI path: as library_once, plus the exit code and log size."""
    out = cli.ask(" ".join(f.stem for f in builtin_programs()))
    for name, r in out.items():
        if r["exit"] != 0:
            raise RuntimeError(f"massagectl run {name} {' '.join(ARGS)} exited with {r['exit']}")
        r["speedup"] = r["simulated_s"] / r["wall_s"]
    return dict(out)


def process_wall_s(program: str, runs: int) -> float:
    """Median wall time of the whole `massagectl run` process (start-up included), log on, view to null."""
    walls = []
    with tempfile.TemporaryDirectory(prefix="massagectl-bench-") as home:
        env = {**procs.python_env(), "XDG_STATE_HOME": home, "XDG_CONFIG_HOME": home}
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run([procs.massagectl(), "run", program, *ARGS], env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            walls.append(time.perf_counter() - t0)
    return statistics.median(walls)


def totals(reps: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Per-program medians over the passes, and the library's figures (wall time: median of the passes)."""
    programs = {name: median_program([r[name] for r in reps]) for name in reps[0]}
    wall = statistics.median(sum(p["wall_s"] for p in r.values()) for r in reps)
    simulated = sum(p["simulated_s"] for p in programs.values())
    slowest = min(programs, key=lambda n: programs[n]["speedup"])
    return programs, {"wall_s": wall, "simulated_s": simulated, "speedup": simulated / wall,
                      "min_program_speedup": programs[slowest]["speedup"], "slowest_program": slowest}


def cli_figures(reps: list[dict[str, Any]], library_wall_s: float, process_runs: int) -> dict[str, Any]:
    """The CLI path's figures, its cost over the library path, and the slowest program's whole process."""
    programs, cli = totals(reps)
    cli["over_library"] = cli["wall_s"] / library_wall_s
    cli["log_bytes"] = sum(p["log_bytes"] for p in programs.values())
    name = cli["slowest_program"]
    cli["process_wall_s"] = process_wall_s(name, process_runs)
    cli["process_speedup"] = programs[name]["simulated_s"] / cli["process_wall_s"]
    return {"library": cli, "programs": programs}


def run(params: VirtualParams) -> dict[str, Any]:
    """Alternate library and CLI passes; per-program medians; the bare round trip; the targets."""
    with procs.python_peer("bench.peers.clirun") as child:
        passes = alternate({"library": library_once, "cli": lambda: cli_pass(child)}, params.reps)
    programs, library = totals(passes["library"])
    frames = sum(p["frames"] for p in programs.values())
    library["frames"] = frames
    bare = statistics.median(bare_round_trip_s(params.bare_round_trips // 5) for _ in range(5))
    library["bare_set_us"] = bare * 1e6
    library["frames_share_of_wall"] = frames * bare / library["wall_s"]
    cli = cli_figures(passes["cli"], library["wall_s"], params.process_runs)
    targets: list[Target] = [
        at_least("virtual time, slowest program", library["min_program_speedup"], 10_000, "x real time"),
        at_most("whole built-in library simulated", library["wall_s"], 2.0, "s"),
        at_least("virtual time, slowest program, CLI path, log on", cli["library"]["min_program_speedup"],
                 10_000, "x real time", issue="12"),
        at_most("whole built-in library, CLI path, log on", cli["library"]["wall_s"], 0.5, "s", issue="12")]
    return {"params": {"reps": params.reps}, "library": library, "programs": programs, "cli": cli,
            "targets": [t.as_dict() for t in targets]}
