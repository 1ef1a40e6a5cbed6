"""2. Schedule accuracy in real time: the Player against a naive send-then-sleep loop, same pty, same sim.

A program of equal steps alternates one zone between two intensities, so every step is one actuator
change in the simulator's record. A step's onset error is when the simulator applied it, relative to the
first step's onset, minus where the program puts it; the drift is the last step's error.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

from bench import procs, realtime
from bench.stats import Target, alternate, at_most, percentile
from controller.clock import RealClock
from controller.runs.player import Outcome, Player
from controller.runs.session import on_entry
from controller.wire.link import Link
from controller.wire.transport import SerialTransport

LOW, HIGH = 3, 5


@dataclass
class ScheduleParams:
    """Steps per run, step length, and alternating repetitions."""

    steps: int = 200
    step_s: float = 0.05
    reps: int = 3


def intensities(steps: int) -> list[int]:
    """LOW, HIGH, LOW, …: each step changes the zone, so each onset is visible in the record."""
    return [LOW if k % 2 == 0 else HIGH for k in range(steps)]


def onset_errors(record: list[list], since: float, zone_id: int, steps: int, step_s: float) -> list[float]:
    """Signed onset error of each step in seconds, from the sim's actuator changes after `since`."""
    onsets = [t for t, zone, intensity, _heat, cause in record
              if t >= since and zone == zone_id and cause == "set" and intensity in (LOW, HIGH)][:steps]
    if len(onsets) < steps:
        raise RuntimeError(f"the simulator recorded {len(onsets)} of {steps} step onsets")
    return [(t - onsets[0]) - k * step_s for k, t in enumerate(onsets)]


def player_run(sim: procs.Peer, p: ScheduleParams) -> list[float]:
    """The project's Player plays the steps against absolute deadlines."""
    session = realtime.pty_session(sim.path)
    caps = realtime.connect(session)
    timeline = realtime.steps_timeline([(realtime.setting(caps, 0, i),) for i in intensities(p.steps)],
                                       p.step_s)
    since = time.monotonic()
    outcome = Player(session, timeline, session_limit_s=realtime.SESSION_LIMIT_S,
                     on_note=lambda text: None).run()
    realtime.close(session)
    if outcome != Outcome.COMPLETED:
        raise RuntimeError(f"the bench program ended {outcome}")
    return onset_errors(sim.ask("timeline"), since, caps.zones[0].id, p.steps, p.step_s)


def naive_run(sim: procs.Peer, p: ScheduleParams) -> list[float]:
    """What a first attempt looks like: send a step, then sleep the step's length."""
    link = Link(SerialTransport(sim.path), RealClock())
    caps = link.handshake()
    since = time.monotonic()
    for intensity in intensities(p.steps):
        link.set_actuators((on_entry(realtime.setting(caps, 0, intensity)),))
        time.sleep(p.step_s)
    link.soft_stop(0)
    link.close()
    return onset_errors(sim.ask("timeline"), since, caps.zones[0].id, p.steps, p.step_s)


def figures(errors: list[float]) -> dict[str, float]:
    """|onset error| p50 / p99 / max and the signed drift at the last step, in ms."""
    absolute = [abs(e) * 1e3 for e in errors]
    return {"p50_ms": percentile(absolute, 50), "p99_ms": percentile(absolute, 99),
            "max_ms": max(absolute), "drift_ms": errors[-1] * 1e3}


def run(params: ScheduleParams) -> dict[str, Any]:
    """Alternate Player and naive runs against one simulator process; medians over repetitions."""
    with procs.sim_host() as sim:
        runs = alternate({"massagectl": lambda: figures(player_run(sim, params)),
                          "naive_loop": lambda: figures(naive_run(sim, params))}, params.reps)
    fig = {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()}
    ours = fig["massagectl"]
    targets: list[Target] = [at_most("onset error p99", ours["p99_ms"], 1.0, "ms"),
                             at_most("drift over the run", abs(ours["drift_ms"]), 0.5, "ms")]
    return {"params": {"steps": params.steps, "step_ms": params.step_s * 1e3, "reps": params.reps},
            "contenders": fig, "targets": [t.as_dict() for t in targets]}
