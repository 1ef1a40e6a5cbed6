"""Every trigger from every state: legal ones move and do their device I/O, illegal ones change nothing."""

from __future__ import annotations

import pytest

from controller.clock import VirtualClock
from controller.errors import SessionError
from controller.runs.session import TRANSITIONS, TRIGGERS, Session, State
from controller.timeline import ZoneSetting
from controller.wire.capabilities import DeviceCapabilities
from controller.wire.link import Link
from controller.wire.protocol import Frame
from sim import make_pair

LEGAL = {(src, row["trigger"]): row["dest"] for row in TRANSITIONS
         for src in (row["source"] if isinstance(row["source"], list) else [row["source"]])}

# what entering each state sends, by message type (the state says what the device is doing)
ENTER_SENDS = {State.RUNNING: "SetActuators", State.PAUSED: "SetActuators", State.STOPPING: "SoftStop",
               State.EMERGENCY_STOP: "EmergencyStop", State.FAULT: "EmergencyStop"}


# start and resume carry the settings to apply on entering running (the player passes the program's)
ARGS = {"start": ((ZoneSetting("kidney", 4, "press", 6, 3, 2, 0),),),
        "resume": ((ZoneSetting("kidney", 4, "press", 6, 3, 2, 0),),)}


class Rig:
    def __init__(self) -> None:
        self.clock = VirtualClock()
        self.transport, self.device = make_pair(self.clock)
        self.sent: list[str] = []
        self.session = Session(self._open, self.clock, lambda caps, prev, req, held, temp_c: req)

    def _open(self) -> Link:
        def trace(direction: str, frame: object) -> None:
            if direction == "tx" and isinstance(frame, Frame):
                self.sent.append(type(frame.message).__name__)
        return Link(self.transport, self.clock, trace=trace)

    @property
    def caps(self) -> DeviceCapabilities | None:
        return self.session.capabilities


def reach(state: State) -> Rig:
    rig = Rig()
    s = rig.session
    path = {State.DISCONNECTED: [], State.CONNECTING: ["connect"], State.READY: ["connect"],
            State.RUNNING: ["connect", "start"], State.PAUSED: ["connect", "start", "pause"],
            State.STOPPING: ["connect", "start", "stop"], State.FAULT: ["connect", "fail"],
            State.EMERGENCY_STOP: ["connect", "emergency_stop"]}[state]
    for trigger in path:
        s.fire(trigger, *ARGS.get(trigger, ()))
    if state == State.CONNECTING:  # transient in real use: the handshake completes inside its callback
        s.machine.set_state(State.CONNECTING.value)
    assert s.state == state
    rig.sent.clear()
    return rig


@pytest.mark.parametrize("trigger", TRIGGERS)
@pytest.mark.parametrize("state", list(State))
def test_trigger_from_state(state: State, trigger: str) -> None:
    rig = reach(state)
    timeline_before = list(rig.device.timeline)
    dest = LEGAL.get((state.value, trigger))
    if dest is None:
        with pytest.raises(SessionError, match=f"cannot {trigger.replace('_', ' ')} while"):
            rig.session.fire(trigger, *ARGS.get(trigger, ()))
        assert rig.session.state == state
        assert rig.sent == []
        assert rig.device.timeline == timeline_before
        return
    rig.session.fire(trigger, *ARGS.get(trigger, ()))
    landed = State.READY if dest == State.CONNECTING else State(dest)  # connecting completes at once
    assert rig.session.state == landed
    if trigger == "hold":  # the handshake turned everything off: a hold has nothing to send
        assert rig.sent == [] and not rig.session.sent
    elif landed in ENTER_SENDS:
        assert rig.sent and rig.sent[0] == ENTER_SENDS[landed]
    if landed == State.READY and trigger == "connect":
        assert rig.sent[0] == "Hello"


def test_unknown_request_is_refused() -> None:
    with pytest.raises(SessionError, match="no such session request"):
        Rig().session.fire("explode")


def test_may_agrees_with_the_table() -> None:
    for state in State:
        rig = reach(state)
        for trigger in TRIGGERS:
            assert rig.session.may(trigger) == ((state.value, trigger) in LEGAL)
