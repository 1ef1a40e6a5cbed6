"""The firmware on an emulated ATmega328P (simavr), driven over its pseudo-terminal in real time by massagectl
itself and by a bare test host. What the actuators do is read from the emulated board's outputs (the harness's
monitor), never only from the controller's view. Few tests, loosely bounded: the tight figures are in bench/.

The firmware says it is not a simulator, so the controller's rest period between sessions applies: every run
gets its own state folder.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from controller import exitcodes
from controller.wire.transport import SerialTransport
from sim.emulator import Emulator, MonitorLine, duties, zone_outputs
from sim.messages import Ack, Estop, GetStatus, Heartbeat, Hello, HelloReply, Nak, SoftStop, Status
from sim.profiles import FOOT
from sim.protocol import DeviceState, EventCode, FaultFlag, MsgType, NakCode
from tests.sim.helpers import Host, entry, set_cmd

MASSAGECTL = [sys.executable, "-m", "controller.cli"]
PROGRAM = Path(__file__).parent / "data" / "short-test.yaml"
ZONE_INDEX = {zone.name: i for i, zone in enumerate(FOOT.zones)}


def massagectl(*args: str, home: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MASSAGECTL, *args], capture_output=True, text=True, timeout=timeout,
                          env=_env(home))


def _env(home: Path) -> dict[str, str]:
    """A state and config folder of the test's own: its rest-period record and session logs stay there."""
    return {**os.environ, "XDG_STATE_HOME": str(home / "state"), "XDG_CONFIG_HOME": str(home / "config")}


@pytest.fixture
def link(board: Emulator) -> Iterator[Host]:
    """A bare test host on the board's pty, through the controller's transport."""
    transport = SerialTransport(board.path)
    try:
        yield Host(transport)
    finally:
        transport.close()


def edges(lines: list[MonitorLine]) -> list[MonitorLine]:
    return [line for line in lines if line.kind in ("on", "off")]


def is_off(lines: list[MonitorLine]) -> bool:
    found = edges(lines)
    return bool(found) and found[-1].kind == "off"


def is_on(lines: list[MonitorLine]) -> bool:
    found = edges(lines)
    return bool(found) and found[-1].kind == "on"


def stays_off(board: Emulator, seconds: float) -> bool:
    """All off now, and nothing comes on for `seconds`."""
    count = len(board.snapshot())
    return is_off(board.snapshot()) and not board.wait_for(
        lambda lines: any(line.kind == "on" for line in lines[count:]), seconds)


def fed_until(host: Host, board: Emulator, found: object, seconds: float) -> bool:
    """Wait for a monitor condition while keeping the watchdog fed (HEARTBEAT every 150 ms)."""
    for _ in range(round(seconds / 0.15)):
        if board.wait_for(found, 0.15):  # type: ignore[arg-type]
            return True
        assert host.command(Heartbeat()) == Ack(MsgType.HEARTBEAT)
    return False


