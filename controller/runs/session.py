"""The session: the one owner of a device, and a state machine that says what the device is doing.

    disconnected → connecting → ready → running ⇄ paused → stopping → ready    (ready → paused: `hold`)
    any live state → fault (link lost, device stopped itself)   ─┐
    any live state → emergency_stop (latched)                    ─┴→ reset → disconnected

The session holds the link, the clock and the safety gate; nothing else talks to the device. Every SET
passes the gate in `apply`; every stop, emergency stop and halt is a trigger of the state machine, and
device I/O happens in the enter callbacks: entering `running` applies the settings the trigger carries,
`paused` turns the actuators off, `stopping` sends a soft stop, `emergency_stop` sends ESTOP, `fault` sends
a best-effort ESTOP. A device operation that fails (`apply`, `keep_alive`, `poll_status`, `poll_events`,
`confirm_stopped`) is a fault: the state says so and `error` says why; none raises. The player
(controller/runs/player.py) decides when each is due, from its one thread.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum
from typing import Any, Protocol

from transitions import Machine, MachineError

from controller.clock import Clock
from controller.errors import DeviceFault, DeviceRejected, LinkError, MassagerError, SessionError
from controller.timeline import ZoneSetting
from controller.wire.capabilities import DeviceCapabilities
from controller.wire.link import Link, zone_indices
from controller.wire.protocol import NO_READING_DC, Event, EventCode, NakCode, SetEntry
from controller.wire.timing import LEASE_MS, SOFT_STOP_RAMP_MS, Cadence

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
    {"trigger": "hold", "source": S.READY, "dest": S.PAUSED},  # a reconnect while paused comes back paused
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

Transition = Callable[..., bool]
Settings = tuple[ZoneSetting, ...]


class Gate(Protocol):
    """The safety gate every SET passes: what may be sent to this device now instead of `requested`.

    `previous` is what the device holds, `elapsed_s` how long it has held it, `temperature_c` the plate
    temperature the device last reported (None before the first STATUS). controller/safety/gate.py's
    `PolicyGate` is the one a run uses; benchmarks pass one that measures or lets everything through.
    """

    def __call__(self, caps: DeviceCapabilities, previous: Settings, requested: Settings, elapsed_s: float,
                 temperature_c: float | None) -> Settings: ...


_DEVICE_STOPS = {
    EventCode.WATCHDOG: "the device's watchdog stopped it: the host fell silent",
    EventCode.OVERHEAT: "the device overheated and cut everything off",
    EventCode.SESSION_LIMIT: "the device's own session limit stopped it",
    EventCode.RESET: "the device reset itself",
    EventCode.LEASE_EXPIRED: "an actuator lease expired: the host fell behind",
}


def off_entry(zone_id: int, lease_ms: int = LEASE_MS) -> SetEntry:
    """A SET entry turning one zone completely off (its lease, required on every entry, is ignored)."""
    return SetEntry(zone=zone_id, motion=0, intensity=0, speed=0, heat=0, lease_ms=lease_ms)


def on_entry(setting: ZoneSetting, lease_ms: int = LEASE_MS) -> SetEntry:
    """A SET entry holding one zone's setting for one lease."""
    return SetEntry(zone=setting.zone_id, motion=setting.motion_id, intensity=setting.intensity,
                    speed=setting.speed, heat=setting.heat, lease_ms=lease_ms)


def _is_on(entry: SetEntry) -> bool:
    return entry.intensity > 0 or entry.heat > 0


