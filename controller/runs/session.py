"""The session state machine: what the device is doing, declared as data (transitions).

    disconnected → connecting → ready → running ⇄ paused → stopping → ready
    any live state → fault (link lost, device stopped itself)   ─┐
    any live state → emergency_stop (latched)                    ─┴→ reset → disconnected

Device I/O happens in the enter callbacks, so the state always says what the device is doing: entering
`paused` turns the actuators off, `stopping` sends a soft stop, `emergency_stop` sends ESTOP, `fault` sends a
best-effort ESTOP. The player (controller/runs/player.py) drives the triggers from its one thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from transitions import Machine, MachineError

from controller.clock import Clock
from controller.errors import LinkError, MassagerError, SessionError
from controller.timeline import ZoneSetting
from controller.wire.capabilities import DeviceCapabilities
from controller.wire.link import Link
from controller.wire.protocol import Event, SetEntry
from controller.wire.timing import LEASE_MS, SOFT_STOP_RAMP_MS

log = logging.getLogger(__name__)


class State(StrEnum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    READY = "ready"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPING = "stopping"
    FAULT = "fault"
    EMERGENCY_STOP = "emergency_stop"


S = State
_LIVE = [S.CONNECTING, S.READY, S.RUNNING, S.PAUSED, S.STOPPING]

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "connect", "source": S.DISCONNECTED, "dest": S.CONNECTING},
    {"trigger": "connected", "source": S.CONNECTING, "dest": S.READY},
    {"trigger": "start", "source": S.READY, "dest": S.RUNNING},
    {"trigger": "pause", "source": S.RUNNING, "dest": S.PAUSED},
    {"trigger": "resume", "source": S.PAUSED, "dest": S.RUNNING},
    {"trigger": "stop", "source": [S.RUNNING, S.PAUSED], "dest": S.STOPPING},
    {"trigger": "finish", "source": S.RUNNING, "dest": S.STOPPING},
    {"trigger": "stopped", "source": S.STOPPING, "dest": S.READY},
    {"trigger": "fail", "source": _LIVE, "dest": S.FAULT},
    {"trigger": "emergency_stop", "source": [*_LIVE, S.FAULT], "dest": S.EMERGENCY_STOP},
    {"trigger": "reset", "source": [S.FAULT, S.EMERGENCY_STOP], "dest": S.DISCONNECTED},
    {"trigger": "disconnect", "source": [S.READY], "dest": S.DISCONNECTED},
]
for _row in TRANSITIONS:  # plain strings: transitions would name Enum members by .name
    _src = _row["source"]
    _row["source"] = [str(s) for s in _src] if isinstance(_src, list) else str(_src)
    _row["dest"] = str(_row["dest"])
TRIGGERS: tuple[str, ...] = tuple(dict.fromkeys(t["trigger"] for t in TRANSITIONS))

Transition = Callable[[], bool]
Guard = Callable[[tuple[ZoneSetting, ...], tuple[ZoneSetting, ...], float], tuple[ZoneSetting, ...]]
"""(what the device holds, what is requested, seconds since it last changed) -> what may be sent."""


def off_entry(zone_id: int) -> SetEntry:
    """A SET entry turning one zone completely off."""
    return SetEntry(zone=zone_id, motion=0, intensity=0, speed=0, heat=0, lease_ms=LEASE_MS)


def on_entry(setting: ZoneSetting) -> SetEntry:
    """A SET entry holding one zone's setting for one lease."""
    return SetEntry(zone=setting.zone_id, motion=setting.motion_id, intensity=setting.intensity,
                    speed=setting.speed, heat=setting.heat, lease_ms=LEASE_MS)


