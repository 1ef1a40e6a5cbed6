"""`probe` and `run` against hostile devices (issue 14, RELIABILITY 26), in real processes over real ptys.

Whatever the device sends, the host ends in bounded time and memory with one clear message and exit code
3 (the link or the device broke the protocol; 4 where the device's answer is a well-formed refusal) —
never 1 — and leaves nothing on: by the device's record of what it was told, every SET the host sent is
followed by a stop, or no SET was sent at all.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from controller import exitcodes
from sim.protocol import MsgType
from sim.pty_server import PtyServer
from sim.replies import ZoneInfo
from tests.hostile.device import (
    FOOT_ZONES,
    Answering,
    Behaviour,
    EndlessZeros,
    HostileDevice,
    NoDelimiter,
    Nonsense,
    RandomBytes,
    TurnsHostile,
    escaped_identity,
    escaped_zone_names,
    hello,
    zone_infos,
)
from tests.hostile.edge import edge_profile

MASSAGECTL = [sys.executable, "-m", "controller.cli"]
SHORT = Path(__file__).with_name("short.yaml")  # 6 s on heel, spine_arch and ball
FOOT = zone_infos(*FOOT_ZONES)
TIME_LIMIT_S = 20.0
MEMORY_MARGIN_KB = 16 * 1024   # over the same command against a good device
_RSS = ("import atexit, resource, sys\n"
        "atexit.register(lambda: print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
        "file=sys.stderr))\n"
        "from controller.cli import main\n"
        "main()\n")


@pytest.fixture(autouse=True, scope="module")
def own_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The hosts run with their own config and state folders: no health profile, and the rest between
    sessions on a real device (these doubles say they are not simulators) is never recorded at home."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(home / "config"))
        patch.setenv("XDG_STATE_HOME", str(home / "state"))
        yield


@pytest.fixture(autouse=True)
def no_rest_between_tests() -> None:
    """Each test is a first session: the rest file of the last test's run is removed."""
    rest = Path(os.environ["XDG_STATE_HOME"]) / "massagectl" / "last-session-end"
    rest.unlink(missing_ok=True)


def host(*args: str) -> tuple[subprocess.CompletedProcess[str], float, int]:
    """`massagectl ARGS` in its own process: what it did, how long it took, its peak memory (KB)."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", _RSS, *args], capture_output=True, text=True,
                          timeout=TIME_LIMIT_S * 3)
    lines = done.stderr.splitlines()
    peak = int(lines[-1].split()[1]) if lines and lines[-1].startswith("MAXRSS ") else 0
    done.stderr = "\n".join(lines[:-1]) + ("\n" if len(lines) > 1 else "")
    return done, time.monotonic() - started, peak


COMMANDS: dict[str, Callable[[str], list[str]]] = {
    "probe": lambda port: ["probe", "--port", port],
    "run": lambda port: ["run", str(SHORT), "--port", port, "--no-log", "--acknowledge"],
}


@pytest.fixture(scope="module")
def good_peak_kb() -> dict[str, int]:
    """Each command's peak memory against a good device (the simulator): the baseline for the bound."""
    peaks = {}
    with PtyServer(profile="foot") as server:
        for name, command in COMMANDS.items():
            done, _, peaks[name] = host(*command(server.path))
            assert done.returncode == exitcodes.OK, done.stderr
    return peaks


def clear_failure(done: subprocess.CompletedProcess[str], codes: tuple[int, ...]) -> None:
    """An expected code, never 1, never a traceback, and one message saying why: a `massagectl: …` line,
    or for a run that had started, the view's last line (`[00:00:01] fault: …`)."""
    assert done.returncode in codes, (done.returncode, done.stderr)
    said = [line for line in done.stderr.splitlines() if line.startswith("massagectl: ")]
    said += [line for line in done.stdout.splitlines()[-1:] if re.match(r"\[[\d:]+\] fault: .", line)]
    assert len(said) == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


