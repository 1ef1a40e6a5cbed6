"""Every way the conformance kit reaches a device: the in-process simulator on a virtual clock, `massagectl
sim --pty` and `--tcp` in their own processes, and real hardware when MASSAGER_PORT names its port."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from controller.clock import RealClock, VirtualClock
from controller.conformance import Options, open_port, run_kit, to_json
from sim import make_pair
from sim.profiles import Profile
from tests.firmware.core import build_firmware

MASSAGECTL = [sys.executable, "-m", "controller.cli"]
START_TIMEOUT_S = 10.0
KIT_TIMEOUT_S = 180.0
HARDWARE = os.environ.get("MASSAGER_PORT")
Report = dict[str, object]  # the kit's --json report


@contextmanager
def sim_process(*args: str) -> Iterator[str]:
    """`massagectl sim ARGS` in its own process; yields the port it printed on its first line."""
    proc = subprocess.Popen([*MASSAGECTL, "sim", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], START_TIMEOUT_S)
        assert ready, "massagectl sim printed nothing"
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=START_TIMEOUT_S)


def conformance_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`massagectl conformance ARGS` as a user runs it."""
    return subprocess.run([*MASSAGECTL, "conformance", *args], capture_output=True, text=True,
                          timeout=KIT_TIMEOUT_S)


def in_process(profile: Profile | str, defects: tuple[str, ...] = (), *, long: bool = True) -> Report:
    """The whole kit against the simulator on a virtual clock (timings exact: no tolerance)."""
    clock = VirtualClock()
    transport, device = make_pair(clock, profile=profile, defects=defects)
    name = profile if isinstance(profile, str) else profile.name
    report = run_kit(transport, clock, Options(long=long, tolerance_s=0.0, heat_s=120),
                     name=f"in-process {name}", clock_name="virtual clock")
    assert not device.zones.any_on(), "the kit left a zone on"  # the simulator's insides: sim backend only
    return to_json(report)


def over_port(port: str) -> Report:
    """The whole kit, in this process, over a pyserial port in real time."""
    transport = open_port(port, Options().baud)
    try:
        return to_json(run_kit(transport, RealClock(), Options(), name=port))
    finally:
        transport.close()


def pty_in_this_process(profile: str) -> Report:
    with sim_process("--pty", "--profile", profile) as port:
        return over_port(port)


def tcp_through_the_cli(profile: str) -> Report:
    """`massagectl conformance --json` over `massagectl sim --tcp`, both in their own processes."""
    with sim_process("--tcp", "127.0.0.1:0", "--profile", profile) as port:
        done = conformance_cli("--port", port, "--json")
    assert done.returncode in (0, 4), done.stderr
    report: Report = json.loads(done.stdout)
    report["cli_exit"] = done.returncode
    return report


def firmware() -> Report:
    """The reference firmware on an emulated ATmega328P (`massagectl sim --firmware`), in real time."""
    elf = build_firmware()
    with sim_process("--firmware", str(elf)) as port:
        return over_port(port)


def hardware() -> Report:
    assert HARDWARE is not None
    return over_port(HARDWARE)


BACKENDS = {
    "in-process-foot": lambda: in_process("foot"),
    "in-process-chair": lambda: in_process("chair"),
    "pty-foot": lambda: pty_in_this_process("foot"),
    "tcp-chair-cli": lambda: tcp_through_the_cli("chair"),
    "firmware": firmware,
    # real hardware joins only when MASSAGER_PORT names its port: never a skip, as in test_link_contract.py
    **({"hardware": hardware} if HARDWARE else {}),
}


def checks(report: Report) -> dict[str, dict[str, Any]]:
    items = report["checks"]
    assert isinstance(items, list)
    return {c["id"]: c for c in items}
