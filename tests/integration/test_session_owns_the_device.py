"""The session is the one owner of the device: halts and stops go through its state machine, it reads the
plate temperature its gate uses, and the player only schedules (it touches no link and no session field)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from controller.clock import VirtualClock
from controller.runs.player import Outcome, Snapshot
from controller.runs.session import Session, State
from controller.safety.policy import SafetyPolicy
from controller.wire.link import Link
from sim import make_pair
from sim.protocol import DeviceState
from tests.integration.harness import Run, prepare, state_at

PLAYER = Path(__file__).resolve().parents[2] / "controller" / "runs" / "player.py"


def _record_states(run: Run) -> list[str]:
    states: list[str] = []
    run.session._on_state = lambda state, error: states.append(state)
    return states


def _interrupt_at(position_s: float, exc: BaseException):  # type: ignore[no-untyped-def]
    def tick(run: Run, snap: Snapshot) -> None:
        if snap.position_s >= position_s and snap.state == State.RUNNING:
            raise exc
    return tick


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), RuntimeError("a bug in a front end")])
def test_a_halt_is_a_stop_without_ramp_through_the_state_machine(exc: BaseException) -> None:
    run = prepare("sleep", on_tick=_interrupt_at(30, exc))
    states = _record_states(run)
    if isinstance(exc, KeyboardInterrupt):
        assert run.player.run() == Outcome.STOPPED
    else:
        with pytest.raises(RuntimeError):
            run.player.run()
    assert states == ["running", "stopping", "ready"]  # confirmed by STATUS; no fault, no bare ESTOP
    stop = [e for e in run.device.timeline if e.cause == "soft_stop"]
    assert stop and len({e.t for e in stop}) == 1  # no ramp: everything off at once
    assert state_at(run.device.timeline, stop[0].t) == {}
    assert run.session.state == State.READY


def test_a_halt_that_cannot_be_confirmed_is_a_fault_and_an_emergency_stop() -> None:
    def silence_then_interrupt(run: Run, snap: Snapshot) -> None:
        if snap.position_s >= 20 and snap.state == State.RUNNING:
            run.device._out._silent_from = run.clock.now()  # the device stops answering (the awol fault)
            raise KeyboardInterrupt

    run = prepare("sleep", on_tick=silence_then_interrupt)
    states = _record_states(run)
    assert run.player.run() == Outcome.STOPPED
    assert states[:2] == ["running", "stopping"] and states[-1] == "fault"
    assert run.session.error is not None


def test_a_halt_before_playing_is_an_emergency_stop_of_the_state_machine() -> None:
    clock = VirtualClock()
    transport, device = make_pair(clock)
    session = Session(lambda: Link(transport, clock), clock, lambda c, p, r, h, t: r)
    session.fire("connect")
    session.halt()
    assert session.state == State.EMERGENCY_STOP
    assert device.state == DeviceState.ESTOP  # latched: nothing can run until a new handshake


def test_the_gate_reads_the_plate_temperature_the_session_polled() -> None:
    seen: list[float | None] = []
    cool = SafetyPolicy(skin_contact_max_c=20.0)  # the plate starts at 25 °C: heat must go off
    run = prepare("sleep", policy=cool)
    gate = run.session.gate
    run.session.gate = lambda caps, prev, req, held, temp_c: (seen.append(temp_c), gate(caps, prev, req, held,
                                                                                           temp_c))[1]
    run.outcome = run.player.run()
    assert run.session.temperature_c is not None and run.session.temperature_c >= 20.0
    assert seen[0] is None and any(t is not None for t in seen)  # no STATUS yet, then the session's
    first_status = next(k for k, t in enumerate(seen) if t is not None)
    assert first_status < 5
    late = [e for e in run.device.timeline if e.t > run.origin + 1.0 and e.heat > 0]
    assert not late


def test_the_same_program_heats_when_the_plate_is_cool_enough() -> None:
    run = prepare("sleep")
    run.outcome = run.player.run()
    assert [e for e in run.device.timeline if e.t > run.origin + 1.0 and e.heat > 0]


def test_the_player_only_schedules() -> None:
    """No link import, no write to any attribute of the session: the session owns the device."""
    tree = ast.parse(PLAYER.read_text(encoding="utf-8"))
    imports = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "controller.wire.link" not in imports and "controller.wire.transport" not in imports
    targets = [t for n in ast.walk(tree) if isinstance(n, ast.Assign | ast.AugAssign | ast.AnnAssign)
               for t in (n.targets if isinstance(n, ast.Assign) else [n.target])]
    written = [ast.unparse(t) for t in targets if isinstance(t, ast.Attribute)
               and ast.unparse(t.value) in ("self.session", "s", "session")]
    assert written == []
    assert not re.search(r"\.link\b", PLAYER.read_text(encoding="utf-8"))  # not even to read it
