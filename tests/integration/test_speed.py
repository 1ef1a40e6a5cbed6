"""Issue 14: `--speed N` works at every accepted speed, however busy the machine.

With the simulator on a ScaledClock, a host stalled for 10 ms of real time (a slow terminal, a loaded
machine) used to be 10 s of device time at 1000x: the simulated watchdog tripped. Paced virtual time
moves only while the host waits, so the host is never late for a simulator on the same clock.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest

from controller import exitcodes
from controller.clock import ScaledClock
from controller.program.loader import load_program_file
from controller.runs import check_run, make_session, prepare_timeline
from controller.runs.player import Outcome, Player, Snapshot
from controller.wire.link import Link
from sim import make_pair
from sim.protocol import EventCode
from tests.integration.simprocess import MASSAGECTL

PROGRAM = """\
schema_version: 1
id: twenty-seconds
name: Twenty seconds
description: Two short steps.
intensity_class: light
steps:
  - {name: heel, duration: 10s, zones: [heel], motion: knead, intensity: 2, speed: 2}
  - {name: ankle, duration: 10s, zones: [ankle], motion: roll, intensity: 2, speed: 2}
"""


@pytest.mark.parametrize("factor", [50.0, 1000.0, 100_000.0])
def test_a_scaled_run_survives_a_stalled_host(tmp_path: Path, factor: float) -> None:
    file = tmp_path / "p.yaml"
    file.write_text(PROGRAM)
    clock = ScaledClock(factor)
    transport, device = make_pair(clock)
    plan = check_run(load_program_file(file), None, acknowledged=True)
    session = make_session(lambda: Link(transport, clock), clock, plan.policy)
    timeline, _ = prepare_timeline(session, plan)
    stalls: list[float] = []

    def stall(snap: Snapshot) -> None:  # a host too busy to keep up: 20 ms of real time, twice
        if len(stalls) < 2 and snap.position_s >= 4 + 8 * len(stalls):
            stalls.append(snap.position_s)
            threading.Event().wait(0.02)

    player = Player(session, timeline, session_limit_s=plan.policy.session_limit_s, on_tick=stall)
    assert player.run() == Outcome.COMPLETED, session.error
    assert len(stalls) == 2
    assert not [e for e in device.events if e.code in (EventCode.WATCHDOG, EventCode.LEASE_EXPIRED)]


def test_the_readme_speed_example_completes() -> None:
    done = subprocess.run([*MASSAGECTL, "run", "circulation-warmup", "--sim", "--speed", "500", "--no-log"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == exitcodes.OK, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].endswith("completed")
