"""5. Stop latency: from the stop request to the simulator recording every actuator off, over the pty.

Three ways to stop, alternating: `controls.emergency_stop()` and `controls.stop()` (soft stop with a 0 ms
ramp, as Ctrl-C uses) on a Player in this process, and SIGINT to a `massagectl run … --port PTY` process.
The simulator runs in its own process and time-stamps on the machine-wide monotonic clock.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from dataclasses import dataclass
from typing import Any

from bench import procs, realtime
from bench.stats import Target, alternate, at_most, summary_us

ZONES_ON = 4
HOLD_S = 120.0
SIGINT_PROGRAM = "sleep"
START_TIMEOUT_S = 15.0
EXIT_TIMEOUT_S = 10.0
POLL_S = 0.02


@dataclass
class StopParams:
    """Stops of each kind, alternating."""

    reps: int = 20
    sigint_reps: int = 8


def latency(sim: procs.Peer, t0: float, zone_ids: set[int]) -> float:
    """Seconds from t0 until the simulator's record shows every zone in zone_ids off."""
    t_off = realtime.all_off_after(sim.ask("timeline"), t0, zone_ids)
    if t_off is None:
        raise RuntimeError("the simulator never recorded every actuator off")
    return t_off - t0


def player_stop(sim: procs.Peer, how: str) -> float:
    """Hold four zones on, wait a random moment, request the stop from this thread, time it to all-off."""
    session = realtime.pty_session(sim.path)
    caps = realtime.connect(session)
    held = tuple(realtime.setting(caps, z, 4) for z in range(ZONES_ON))
    bg = realtime.play_in_background(session, realtime.steps_timeline([held], HOLD_S))
    if not bg.playing.wait(START_TIMEOUT_S):
        raise RuntimeError("the player did not start")
    time.sleep(random.uniform(0.02, 0.2))  # land the stop at a random phase of the player's loop
    t0 = time.monotonic()
    getattr(bg.player.controls, how)()
    bg.thread.join()
    if how == "emergency_stop":  # the latch outlives the session: clear it for the next repetition
        session.fire("reset")
    realtime.close(session)
    return latency(sim, t0, {s.zone_id for s in held})


def wait_for_on(sim: procs.Peer, since: float, deadline: float) -> set[int]:
    """Poll the simulator until some zone is on after `since`; returns the zones on."""
    while time.monotonic() < deadline:
        on: dict[int, bool] = {}
        for t, zone, intensity, heat, _cause in sim.ask("timeline"):
            if t >= since:
                on[zone] = bool(intensity or heat)
        if any(on.values()):
            return {z for z, v in on.items() if v}
        time.sleep(POLL_S)
    raise RuntimeError("massagectl run never turned an actuator on")


def default_sigint() -> None:
    """In the child: a shell starting the bench with `&` ignores SIGINT, and exec keeps it ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def sigint_stop(sim: procs.Peer) -> float | None:
    """Start `massagectl run` on the pty, wait until it drives the device, SIGINT it, time it to all-off.

    None when the process did not exit within EXIT_TIMEOUT_S of the SIGINT (it is then killed, and
    the device's watchdog turns the actuators off): a hang is a finding, not a crash of the bench.
    """
    since = time.monotonic()
    proc = subprocess.Popen([procs.massagectl(), "run", SIGINT_PROGRAM, "--port", sim.path, "--no-log",
                             "--acknowledge"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=procs.python_env(), preexec_fn=default_sigint)
    try:
        zones = wait_for_on(sim, since, since + START_TIMEOUT_S)
        time.sleep(random.uniform(0.02, 0.2))
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=EXIT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return latency(sim, t0, zones)


def run(params: StopParams) -> dict[str, Any]:
    """Alternate the three kinds of stop against one simulator process."""
    with procs.sim_host() as sim:
        runs = alternate({"emergency_stop": lambda: player_stop(sim, "emergency_stop"),
                          "stop_0ms_ramp": lambda: player_stop(sim, "stop")}, params.reps)
        sigint = [sigint_stop(sim) for _ in range(params.sigint_reps)]
    runs["sigint_massagectl_run"] = [s for s in sigint if s is not None]
    fig = {name: summary_us(samples) for name, samples in runs.items()}
    fig["sigint_massagectl_run"]["hung"] = sigint.count(None)
    for f in fig.values():
        f.update({k.replace("_us", "_ms"): f.pop(k) / 1e3 for k in ("p50_us", "p99_us", "max_us")})
    targets: list[Target] = [at_most("emergency stop to all-off p99", fig["emergency_stop"]["p99_ms"], 5.0,
                                     "ms")]
    return {"params": {"reps": params.reps, "sigint_reps": params.sigint_reps, "zones_on": ZONES_ON},
            "contenders": fig, "targets": [t.as_dict() for t in targets]}
