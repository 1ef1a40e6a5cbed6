"""Plays a compiled timeline on a session against absolute deadlines, so it never drifts.

One thread owns the session and the link: this loop. Other threads (the key reader, a script, a signal
handler) only post requests through `Controls`, which wake the loop at once. Every SET goes through
`Session.apply`, and so through the safety guard. Every way out of `run` leaves the device stopped.
"""

from __future__ import annotations

import bisect
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from controller.errors import DeviceFault, LinkError, MassagerError, SessionError
from controller.limits import KEEPALIVE_S, LEASE_RENEW_S, STATUS_EVERY_HEATED_S, STATUS_EVERY_S
from controller.link import Link
from controller.protocol import Event, EventCode
from controller.session import Session, State
from controller.timeline import Command, Timeline, ZoneSetting

log = logging.getLogger(__name__)

RAMP_TICK_S = 0.1          # how often a guarded ramp is re-requested until it reaches its target
STOP_GRACE_S = 1.0         # wait for EVENT STOPPED this long past the soft-stop ramp
RECONNECT_RETRY_S = 0.5    # between attempts to reopen a lost port
_START_EPS_S = 1e-9


class Outcome(StrEnum):
    COMPLETED = "completed"
    SESSION_LIMIT = "session_limit"
    STOPPED = "stopped"
    FAULT = "fault"
    EMERGENCY_STOP = "emergency_stop"


class Interrupted(Exception):
    """Raised in the playing thread by a signal handler (SIGTERM); treated like Ctrl-C."""