class Session:
    """One device, one state machine; every trigger is a method, every illegal one a SessionError."""

    state: str
    connect: Transition
    connected: Transition
    start: Transition
    hold: Transition
    pause: Transition
    resume: Transition
    stop: Transition
    finish: Transition
    stopped: Transition
    fail: Transition
    emergency_stop: Transition
    reset: Transition
    disconnect: Transition

    def __init__(self, open_link: Callable[[], Link], clock: Clock, gate: Gate, *,
                 on_state: Callable[[str, str], None] | None = None,  # (state, error kind)
                 soft_stop_ms: int = SOFT_STOP_RAMP_MS) -> None:
        self._open_link = open_link
        self._on_state = on_state
        self.clock = clock
        self.gate = gate
        self.soft_stop_ms = soft_stop_ms
        self.stop_ramp_ms = soft_stop_ms      # the ramp of the stop in progress (0 for a halt)
        self.link: Link | None = None
        self.capabilities: DeviceCapabilities | None = None
        self.error: MassagerError | None = None
        self.sent: Settings = ()
        self.sent_changed_at = float("-inf")  # off since forever: the gate allows one ramp step
        self.running_at = 0.0                 # RUNNING last entered, before its SET (the position's origin)
        self.link_last_set = float("-inf")
        self.last_status = float("-inf")
        self.temperature_c: float | None = None  # the plate, from the last STATUS
        self._held: dict[int, SetEntry] = {}     # zone → the entry the device ACKed, for zones on
        self._indices: dict[int, int] = {}       # zone id → ZONE_INFO index (RENEW names indices)
        self._events: deque[Event] = deque()
        self.machine = Machine(model=self, states=[s.value for s in State], transitions=TRANSITIONS,
                               initial=S.DISCONNECTED.value, auto_transitions=False, queued=True,
                               after_state_change="_after_state_change")

    def fire(self, trigger: str, *args: Any) -> None:
        """Run a named trigger; an illegal one raises SessionError and changes nothing.

        `start` and `resume` take the settings to apply on entering running (the program's, now); `stop`
        may take a soft-stop ramp in ms shorter than the session's.
        """
        if trigger not in TRIGGERS:
            raise SessionError(f"no such session request {trigger!r}")
        before = self.state
        try:
            getattr(self, trigger)(*args)
        except MachineError:
            action, state = trigger.replace("_", " "), before.replace("_", " ")
            raise SessionError(f"cannot {action} while {state}") from None

    def may(self, trigger: str) -> bool:
        """Whether `trigger` is legal in the present state."""
        return any(self.state in _sources(t) for t in TRANSITIONS if t["trigger"] == trigger)

    @property
    def cadence(self) -> Cadence:
        """Lease, renewal and keep-alive periods for the connected device (the defaults before one)."""
        return self.link.cadence if self.link is not None else Cadence()

    @property
    def last_tx(self) -> float:
        """When a frame last went to the device (now, when there is no link)."""
        return self.link.last_tx if self.link is not None else self.clock.now()

    # --- device I/O in the enter callbacks ----------------------------------------------------

    def on_enter_connecting(self) -> None:
        try:
            self.link = self._open_link()
            self.capabilities = self.link.handshake()
            # events read before the handshake completed (the power-up EVENT RESET) belong to no
            # session; a reset across a reconnect shows in boot_count instead (§6.6)
            self.link.on_event = self._events.append
        except MassagerError as err:
            self._close_link()
            self.error = err
            self.fail()
            return
        self.sent = ()
        self.sent_changed_at = float("-inf")
        self._held = {}
        self._indices = zone_indices(self.capabilities)
        self.connected()

    def on_enter_running(self, settings: Settings = ()) -> None:
        self.running_at = self.clock.now()
        self.apply(settings)

    def on_enter_paused(self) -> None:
        self.apply(())

    def on_enter_stopping(self, ramp_ms: int | None = None) -> None:
        self._held = {}  # a soft stop ends every lease (§6.7)
        if ramp_ms is not None:  # `stop` may carry a shorter ramp (one that ends by the session limit)
            self.stop_ramp_ms = min(ramp_ms, self.soft_stop_ms)
        self._device_io(lambda: self._require_link().soft_stop(self.stop_ramp_ms))

    def on_exit_stopping(self) -> None:
        self.stop_ramp_ms = self.soft_stop_ms

    def on_enter_emergency_stop(self) -> None:
        self._best_effort_estop()

    def on_enter_fault(self) -> None:
        self._best_effort_estop()

    def on_enter_disconnected(self) -> None:
        self._close_link()

    # --- the operations the player schedules ----------------------------------------------------

    def apply(self, requested: Settings) -> Settings:
        """Make the device hold `requested` as far as the safety gate allows; every SET goes through here.

        Zones named are set (and their leases renewed: by RENEW when nothing changed and the device
        speaks 1.1, else by SET), zones the device had on and that are not named are turned off. Returns
        what the device now holds. SessionError without a device; a failed SET or RENEW is a fault.
        """
        link, caps = self._require_link(), self.capabilities
        if caps is None:
            raise SessionError("no device capabilities: connect first")
        now = self.clock.now()
        settings = self.gate(caps, self.sent, requested, now - self.sent_changed_at, self.temperature_c)
        lease = link.cadence.lease_ms
        now_on = {s.zone_id for s in settings}
        entries = tuple([on_entry(s, lease) for s in settings]
                        + [off_entry(s.zone_id, lease) for s in self.sent if s.zone_id not in now_on])
        if entries and not self._device_io(lambda: self._send(link, entries)):
            return self.sent
        self.link_last_set = now  # every lease renewed (none to renew when nothing is named)
        active = tuple(s for s in settings if s.intensity > 0 or s.heat > 0)
        if active != self.sent:
            self.sent_changed_at = now
        self.sent = active
        return active

    def ceiling(self, setting: ZoneSetting) -> int:
        """The highest intensity the gate lets `setting`'s zone hold now, ramps aside (0: none at all)."""
        caps = self.capabilities
        if caps is None:
            return 0
        top = (replace(setting, intensity=caps.intensity_max),)
        held = self.gate(caps, top, top, math.inf, self.temperature_c)
        return max((s.intensity for s in held if s.zone_id == setting.zone_id), default=0)

    def keep_alive(self) -> None:
        """Feed the device's watchdog (§6.1): KEEPALIVE, or HEARTBEAT when the link must hear an answer;
        then read what the device sent unasked (a KEEPALIVE has no answer to bring its EVENTs along)."""
        renewal = self.link_last_set + self.cadence.renew_s if self._held else float("inf")
        link = self._require_link()

        def feed() -> None:
            link.keep_alive(next_request_at=renewal)
            link.poll()
        self._device_io(feed)

    def poll_status(self) -> None:
        """GET_STATUS: the device's state and its plate temperature, which the gate reads."""
        self.last_status = self.clock.now()
        self._device_io(self._read_temperature)

    def poll_events(self, timeout_s: float = 0.0) -> None:
        """Read what the device sent unasked; its events queue for `take_events`."""
        self._device_io(lambda: self._require_link().poll(timeout_s))

    def take_events(self) -> list[Event]:
        """The device's events since the last call, oldest first."""
        events = list(self._events)
        self._events.clear()
        return events

    def stopped_by_device(self, event: Event) -> bool:
        """If `event` says the device stopped itself (watchdog, overheat, reset …), that is a fault."""
        reason = _DEVICE_STOPS.get(event.code)  # type: ignore[call-overload]
        if reason is None or self.state in (S.FAULT, S.EMERGENCY_STOP):
            return False
        self.fault(DeviceFault(reason, EventCode(event.code).name.lower()))
        return True

    def confirm_stopped(self) -> None:
        """The soft stop's ramp is over and no STOPPED event came: ask the device, and end the stop."""
        if self._device_io(self._check_all_off) and self.state == S.STOPPING:
            self.stopped()

    def halt(self) -> None:
        """Stop at once (Ctrl-C, SIGTERM, a crash), through the state machine like every stop.

        Running or paused: a soft stop without a ramp, confirmed by STATUS (a failure is a fault, and
        entering fault sends ESTOP). Connecting or ready: an emergency stop, so nothing can run. Never
        raises for the device; the device's own watchdog backs this up.
        """
        if self.link is None:
            return
        if self.state in (S.RUNNING, S.PAUSED):
            self.stop_ramp_ms = 0
            self.stop()
        if self.state == S.STOPPING:
            self.confirm_stopped()
        elif self.state in (S.CONNECTING, S.READY):
            self.emergency_stop()

    def fault(self, error: MassagerError) -> None:
        """Record `error` and go to fault (best-effort ESTOP); from a stopped state, only record it."""
        self.error = error
        if self.may("fail"):
            self.fail()

    # --- helpers --------------------------------------------------------------------------------

    def _send(self, link: Link, entries: tuple[SetEntry, ...]) -> None:
        """RENEW when every entry is on and unchanged since its ACK (1.1), else SET; raises as the link.

        A NAK ZONE_OFF (a lease ran out unseen, §3.10) is answered with the full SET.
        """
        if link.minor and len(entries) == len(self._held) and all(
                _is_on(e) and self._held.get(e.zone) == e for e in entries):
            try:
                link.renew(entries[0].lease_ms, tuple(sorted(self._indices[e.zone] for e in entries)))
                return
            except DeviceRejected as err:
                if err.code != NakCode.ZONE_OFF:
                    raise
        self._held = {}  # until the ACK, the device may hold either
        link.set_actuators(entries)
        self._held = {e.zone: e for e in entries if _is_on(e)}

    def _read_temperature(self) -> None:
        temp_dC = self._require_link().status(only_on=True).temp_dC
        self.temperature_c = None if temp_dC == NO_READING_DC else temp_dC / 10

    def _check_all_off(self) -> None:
        status = self._require_link().status(only_on=True)
        if any(z.intensity or z.heat for z in status.zones):
            raise DeviceFault("the device did not stop after the soft stop", "stop_timeout")

    def _device_io(self, action: Callable[[], object]) -> bool:
        """Run one exchange with the device; a failure is a fault. True when it succeeded."""
        try:
            action()
        except MassagerError as err:
            self.fault(err)
            return False
        return True

    def _best_effort_estop(self) -> None:
        self.sent = ()
        self._held = {}
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

    def _after_state_change(self, *args: Any) -> None:
        if self._on_state is not None:
            self._on_state(self.state, self.error.kind if self.error else "")


def _sources(transition: dict[str, Any]) -> list[str]:
    source = transition["source"]
    return list(source) if isinstance(source, list) else [source]

