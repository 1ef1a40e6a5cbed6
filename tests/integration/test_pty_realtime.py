"""The controller against the simulator over a real pseudo-terminal, in real time, as over a USB adapter.

Few and short; bounds are loose on purpose (a shared machine is noisy): the tight figures live in bench/.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from controller.clock import RealClock
from controller.program.loader import load_program_file
from controller.runs import check_run, make_session, prepare_timeline
from controller.runs.player import Outcome, Player
from controller.wire.link import Link
from controller.wire.transport import SerialTransport
from sim.device import Device
from sim.faults import FaultPlan
from sim.pty_server import PtyServer
from tests.integration.harness import expected, state_at

SHORT_PROGRAM = """\
schema_version: 1
id: pty-short
name: Short pty check
description: Four one-second steps on different zones.
intensity_class: light
steps:
  - {name: a, duration: 1s, zones: [heel], motion: knead, intensity: 1, speed: 2}
  - {name: b, duration: 1s, zones: [kidney], motion: press, intensity: 1, speed: 1}
  - {name: c, duration: 1s, zones: [ankle], motion: swing, intensity: 1, speed: 3}
  - {name: d, duration: 1s, zones: [toe_tips, big_toe_pad], motion: circle, intensity: 1, speed: 2}
"""

LONGER_PROGRAM = SHORT_PROGRAM.replace("1s", "2s").replace("pty-short", "pty-longer")


def run_over_pty(tmp_path: Path, text: str, faults: FaultPlan | None = None,
                 reconnect: bool = False) -> tuple[Device, Player, Outcome]:
    file = tmp_path / "program.yaml"
    file.write_text(text)
    link_path = tmp_path / "massager"
    server = PtyServer("foot", faults, link_path=link_path)
    server.start()
    device = server.device
    clock = RealClock()
    plan = check_run(load_program_file(file), None, acknowledged=True)
    session = make_session(lambda: Link(SerialTransport(str(link_path)), clock), clock, plan.policy)
    try:
        timeline, _ = prepare_timeline(session, plan)
        player = Player(session, timeline, session_limit_s=plan.policy.session_limit_s, reconnect=reconnect,
                        reconnect_timeout_s=5.0)
        outcome = player.run()
    finally:
        if session.link is not None:
            session.link.close()
        server.stop()
    return device, player, outcome


def test_short_program_onsets_over_a_real_pty(tmp_path: Path) -> None:
    device, player, outcome = run_over_pty(tmp_path, SHORT_PROGRAM)
    assert outcome == Outcome.COMPLETED
    origin = device.applied[0].t
    errors = []
    for command in player.timeline.commands:
        due = origin + command.start_s
        onset = next(e.t for e in device.timeline if e.t >= due - 1e-9 and not e.is_off
                     and (e.zone_id, e.intensity) in {(s.zone_id, s.intensity) for s in command.settings})
        errors.append(onset - due)
        assert state_at(device.timeline, onset + 1e-6) == expected(command)
    assert max(errors) < 0.05 and statistics.median(errors) < 0.01, errors
    assert device.counters.invalid_frames == 0


def test_unplugged_port_faults_then_reconnects_and_resumes(tmp_path: Path) -> None:
    faults = FaultPlan(disconnect_at=2.5, reconnect_after_s=0.5)
    device, player, outcome = run_over_pty(tmp_path, LONGER_PROGRAM, faults, reconnect=True)
    assert outcome == Outcome.COMPLETED, player.session.error
    dog = [e for e in device.timeline if e.cause == "watchdog"]
    assert dog, "the device's watchdog stopped the motors while the host was gone"
    assert state_at(device.timeline, dog[-1].t) == {}
    resumed = [a for a in device.applied if a.t > dog[-1].t]
    assert resumed, "the session resumed after the reconnect"
    # resumes from the start of the interrupted step, at reduced intensity ramping up
    assert resumed[0].entries[0].intensity <= max(e.intensity for a in device.applied for e in a.entries)


def test_unplugged_port_without_reconnect_is_a_fault(tmp_path: Path) -> None:
    device, player, outcome = run_over_pty(tmp_path, LONGER_PROGRAM, FaultPlan(disconnect_at=1.5))
    assert outcome == Outcome.FAULT
    assert "lost" in str(player.session.error)
    unplugged = device.fault_time(1.5)
    assert unplugged is not None
    device.advance(unplugged + 1.0)  # the unplugged device's own time goes on after the server stops
    dog = [e for e in device.timeline if e.cause == "watchdog"]
    # no valid frame reaches the device after the unplug; its 400 ms watchdog stops it (§6.1)
    assert dog and dog[0].t <= unplugged + 0.4 + 0.05
    assert state_at(device.timeline, dog[0].t) == {}