_DEVICE_STOPS = {
    EventCode.WATCHDOG: "the device's watchdog stopped it: the host fell silent",
    EventCode.OVERHEAT: "the device overheated and cut everything off",
    EventCode.SESSION_LIMIT: "the device's own session limit stopped it",
    EventCode.RESET: "the device reset itself",
    EventCode.LEASE_EXPIRED: "an actuator lease expired: the host fell behind",
}


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a front end shows: where the program is and what the device holds."""

    state: str
    step: int
    step_name: str
    next_step_name: str
    position_s: float
    total_s: float
    offset: int
    settings: tuple[ZoneSetting, ...]
    temperature_c: float | None


class Controls:
    """Thread-safe requests to a running player; each wakes the loop at once."""

    def __init__(self) -> None:
        self.wake = threading.Event()
        self._queue: deque[str] = deque()

    def post(self, request: str) -> None:
        self._queue.append(request)
        self.wake.set()

    def pause(self) -> None:
        self.post("pause")

    def resume(self) -> None:
        self.post("resume")

    def toggle_pause(self) -> None:
        self.post("toggle_pause")

    def intensity_up(self) -> None:
        self.post("intensity_up")

    def intensity_down(self) -> None:
        self.post("intensity_down")

    def skip(self) -> None:
        self.post("skip")

    def stop(self) -> None:
        self.post("stop")

    def emergency_stop(self) -> None:
        self.post("emergency_stop")

    def take(self) -> list[str]:
        self.wake.clear()
        items = []
        while self._queue:
            items.append(self._queue.popleft())
        return items


class Player:
    """Runs one timeline on one session; `run` blocks until the session is over."""

    def __init__(self, session: Session, timeline: Timeline, *, session_limit_s: float,
                 reconnect: bool = False, reconnect_timeout_s: float = 60.0,
                 on_tick: Callable[[Snapshot], None] | None = None,
                 on_note: Callable[[str], None] | None = None) -> None:
        self.session = session
        self.clock = session.clock
        self.timeline = timeline
        self.commands: tuple[Command, ...] = timeline.commands
        self._starts = [c.start_s for c in self.commands]
        self.session_limit_s = session_limit_s
        self.reconnect = reconnect
        self.reconnect_timeout_s = reconnect_timeout_s
        self.on_tick = on_tick
        self.on_note = on_note or (lambda text: log.info("%s", text))
        self.controls = Controls()
        self.offset = 0
        self.outcome: Outcome | None = None
        self._origin = 0.0           # clock time at program position 0 while running
        self._held_at = 0.0          # program position while not running
        self._active_s = 0.0         # running time so far, for the session limit
        self._active_since = 0.0
        self._stop_by = 0.0
        self._events: deque[Event] = deque()
        self._last_status = float("-inf")
        self.temperature_c: float | None = None
        self._ending: Outcome | None = None
        session.resume_settings = self.target
        session.on_event = self._events.append

    # --- position -----------------------------------------------------------------------------

    def position(self) -> float:
        if self.session.state == State.RUNNING:
            return self.clock.now() - self._origin
        return self._held_at

    def index_at(self, position_s: float) -> int:
        # within a nanosecond of a start counts as there: `now - origin` can round just below a start that
        # `origin + start <= now` says has come, and on a virtual clock the loop would wait for it forever
        return max(0, bisect.bisect_right(self._starts, position_s + _START_EPS_S) - 1)

    def target(self) -> tuple[ZoneSetting, ...]:
        """The settings the program asks for now, with the user's intensity offset."""
        pos = self.position()
        if not self.commands or pos >= self.timeline.total_s:
            return ()
        return self._with_offset(self.commands[self.index_at(pos)].settings)

    def _with_offset(self, settings: tuple[ZoneSetting, ...]) -> tuple[ZoneSetting, ...]:
        caps = self.session.capabilities
        if not self.offset or caps is None:
            return settings
        step = round(self.offset * caps.intensity_max / 10) or (1 if self.offset > 0 else -1)
        return tuple(replace(s, intensity=max(1, min(caps.intensity_max, s.intensity + step)))
                     if s.intensity > 0 else s for s in settings)

    def snapshot(self) -> Snapshot:
        pos = self.position()
        k = self.index_at(pos)
        cmd = self.commands[k] if self.commands else None
        nxt = next((c.step_name for c in self.commands[k + 1:] if cmd and c.step != cmd.step), "")
        return Snapshot(self.session.state, cmd.step if cmd else 0, cmd.step_name if cmd else "", nxt,
                        min(pos, self.timeline.total_s), self.timeline.total_s, self.offset,
                        self.session.sent, self.temperature_c)

    # --- the loop -----------------------------------------------------------------------------

    def run(self) -> Outcome:
        """Connect if needed, play to the end, and always leave the device stopped."""
        try:
            self._begin()
            while self.outcome is None:
                self._step()
        except (KeyboardInterrupt, Interrupted):
            self.on_note("interrupted: stopping the device")
            self._halt()
            self.outcome = Outcome.STOPPED
        except BaseException:
            self._halt()
            raise
        return self.outcome

    def _begin(self) -> None:
        s = self.session
        if s.state == State.DISCONNECTED:
            s.fire("connect")
        if s.state != State.READY:
            self.outcome = Outcome.FAULT
            return
        self._origin = self.clock.now()
        self._active_since = self._origin
        s.fire("start")

    def _step(self) -> None:
        for request in self.controls.take():
            self._handle_request(request)
        self._handle_events()
        live = self.session.state in (State.RUNNING, State.PAUSED, State.STOPPING)
        if live and self.clock.now() >= self._last_status + self._status_every_s():
            self._io(self._poll_status)
        state = self.session.state
        if state == State.RUNNING:
            self._tick_running()
        elif state in (State.PAUSED, State.STOPPING):
            self._tick_idle(state)
        elif state == State.READY:
            self.outcome = self._ending or Outcome.COMPLETED
        elif state == State.EMERGENCY_STOP:
            self.outcome = Outcome.EMERGENCY_STOP
        elif state == State.FAULT:
            self._after_fault()
        if self.outcome is None:
            if self.on_tick is not None:
                self.on_tick(self.snapshot())
            self.clock.wait_until(self._next_deadline(), self.controls.wake)

    def _tick_running(self) -> None:
        now = self.clock.now()
        pos = now - self._origin
        if now >= self._active_since + self.session_limit_s - self._active_s:
            self.on_note(f"session limit of {self.session_limit_s / 60:g} min reached: stopping")
            self._end_running(Outcome.SESSION_LIMIT, "stop")
        elif pos + _START_EPS_S >= self.timeline.total_s:
            self._end_running(Outcome.COMPLETED, "finish")
        else:
            wanted = self.target()
            if wanted != self.session.sent or now >= self.session.link_last_set + LEASE_RENEW_S:
                self._io(lambda: self.session.apply(wanted))
            elif now >= self._last_tx() + KEEPALIVE_S:
                self._io(self._heartbeat)

    def _tick_idle(self, state: str) -> None:
        now = self.clock.now()
        if state == State.STOPPING and now >= self._stop_by:
            self._io(self._confirm_stopped)
        elif now >= self._last_tx() + KEEPALIVE_S:
            self._io(self._heartbeat)
        else:
            self._io(lambda: self._link().poll(0.0))

    def _next_deadline(self) -> float:
        now = self.clock.now()
        s = self.session
        deadlines = [self._last_tx() + KEEPALIVE_S, self._last_status + self._status_every_s()]
        if s.state == State.RUNNING:
            pos = now - self._origin
            k = self.index_at(pos)
            nxt = self.commands[k + 1].start_s if k + 1 < len(self.commands) else self.timeline.total_s
            deadlines += [self._origin + nxt, s.link_last_set + LEASE_RENEW_S,
                          self._active_since + self.session_limit_s - self._active_s]
            if self.target() != s.sent:
                deadlines.append(now + RAMP_TICK_S)
        elif s.state == State.STOPPING:
            deadlines.append(self._stop_by)
        return max(now, min(deadlines))

    # --- requests and events ------------------------------------------------------------------

    def _handle_request(self, request: str) -> None:
        state = self.session.state
        if request == "toggle_pause":
            request = "resume" if state == State.PAUSED else "pause"
        try:
            if request == "stop" and self.session.may("stop"):
                self._end_running(Outcome.STOPPED, "stop")
            elif request in ("pause", "resume", "stop", "emergency_stop"):
                self._transition(request)
            elif request in ("intensity_up", "intensity_down") and state in (State.RUNNING, State.PAUSED):
                self.offset = max(-9, min(9, self.offset + (1 if request == "intensity_up" else -1)))
            elif request == "skip" and state in (State.RUNNING, State.PAUSED):
                self._skip()
        except SessionError as err:
            self.on_note(str(err))

    def _transition(self, trigger: str) -> None:
        s = self.session
        was_running = s.state == State.RUNNING
        pos = self.position()
        s.fire(trigger)
        now = self.clock.now()
        if was_running and s.state != State.RUNNING:
            self._held_at = pos
            self._active_s += now - self._active_since
        if s.state == State.RUNNING and not was_running:
            self._origin = now - self._held_at
            self._active_since = now
        if s.state == State.STOPPING:
            self._stop_by = now + s.soft_stop_ms / 1000 + STOP_GRACE_S

    def _end_running(self, outcome: Outcome, trigger: str) -> None:
        self._ending = outcome
        self._transition(trigger)

    def _skip(self) -> None:
        pos = self.position()
        k = self.index_at(pos)
        step = self.commands[k].step
        nxt = next((c.start_s for c in self.commands[k:] if c.step != step), self.timeline.total_s)
        if self.session.state == State.RUNNING:
            self._origin -= nxt - pos
        else:
            self._held_at = nxt
        self.on_note(f"skipped to {nxt:.0f} s")

    def _handle_events(self) -> None:
        while self._events:
            event = self._events.popleft()
            try:
                self._handle_event(event)
            except SessionError as err:
                self.on_note(str(err))

    def _handle_event(self, event: Event) -> None:
        s = self.session
        if event.code == EventCode.STOPPED and s.state == State.STOPPING:
            s.fire("stopped")
        elif event.code == EventCode.BUTTON and event.arg == 1:
            self.on_note("the device's stop button was pressed")
            s.fire("emergency_stop")
        elif event.code == EventCode.BUTTON and event.arg in (2, 3, 4):
            self._handle_request({2: "toggle_pause", 3: "intensity_up", 4: "intensity_down"}[event.arg])
        elif event.code == EventCode.FOOT_REMOVED and event.arg == 1 and s.state == State.RUNNING:
            self.on_note("foot removed: pausing")
            self._transition("pause")
        elif event.code in _DEVICE_STOPS and s.state not in (State.FAULT, State.EMERGENCY_STOP):
            s.error = DeviceFault(_DEVICE_STOPS[EventCode(event.code)], EventCode(event.code).name.lower())
            self._fail()

    # --- faults and reconnection --------------------------------------------------------------

    def _io(self, action: Callable[[], object]) -> None:
        try:
            action()
        except MassagerError as err:
            self.session.error = err
            self._fail()

    def _fail(self) -> None:
        if self.session.state == State.RUNNING:
            self._held_at = self.position()
        if self.session.may("fail"):
            self.session.fire("fail")
        self.on_note(f"fault: {self.session.error} (at {self._held_at:.1f} s, step "
                     f"{self.snapshot().step})")

    def _after_fault(self) -> None:
        if not (self.reconnect and isinstance(self.session.error, LinkError)):
            self.outcome = Outcome.FAULT
            return
        boot = self.session.capabilities.boot_count if self.session.capabilities else None
        deadline = self.clock.now() + self.reconnect_timeout_s
        while self.clock.now() < deadline:
            requests = self.controls.take()
            if requests:  # the device is unreachable and already off (its watchdog): just end
                emergency = "emergency_stop" in requests
                self.outcome = Outcome.EMERGENCY_STOP if emergency else Outcome.STOPPED
                return
            if self._try_reconnect(boot):
                return
            if self.outcome is not None:
                return
            self.clock.wait_until(self.clock.now() + RECONNECT_RETRY_S, self.controls.wake)
        self.outcome = Outcome.FAULT

    def _try_reconnect(self, boot: int | None) -> bool:
        s = self.session
        if s.state != State.DISCONNECTED:
            s.fire("reset")
        s.fire("connect")
        if s.state != State.READY:
            s.fire("reset")
            return False
        caps = s.capabilities
        if boot is not None and caps is not None and caps.boot_count != boot:
            s.error = DeviceFault("the device restarted while disconnected; not resuming on its own", "reset")
            self.outcome = Outcome.FAULT
            return False
        k = self.index_at(self._held_at)
        step = self.commands[k].step if self.commands else 0
        self._held_at = next((c.start_s for c in self.commands if c.step == step), self._held_at)
        self.on_note(f"reconnected: resuming step {step} at {self._held_at:.0f} s, ramping up")
        self._transition("start")
        return True

    def _halt(self) -> None:
        """Stop at once on Ctrl-C, SIGTERM or a crash; the device's own watchdog backs this up."""
        s = self.session
        if s.link is None:
            return
        try:
            if s.state in (State.RUNNING, State.PAUSED):
                s.soft_stop_ms = 0
                self._end_running(Outcome.STOPPED, "stop")
            if s.state == State.STOPPING:
                self._confirm_stopped()
        except (MassagerError, SessionError) as err:
            log.warning("soft stop not confirmed (%s): sending an emergency stop", err)
            try:
                s.link.emergency_stop() if s.link is not None else None
            except MassagerError as err2:
                log.warning("emergency stop not confirmed either: %s", err2)

    # --- small helpers ------------------------------------------------------------------------

    def _link(self) -> Link:
        link = self.session.link
        if link is None:
            raise LinkError("no device is connected")
        return link

    def _last_tx(self) -> float:
        link = self.session.link
        return link.last_tx if link is not None else self.clock.now()

    def _status_every_s(self) -> float:
        """Temperature matters while heating; otherwise STATUS only confirms the device's state."""
        return STATUS_EVERY_HEATED_S if any(s.heat for s in self.session.sent) else STATUS_EVERY_S

    def _poll_status(self) -> None:
        self._last_status = self.clock.now()
        self.temperature_c = self._link().status().temp_dC / 10

    def _heartbeat(self) -> None:
        self._link().heartbeat()

    def _confirm_stopped(self) -> None:
        """The soft stop's ramp is over and no STOPPED event came: ask the device."""
        status = self._link().status()
        if any(z.intensity or z.heat for z in status.zones):
            raise DeviceFault("the device did not stop after the soft stop", "stop_timeout")
        if self.session.state == State.STOPPING:
            self.session.fire("stopped")
