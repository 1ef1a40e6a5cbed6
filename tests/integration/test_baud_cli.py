"""`--baud` as a user gives it: the line rate of a real port, which paces the handshake on a slow line."""

from __future__ import annotations

import json
import time

from controller import exitcodes
from tests.integration.simprocess import SimProcess
from tests.integration.test_cli_run import massagectl


def test_probe_at_9600_paces_the_handshake_and_still_reads_every_zone(sim_process: SimProcess) -> None:
    port = sim_process.path
    t0 = time.monotonic()
    done = massagectl("probe", "--port", port, "--baud", "9600", "--json")
    took = time.monotonic() - t0
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["zones"]) == 11
    assert took >= 2.0  # 11 ZONE_INFOs at an eighth of 960 bytes a second: not all in the first instant


def test_baud_is_for_a_real_port_and_one_of_the_two_rates() -> None:
    sim = massagectl("run", "sleep", "--sim", "--baud", "9600")
    assert sim.returncode == exitcodes.BAD_INPUT and "--baud is the line rate" in sim.stderr
    odd = massagectl("probe", "--port", "/dev/null", "--baud", "300")
    assert odd.returncode == exitcodes.BAD_INPUT and "'300' is not one of" in odd.stderr