class Session:
    """One device, one state machine; every trigger is a method, every illegal one a SessionError."""

    state: str
    connect: Transition
    connected: Transition
    start: Transition
    pause: Transition
    resume: Transition
    stop: Transition
    finish: Transition
    stopped: Transition
    fail: Transition
    emergency_stop: Transition
    reset: Transition
    disconnect: Transition

    def __init__(self, open_link: Callable[[], Link], clock: Clock, guard: Guard, *,
                 on_state: Callable[[str, str], None] | None = None,
                 on_event: Callable[[Event], None] | None = None,
                 soft_stop_ms: int = SOFT_STOP_RAMP_MS) -> None:
        self._open_link = open_link
        self._on_state = on_state
        self.on_event = on_event  # device events after the handshake; the player sets it
        self.clock = clock
        self.guard = guard
        self.soft_stop_ms = soft_stop_ms
        self.link: Link | None = None
        self.capabilities: DeviceCapabilities | None = None
        self.error: MassagerError | None = None
        self.sent: tuple[ZoneSetting, ...] = ()
        self.sent_changed_at = float("-inf")  # off since forever: the guard allows one ramp step
        self.link_last_set = float("-inf")
        self.resume_settings: Callable[[], tuple[ZoneSetting, ...]] = lambda: ()
        self.machine = Machine(model=self, states=[s.value for s in State], transitions=TRANSITIONS,
                               initial=S.DISCONNECTED.value, auto_transitions=False, queued=True,
                               after_state_change="_after_state_change")

    def fire(self, trigger: str) -> None:
        """Run a named trigger; an illegal one raises SessionError and changes nothing."""
        if trigger not in TRIGGERS:
            raise SessionError(f"no such session request {trigger!r}")
        before = self.state
        try:
            getattr(self, trigger)()
        except MachineError:
            action, state = trigger.replace("_", " "), before.replace("_", " ")
            raise SessionError(f"cannot {action} while {state}") from None

    def may(self, trigger: str) -> bool:
        """Whether `trigger` is legal in the present state."""
        return any(self.state in _sources(t) for t in TRANSITIONS if t["trigger"] == trigger)

    # --- device I/O in the enter callbacks ----------------------------------------------------

    def on_enter_connecting(self) -> None:
        try:
            self.link = self._open_link()
            self.capabilities = self.link.handshake()
            # events read before the handshake completed (the power-up EVENT RESET) belong to no
            # session; a reset across a reconnect shows in boot_count instead (§6.6)
            self.link.on_event = lambda event: self.on_event(event) if self.on_event else None
        except MassagerError as err:
            self._close_link()
            self.error = err
            self.fail()
            return
        self.sent = ()
        self.sent_changed_at = float("-inf")
        self.connected()

    def on_enter_running(self) -> None:
        self._device_io(lambda: self.apply(self.resume_settings()))

    def on_enter_paused(self) -> None:
        self._device_io(lambda: self.apply(()))

    def on_enter_stopping(self) -> None:
        self._device_io(lambda: self._require_link().soft_stop(self.soft_stop_ms))

    def on_enter_emergency_stop(self) -> None:
        self._best_effort_estop()

    def on_enter_fault(self) -> None:
        self._best_effort_estop()

    def on_enter_disconnected(self) -> None:
        self._close_link()

    def apply(self, requested: tuple[ZoneSetting, ...]) -> tuple[ZoneSetting, ...]:
        """Make the device hold `requested` as far as the safety guard allows; every SET goes through here.

        Zones named are set (and their leases renewed), zones the device had on and that are not named
        are turned off. Returns what was actually sent.
        """
        link = self._require_link()
        now = self.clock.now()
        settings = self.guard(self.sent, requested, now - self.sent_changed_at)
        now_on = {s.zone_id for s in settings}
        entries = [on_entry(s) for s in settings]
        entries += [off_entry(s.zone_id) for s in self.sent if s.zone_id not in now_on]
        if entries:
            link.set_actuators(tuple(entries))
            self.link_last_set = now
        active = tuple(s for s in settings if s.intensity > 0 or s.heat > 0)
        if active != self.sent:
            self.sent_changed_at = now
        self.sent = active
        return active

    def _device_io(self, action: Callable[[], object]) -> None:
        try:
            action()
        except MassagerError as err:
            self.error = err
            self.fail()

    def _best_effort_estop(self) -> None:
        self.sent = ()
        if self.link is None:
            return
        try:
            self.link.emergency_stop()
        except MassagerError as err:
            log.warning("emergency stop not confirmed: %s", err)
            if isinstance(err, LinkError):
                self._close_link()

    def _require_link(self) -> Link:
        if self.link is None:
            raise SessionError("no device is connected")
        return self.link

    def _close_link(self) -> None:
        if self.link is not None:
            link, self.link = self.link, None
            try:
                link.close()
            except (MassagerError, OSError) as err:
                log.debug("closing the link: %s", err)

    def _after_state_change(self) -> None:
        if self._on_state is not None:
            self._on_state(self.state, self.error.__class__.__name__ if self.error else "")


def _sources(transition: dict[str, Any]) -> list[str]:
    source = transition["source"]
    return list(source) if isinstance(source, list) else [source]


def mermaid_diagram() -> str:
    """The state diagram as mermaid, drawn by transitions itself from the table above."""
    from transitions.extensions import GraphMachine

    class _Model:
        pass

    machine = GraphMachine(model=_Model(), states=[s.value for s in State], transitions=TRANSITIONS,
                           initial=S.DISCONNECTED.value, auto_transitions=False, graph_engine="mermaid",
                           title="massagectl session")
    return str(machine.get_graph().draw(None))