HANDSHAKE_BREAKERS: dict[str, Callable[[], Behaviour]] = {
    "random bytes": RandomBytes,
    "endless zeros": EndlessZeros,
    "10 MB without a delimiter": NoDelimiter,
    "valid frames of nonsense": Nonsense,
    "nonsense with another seed": lambda: Nonsense(seed=11),
    "zone names with escapes": escaped_zone_names,
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("name", sorted(HANDSHAKE_BREAKERS))
def test_a_device_that_breaks_the_handshake_is_refused(name: str, command: str,
                                                       good_peak_kb: dict[str, int]) -> None:
    with HostileDevice(HANDSHAKE_BREAKERS[name]()) as device:
        done, took_s, peak_kb = host(*COMMANDS[command](device.path))
    clear_failure(done, (exitcodes.LINK,))
    assert took_s < TIME_LIMIT_S
    assert peak_kb < good_peak_kb[command] + MEMORY_MARGIN_KB, f"{peak_kb} KB"
    told = device.told.types()
    assert told and set(told) <= {MsgType.HELLO, MsgType.GET_ZONE, MsgType.ESTOP}  # no actuator frame
    if name == "10 MB without a delimiter":
        assert device.sent_bytes > 1024 * 1024  # the host really was fed megabytes


def test_a_device_that_turns_hostile_mid_run_is_left_off(good_peak_kb: dict[str, int]) -> None:
    """A good handshake and two SETs acknowledged, then nonsense: the run ends, the last word is a stop."""
    device_behaviour = TurnsHostile(hello(), zone_infos("heel", "spine_arch", "ball"))
    with HostileDevice(device_behaviour) as device:
        done, took_s, peak_kb = host(*COMMANDS["run"](device.path))
    clear_failure(done, (exitcodes.LINK, exitcodes.DEVICE_FAULT))
    assert took_s < TIME_LIMIT_S
    assert peak_kb < good_peak_kb["run"] + MEMORY_MARGIN_KB
    assert MsgType.SET in device.told.types(), (done.stdout, done.stderr, device.told.bad_frames)  # running
    assert device.told.actuators() == {}
    assert device.told.types()[-1] in (MsgType.ESTOP, MsgType.SOFT_STOP, MsgType.GET_STATUS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_escape_sequences_in_the_identity_never_fail_the_host(command: str,
                                                             good_peak_kb: dict[str, int]) -> None:
    """Model, firmware and serial may be any UTF-8 (§3.2): the host talks to the device as to any other."""
    with HostileDevice(escaped_identity()) as device:
        done, took_s, _ = host(*COMMANDS[command](device.path))
    assert done.returncode == exitcodes.OK, done.stderr
    assert "Traceback" not in done.stderr
    assert took_s < TIME_LIMIT_S
    assert device.told.actuators() == {}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_escape_sequences_in_the_identity_never_reach_the_terminal(command: str) -> None:
    with HostileDevice(escaped_identity()) as device:
        done, _, _ = host(*COMMANDS[command](device.path))
    shown = done.stdout + done.stderr
    assert not any(ord(c) < 0x20 and c not in "\n\t" or 0x7F <= ord(c) <= 0x9F for c in shown), shown


PAST_THE_EDGE: dict[str, tuple[Answering, str]] = {
    "watchdog 99 ms": (Answering(hello(watchdog_ms=99), FOOT), "watchdog_ms 99 is outside 100…500"),
    "watchdog 501 ms": (Answering(hello(watchdog_ms=501), FOOT), "watchdog_ms 501 is outside 100…500"),
    "lease 99 ms": (Answering(hello(max_lease_ms=99), FOOT), "max_lease_ms 99 is outside 100…2000"),
    "lease 2001 ms": (Answering(hello(max_lease_ms=2001), FOOT), "max_lease_ms 2001 is outside 100…2000"),
    "no zones": (Answering(hello(zone_count=0), ()), "zone count 0 is outside 1…32"),
    "33 zones": (Answering(hello(zone_count=33), zone_infos(*(f"z{k}" for k in range(33)))),
                 "zone count 33 is outside 1…32"),
    "intensity_max 0": (Answering(hello(intensity_max=0), FOOT), "intensity_max is 0"),
    "only undefined motions": (Answering(hello(motions=(10, 15)), FOOT), "no motion this host knows"),
    "empty model": (Answering(hello(model=""), FOOT), "an empty model name"),
    "empty firmware": (Answering(hello(firmware=""), FOOT), "an empty firmware version"),
    "zone id 0": (Answering(hello(), zone_infos(*FOOT_ZONES, first_id=0)), "zone id 0, which is reserved"),
    "zone id 255": (Answering(hello(), zone_infos(*FOOT_ZONES, first_id=253)),
                    "zone id 255, which is reserved"),
    "a zone id twice": (Answering(hello(), (*zone_infos("heel", "ball"), ZoneInfo(2, 1, False, "calf"))),
                        "zone id 1 twice"),
    "a heater no zone has": (Answering(hello(has_heater=True, heat_max=2), FOOT), "must agree"),
    "heated zones, no heater": (Answering(hello(), (ZoneInfo(0, 6, True, "heel"), *FOOT[1:])), "must agree"),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("name", sorted(PAST_THE_EDGE))
def test_a_device_just_past_the_documents_edge_is_refused(name: str, command: str) -> None:
    """§3.2 "What a host refuses" and §9: one line, exit 3, and not one actuator frame."""
    behaviour, message = PAST_THE_EDGE[name]
    with HostileDevice(behaviour) as device:
        done, took_s, _ = host(*COMMANDS[command](device.path))
    clear_failure(done, (exitcodes.LINK,))
    assert message in done.stderr
    assert took_s < TIME_LIMIT_S
    assert set(device.told.types()) <= {MsgType.HELLO, MsgType.GET_ZONE, MsgType.ESTOP}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_limits_at_the_edge_of_the_document(command: str) -> None:
    """A legal device at every edge §3.2 allows (100 ms watchdog and leases, 32 zones, 255 levels), run by
    the simulator's own device logic: the host either works with it or refuses it clearly, and never
    leaves a zone on (the simulator's actuator timeline ends all off)."""
    with PtyServer(profile=edge_profile()) as server:
        done, took_s, _ = host(*COMMANDS[command](server.path))
        timeline = list(server.device.timeline)
    assert done.returncode in (exitcodes.OK, exitcodes.LINK, exitcodes.DEVICE_FAULT), done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert took_s < TIME_LIMIT_S
    on: dict[int, bool] = {}
    for entry in timeline:
        on[entry.zone_id] = not entry.is_off
    assert not any(on.values()), f"left on: {on}"
