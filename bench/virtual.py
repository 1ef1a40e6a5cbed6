"""3. Virtual time: every built-in program end to end on the virtual clock; simulated s per wall s.

Beside it, the cost of one bare SET round trip through the same Link and in-process simulator, so the
library's wall time can be read as (frames sent) x (cost per frame) + the rest.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

from bench.library import builtin_programs, run_virtual
from bench.stats import Target, at_least, at_most
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


def run(params: VirtualParams) -> dict[str, Any]:
    """Repeat the library; the median of each program's figures, and of the library's total wall time."""
    reps = [library_once() for _ in range(params.reps)]
    programs = {name: median_program([r[name] for r in reps]) for name in reps[0]}
    walls = [sum(p["wall_s"] for p in r.values()) for r in reps]
    simulated = sum(p["simulated_s"] for p in programs.values())
    frames = sum(p["frames"] for p in programs.values())
    library = {"wall_s": statistics.median(walls), "simulated_s": simulated, "frames": frames,
               "speedup": simulated / statistics.median(walls),
               "min_program_speedup": min(p["speedup"] for p in programs.values())}
    bare = statistics.median(bare_round_trip_s(params.bare_round_trips // 5) for _ in range(5))
    library["bare_set_us"] = bare * 1e6
    library["frames_share_of_wall"] = frames * bare / library["wall_s"]
    targets: list[Target] = [
        at_least("virtual time, slowest program", library["min_program_speedup"], 10_000, "x real time"),
        at_most("whole built-in library simulated", library["wall_s"], 2.0, "s")]
    return {"params": {"reps": params.reps}, "library": library, "programs": programs,
            "targets": [t.as_dict() for t in targets]}
