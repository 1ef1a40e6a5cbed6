"""4. Idle cost: CPU seconds per wall second of the controller and of the simulator while a program plays.

The controller (this process) plays a built-in program in real time over a pty to the simulator in its own
process; CPU time is sampled for both only once the device holds the first step, over a fixed window.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

from bench import procs, realtime
from bench.stats import Target, at_most
from controller.clock import RealClock
from controller.program.library import program_folders, resolve_program
from controller.runs import check_run, make_session, prepare_timeline

PROGRAM = "sleep"
START_TIMEOUT_S = 10.0


@dataclass
class IdleParams:
    """Seconds of real-time play measured per repetition, and repetitions."""

    window_s: float = 10.0
    reps: int = 2


def own_cpu_s() -> float:
    """This process's CPU seconds, all threads, at clock_gettime resolution (os.times ticks at 10 ms)."""
    return time.process_time()


def sim_cpu_s(sim: procs.Peer) -> float:
    """The simulator process's CPU seconds, as it measures them itself."""
    return float(sim.ask("cpu")["cpu_s"])


def one_window(sim: procs.Peer, window_s: float) -> dict[str, float]:
    """Play PROGRAM for window_s of real time; CPU share of both processes over that window."""
    plan = check_run(resolve_program(PROGRAM, program_folders([])), None, acknowledged=True)
    session = make_session(realtime.pty_link(sim.path), RealClock(), plan.policy, soft_stop_ms=0)
    timeline, _findings = prepare_timeline(session, plan)
    bg = realtime.play_in_background(session, timeline)
    if not bg.playing.wait(START_TIMEOUT_S):
        raise RuntimeError("the program did not start")
    c0, s0, w0 = own_cpu_s(), sim_cpu_s(sim), time.monotonic()
    time.sleep(window_s)  # the measurement window itself, not a synchronisation
    c1, s1, w1 = own_cpu_s(), sim_cpu_s(sim), time.monotonic()
    bg.player.controls.stop()
    bg.thread.join()
    realtime.close(session)
    return {"controller_pct": 100 * (c1 - c0) / (w1 - w0), "simulator_pct": 100 * (s1 - s0) / (w1 - w0)}


def run(params: IdleParams) -> dict[str, Any]:
    """Repeat the window; report medians, and the controller against the issue's 1 % target."""
    with procs.sim_host() as sim:
        runs = [one_window(sim, params.window_s) for _ in range(params.reps)]
    fig = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    targets: list[Target] = [at_most("controller CPU while playing", fig["controller_pct"], 1.0, "% core")]
    return {"params": {"program": PROGRAM, "window_s": params.window_s, "reps": params.reps},
            "figures": fig, "runs": runs, "targets": [t.as_dict() for t in targets]}