def test_massagectl_sim_firmware_serves_it_and_probe_shows_its_zones(firmware_elf: Path,
                                                                     tmp_path: Path) -> None:
    proc = subprocess.Popen([*MASSAGECTL, "sim", "--firmware", str(firmware_elf)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(tmp_path))
    try:
        assert proc.stdout is not None
        port = proc.stdout.readline().strip()
        assert port.startswith("/dev/pts/"), proc.stderr.read() if proc.stderr else ""
        done = massagectl("probe", "--port", port, home=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "FootMate Uno (device)" in done.stdout and "protocol 1.1" in done.stdout
        for zone in FOOT.zones:
            assert zone.name in done.stdout
        as_json = json.loads(massagectl("probe", "--port", port, "--json", home=tmp_path).stdout)
        assert as_json["simulator"] is False and len(as_json["zones"]) == 11
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0


def test_a_short_program_runs_to_completion_on_the_outputs(board: Emulator, tmp_path: Path) -> None:
    log = tmp_path / "session.jsonl"
    done = massagectl("run", str(PROGRAM), "--port", board.path, "--acknowledge", "--log", str(log),
                      home=tmp_path)
    assert done.returncode == exitcodes.OK, done.stderr
    assert done.stdout.splitlines()[-1].endswith("completed")
    outputs = zone_outputs()
    lines = board.snapshot()
    driven = {i for line in lines if line.kind == "duty" for i, d in enumerate(duties(line)[0]) if d}
    heated = any(duties(line)[1] for line in lines if line.kind == "duty")
    expected = {outputs[ZONE_INDEX[name]] for name in ("heel", "ball", "spine_arch", "ankle", "toe_tips")}
    assert expected <= driven and heated, (driven, heated)
    assert stays_off(board, 1.0)
    assert (tmp_path / "state" / "massagectl" / "last-session-end").exists()  # a real device: rest applies


def test_sigint_of_run_leaves_every_actuator_off(board: Emulator, tmp_path: Path) -> None:
    run = [*MASSAGECTL, "run", str(PROGRAM), "--port", board.path, "--acknowledge", "--no-log"]
    proc = subprocess.Popen(run, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env(tmp_path))
    assert proc.stdout is not None
    for line in proc.stdout:  # the first step is running: an event, not a sleep
        if "step 1/" in line:
            break
    assert board.wait_for(is_on, 5.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == exitcodes.STOPPED_BY_USER, err
    assert board.wait_for(is_off, 2.0) and stays_off(board, 1.0)
    transport = SerialTransport(board.path)  # a fresh connection reads what the device holds, no HELLO
    try:
        reply = Host(transport).command(GetStatus())
        assert isinstance(reply, Status)  # stopped, then the host went silent: the watchdog latched it
        assert reply.state in (DeviceState.READY, DeviceState.SAFE_STOP, DeviceState.ESTOP)
        assert all(z.intensity == 0 and z.heat == 0 for z in reply.zones)
    finally:
        transport.close()


def test_host_silence_trips_the_watchdog_in_400_ms(board: Emulator, link: Host) -> None:
    assert isinstance(link.command(Hello(1, 0)), HelloReply)
    assert link.command(set_cmd(entry(4, intensity=10, lease_ms=2000, motion=9))) == Ack(MsgType.SET)
    assert board.wait_for(is_on, 1.0)  # full duty: the outputs go off exactly when the chip stops them
    last_frame = [line for line in board.snapshot() if line.kind == "rx"][-1]
    assert board.wait_for(is_off, 3.0)
    off = edges(board.snapshot())[-1]
    assert 395_000 <= off.t_us - last_frame.t_us <= 450_000  # watchdog_ms, counted on the chip's clock
    link.poll(0.3)
    assert EventCode.WATCHDOG in link.event_codes()
    reply = link.command(GetStatus())
    assert isinstance(reply, Status)
    assert reply.state == DeviceState.SAFE_STOP and reply.faults == FaultFlag.WATCHDOG
    assert link.command(set_cmd(entry(4))) == Nak(NakCode.NOT_READY, 0)


def test_an_emergency_stop_latches(board: Emulator, link: Host) -> None:
    assert isinstance(link.command(Hello(1, 0)), HelloReply)
    assert link.command(set_cmd(entry(4, intensity=10, heat=1, motion=9))) == Ack(MsgType.SET)
    assert fed_until(link, board, is_on, 2.0)
    assert link.command(Estop()) == Ack(MsgType.ESTOP)
    assert board.wait_for(is_off, 1.0)
    estop_frame = [line for line in board.snapshot() if line.kind == "rx"][-1]
    off = edges(board.snapshot())[-1]
    assert 0 <= off.t_us - estop_frame.t_us <= 10_000  # §6.3: within 10 ms of its last byte
    assert link.command(set_cmd(entry(4))) == Nak(NakCode.ESTOP_LATCHED, 0)
    assert not fed_until(link, board, lambda lines: is_on(lines), 0.6)  # latched: nothing comes back on
    assert isinstance(link.command(Hello(1, 0)), HelloReply)
    assert link.command(set_cmd(entry(7, motion=9))) == Ack(MsgType.SET)
    assert fed_until(link, board, is_on, 2.0)
    board.press_button()  # the device's own stop button does the same, and says so
    assert board.wait_for(is_off, 1.0)
    link.poll(0.2)
    assert [(e.code, e.arg) for _, e in link.events if e.code == EventCode.BUTTON] == [(EventCode.BUTTON, 1)]


def test_it_fits_with_headroom(board: Emulator, link: Host, firmware_elf: Path) -> None:
    """Flash at most half of 32 KB; static RAM plus the stack's measured high-water mark at most 75 % of
    2 KB, after the firmware's deepest paths (the largest frames, every zone, a ramp, the heater cutoff,
    the stop button)."""
    sections = subprocess.run(["avr-size", "-A", str(firmware_elf)], capture_output=True, text=True).stdout
    size = {parts[0]: int(parts[1]) for parts in (line.split() for line in sections.splitlines())
            if len(parts) >= 2 and parts[1].isdigit()}
    assert size[".text"] + size[".data"] <= 32 * 1024 // 2
    link.command(Hello(1, 0))
    link.command(set_cmd(*(entry(zone.id, motion=9, heat=1 if zone.heated else 0) for zone in FOOT.zones)))
    for _ in range(3):
        assert isinstance(link.command(GetStatus()), Status)
    link.port.write(bytes(range(1, 256)) * 2 + b"\x00")  # an overlong run
    link.command(SoftStop(300))
    link.poll(0.5)
    board.hold_temperature(470)  # the heater cutoff
    for _ in range(20):
        link.poll(0.1)
        if EventCode.OVERHEAT in link.event_codes():
            break
    assert EventCode.OVERHEAT in link.event_codes()
    board.press_button()
    link.command(Hello(1, 0))
    used, static = board.stack()
    assert static == size[".data"] + size[".bss"] + size.get(".noinit", 0)
    assert used >= 40 and static + used <= 2048 * 3 // 4


def test_a_hung_loop_is_reset_by_the_hardware_watchdog_into_the_safe_state(board: Emulator,
                                                                           link: Host) -> None:
    first = link.command(Hello(1, 0))
    assert isinstance(first, HelloReply)
    assert link.command(set_cmd(entry(4, intensity=10, motion=9))) == Ack(MsgType.SET)
    assert board.wait_for(is_on, 1.0)
    hung = board.command("hang")  # the CPU jumps into a loop with interrupts off, as a bug would
    assert board.wait_for(is_off, 2.0)
    assert edges(board.snapshot())[-1].t_us - hung.t_us <= 100_000  # the AVR's watchdog is 60 ms
    link.poll(0.1)
    reply = link.command(GetStatus())
    assert isinstance(reply, Status) and reply.state == DeviceState.WAITING
    assert all(z.intensity == 0 and z.heat == 0 for z in reply.zones)
    again = link.command(Hello(1, 0))
    assert isinstance(again, HelloReply)
    assert (again.boot_count, again.reset_cause) == (first.boot_count + 1, 1)


def test_sim_firmware_refuses_a_file_that_is_not_an_avr_elf(firmware_elf: Path, tmp_path: Path) -> None:
    not_elf = tmp_path / "massager.elf"
    not_elf.write_text("not firmware\n")
    done = massagectl("sim", "--firmware", str(not_elf), home=tmp_path)
    assert done.returncode == exitcodes.BAD_INPUT
    assert "cannot load" in done.stderr and "Traceback" not in done.stderr
