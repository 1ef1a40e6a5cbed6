"""Plays a compiled timeline on a session against absolute deadlines, so it never drifts.

Pure scheduling: the player decides what the program asks for now and when each device operation is due;
the session (controller/runs/session.py) does every one of them, through its state machine and its gate.
One thread runs this loop. Other threads (the key reader, a script, a signal handler) only post requests
through `Controls`, which wake the loop at once. Every way out of `run` leaves the device stopped.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable

from controller.errors import DeviceFault, LinkError, SessionError
from controller.runs.budget import SessionBudget
from controller.runs.controls import Controls
from controller.runs.fastpath import keep_alive_run, wake_at
from controller.runs.offset import OFFSET_MAX, nudged, with_offset
from controller.runs.outcome import Interrupted, Outcome, Snapshot
from controller.runs.session import Session, State
from controller.safety.limits import fit_device_cap
from controller.timeline import Command, Timeline, ZoneSetting
from controller.wire.protocol import Event, EventCode
from controller.wire.timing import STATUS_EVERY_HEATED_S, STATUS_EVERY_S

log = logging.getLogger(__name__)

RAMP_RECHECK_S = 0.1       # how often a ramp the gate held back is requested again until it is reached
STOP_GRACE_S = 1.0         # wait for EVENT STOPPED this long past the soft-stop ramp
RECONNECT_RETRY_S = 0.5    # between attempts to reopen a lost port
STEP_EPS_S = 1e-9          # float rounding of clock − origin at a step's start (and at the end)
_BUTTON_REQUESTS = {2: "toggle_pause", 3: "intensity_up", 4: "intensity_down"}  # §3.6 BUTTON arg


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
        self._seen = session.state   # the session's state as this loop last followed it
        self._origin = 0.0           # clock time at program position 0 while running
        self._held_at = 0.0          # program position while not running
        self.budget = SessionBudget(session_limit_s)  # fitted to the device's own cap once it answers
        self._stop_by = 0.0
        self._ending: Outcome | None = None
        self._paused_at_fault = False  # a reconnect then comes back paused, not playing

    # --- position -----------------------------------------------------------------------------

    def position(self) -> float:
        return self._position_at(self.clock.now()) if self._seen == State.RUNNING else self._held_at

    def _position_at(self, now: float) -> float:
        """The position at clock time `now` while running, to the nanosecond: float rounding must never
        leave it a hair before a step's start when the clock stands at that step's deadline (origin +
        start), or a virtual clock would stand still there for ever."""
        return round(now - self._origin, 9)

    def index_at(self, position_s: float) -> int:
        """The command playing at `position_s`; a step starts STEP_EPS_S early, so a wake-up at its start
        whose clock − origin rounds a hair short of it (floats) still finds it, instead of waking forever."""
        return max(0, bisect.bisect_right(self._starts, position_s + STEP_EPS_S) - 1)

    def target(self) -> tuple[ZoneSetting, ...]:
        """The settings the program asks for now, with the user's intensity offset."""
        return self._target_at(self.position())

    def _target_at(self, position_s: float) -> tuple[ZoneSetting, ...]:
        if not self.commands or position_s >= self.timeline.total_s:
            return ()
        return self._with_offset(self.commands[self.index_at(position_s)].settings)

    def _with_offset(self, settings: tuple[ZoneSetting, ...]) -> tuple[ZoneSetting, ...]:
        caps = self.session.capabilities
        return settings if caps is None else with_offset(settings, self.offset, caps.intensity_max)

    def snapshot(self) -> Snapshot:
        pos = self.position()
        k = self.index_at(pos)
        cmd = self.commands[k] if self.commands else None
        nxt = next((c.step_name for c in self.commands[k + 1:] if cmd and c.step != cmd.step), "")
        return Snapshot(self.session.state, cmd.step if cmd else 0, cmd.step_name if cmd else "", nxt,
                        min(pos, self.timeline.total_s), self.timeline.total_s, self.offset,
                        self.session.sent, self.session.temperature_c)

    # --- the loop -----------------------------------------------------------------------------

    def run(self) -> Outcome:
        """Connect if needed, play to the end, and always leave the device stopped.

        `begin` once, then `step` until there is an outcome, halting the device on any exception. A caller
        on a virtual clock may drive `begin` and `step` itself (tests that act between steps).
        """
        try:
            self.begin()
            while self.outcome is None:
                self.step()
        except (KeyboardInterrupt, Interrupted):
            self.on_note("interrupted: stopping the device")
            self._halt()
            self.outcome = Outcome.STOPPED
        except BaseException:
            self._halt()
            raise
        return self.outcome

    def begin(self) -> None:
        """Connect if needed and start playing (or set the outcome: a fault)."""
        s = self.session
        if s.state == State.DISCONNECTED:
            s.fire("connect")
        if s.state != State.READY:
            self.outcome = Outcome.FAULT
            return
        caps = s.capabilities
        if caps is not None:
            self.budget.limit_s = fit_device_cap(self.session_limit_s, caps.max_session_s)
            self.budget.device_cap_s = caps.max_session_s or self.budget.device_cap_s
        self._transition("start")

    def step(self) -> None:
        """One round: requests, events, what is due; then wait until the next deadline or a request."""
        for request in self.controls.take():
            self._handle_request(request)
        self._handle_events()
        s = self.session
        live = s.state in (State.RUNNING, State.PAUSED, State.STOPPING)
        if live and self.clock.now() >= s.last_status + self._status_every_s():
            s.poll_status()
        self._follow()
        state = s.state
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
        self._follow()
        if self.outcome is None:
            if self.on_tick is not None:
                self.on_tick(self.snapshot())
            self.clock.wait_until(self._next_deadline(), self.controls.wake)

    def _tick_running(self) -> None:
        now = self.clock.now()
        s = self.session
        if self._limit_reached(now):
            return
        if self._position_at(now) + STEP_EPS_S >= self.timeline.total_s:
            self._end_running(Outcome.COMPLETED, "finish")
            return
        wanted = self.target()
        if wanted != s.sent or now >= s.link_last_set + s.cadence.renew_s:
            s.apply(wanted)
        elif now >= s.last_tx + s.cadence.keepalive_s:
            s.keep_alive()
            keep_alive_run(self, self._next_deadline(keep_alive=False))

    def _tick_idle(self, state: str) -> None:
        now = self.clock.now()
        s = self.session
        if state == State.STOPPING and now >= self._stop_by:
            s.confirm_stopped()
            return
        if state == State.PAUSED and self._limit_reached(now):
            return
        if now >= s.last_tx + s.cadence.keepalive_s:
            s.keep_alive()
        else:
            s.poll_events()

    def _next_deadline(self, keep_alive: bool = True) -> float:
        now = self.clock.now()
        s = self.session
        deadlines = [s.last_status + self._status_every_s(), s.last_tx + s.cadence.keepalive_s if keep_alive
                     else float("inf")]
        if s.state == State.RUNNING:
            k = self.index_at(self._position_at(now))
            nxt = self.commands[k + 1].start_s if k + 1 < len(self.commands) else self.timeline.total_s
            deadlines += [self._origin + nxt, s.link_last_set + s.cadence.renew_s,
                          now + self.budget.left(now) - s.soft_stop_ms / 1000, self.budget.device_deadline()]
            if self.target() != s.sent:
                deadlines.append(now + RAMP_RECHECK_S)
        elif s.state == State.STOPPING:
            deadlines.append(self._stop_by)
        elif s.state == State.PAUSED:
            deadlines.append(self.budget.device_deadline())
        return wake_at(now, deadlines)

    def _status_every_s(self) -> float:
        """Temperature matters while heating; otherwise STATUS only confirms the device's state."""
        return STATUS_EVERY_HEATED_S if any(z.heat for z in self.session.sent) else STATUS_EVERY_S

    # --- the session limit (controller/runs/budget.py) -----------------------------------------

    def _limit_reached(self, now: float) -> bool:
        """At the limit (less one soft-stop ramp) or near the device's cap: a soft stop that ends by it."""
        why = self.budget.due(now, self.session.soft_stop_ms)
        if why is not None:
            self.on_note(f"{why}: stopping")
            ramp_ms = self.budget.final_ramp_ms(now, self.session.soft_stop_ms)
            self._end_running(Outcome.SESSION_LIMIT, "stop", ramp_ms)
        return why is not None

    def _afterwards_s(self, state: str) -> float:
        """How long the device may go on alone after running: a stop's ramp, or after a fault (the link
        may be gone) until its watchdog trips."""
        caps = self.session.capabilities
        if state == State.FAULT and caps is not None:
            return caps.watchdog_ms / 1000
        return self.session.stop_ramp_ms / 1000 if state == State.STOPPING else 0.0

    # --- following the session ----------------------------------------------------------------

    def _follow(self) -> None:
        """Keep the program clock in step with whatever the session's state became since last looked."""
        if self.session.sent:  # the device's own session began with the first SET that put a zone on
            self.budget.device_started(self.session.link_last_set)
        state = self.session.state
        if state == self._seen:
            return
        now = self.clock.now()
        if self._seen == State.RUNNING:
            self._held_at = self._position_at(now)
            self.budget.halt(now, self._afterwards_s(state))
        if state == State.RUNNING:  # from when its SET went out, not after its round trip and callbacks
            self._origin = self.session.running_at - self._held_at
            self.budget.run(self.session.running_at)
        if state == State.STOPPING:
            self._stop_by = now + self.session.stop_ramp_ms / 1000 + STOP_GRACE_S
        if state == State.FAULT:
            self._paused_at_fault = self._seen == State.PAUSED
        self._seen = state
        if state == State.FAULT:
            self.on_note(f"fault: {self.session.error} (at {self._held_at:.1f} s, step "
                         f"{self.snapshot().step})")

    def _transition(self, trigger: str, *args: int) -> None:
        """Fire `trigger`; entering running applies what the program asks for at the held position."""
        self._follow()
        if trigger in ("start", "resume"):
            self.session.fire(trigger, self._target_at(self._held_at))
        else:
            self.session.fire(trigger, *args)
        self._follow()

    def _end_running(self, outcome: Outcome, trigger: str, *args: int) -> None:
        self._ending = outcome
        self._transition(trigger, *args)

    # --- requests and events ------------------------------------------------------------------

    def _handle_request(self, request: str) -> None:
        state = self.session.state
        if request == "halt":
            raise Interrupted("halt requested")
        if request == "toggle_pause":
            request = "resume" if state == State.PAUSED else "pause"
        if request == "interrupt":
            raise Interrupted("a stop signal")
        try:
            if request == "stop" and self.session.may("stop"):
                self._end_running(Outcome.STOPPED, "stop")
            elif request in ("pause", "resume", "stop", "emergency_stop"):
                self._transition(request)
            elif request in ("intensity_up", "intensity_down") and state in (State.RUNNING, State.PAUSED):
                self._nudge(1 if request == "intensity_up" else -1)
            elif request.startswith("set_offset ") and state in (State.RUNNING, State.PAUSED):
                self.offset = max(-OFFSET_MAX, min(OFFSET_MAX, int(request.removeprefix("set_offset "))))
            elif request == "skip" and state in (State.RUNNING, State.PAUSED):
                self._skip()
        except SessionError as err:
            self.on_note(str(err))

    def _nudge(self, direction: int) -> None:
        """`+` / `-`: the next offset that changes what the limits let the device hold (runs/offset.py)."""
        caps, pos = self.session.capabilities, self.position()
        if caps is None or not self.commands or pos >= self.timeline.total_s:
            return
        settings = self.commands[self.index_at(pos)].settings
        offset = nudged(self.offset, direction, settings, caps.intensity_max, self.session.ceiling)
        if offset == self.offset:
            self.on_note("intensity at its " + ("limit" if direction > 0 else "lowest"))
        self.offset = offset

    def _skip(self) -> None:
        pos = self.position()
        k = self.index_at(pos)
        step = self.commands[k].step
        nxt = next((c.start_s for c in self.commands[k:] if c.step != step), self.timeline.total_s)
        if self._seen == State.RUNNING:
            self._origin -= nxt - pos
        else:
            self._held_at = nxt
        self.on_note(f"skipped to {nxt:.0f} s")

    def _handle_events(self) -> None:
        for event in self.session.take_events():
            try:
                self._handle_event(event)
            except SessionError as err:
                self.on_note(str(err))
            self._follow()

    def _handle_event(self, event: Event) -> None:
        s = self.session
        if event.code == EventCode.STOPPED and s.state == State.STOPPING:
            s.fire("stopped")
        elif event.code == EventCode.BUTTON and event.arg == 1:
            self.on_note("the device's stop button was pressed")
            s.fire("emergency_stop")
        elif event.code == EventCode.BUTTON and event.arg in _BUTTON_REQUESTS:
            self._handle_request(_BUTTON_REQUESTS[event.arg])
        elif event.code == EventCode.FOOT_REMOVED and event.arg == 1 and s.state == State.RUNNING:
            self.on_note("foot removed: pausing")
            self._transition("pause")
        else:
            s.stopped_by_device(event)

    # --- faults and reconnection --------------------------------------------------------------

    def _after_fault(self) -> None:
        if not (self.reconnect and isinstance(self.session.error, LinkError)):
            self.outcome = Outcome.FAULT
            return
        if self._ending is not None:  # a stop was under way: nothing to resume, the device's watchdog ends it
            self.outcome = self._ending
            return
        boot = self.session.capabilities.boot_count if self.session.capabilities else None
        deadline = self.clock.now() + self.reconnect_timeout_s
        while self.clock.now() < deadline:
            requests = self.controls.take()
            if requests:  # the device is unreachable and already off (its watchdog): just end
                self._end_unreachable("emergency_stop" in requests)
                return
            if self._try_reconnect(boot) or self.outcome is not None:
                return
            self.clock.wait_until(self.clock.now() + RECONNECT_RETRY_S, self.controls.wake)
        self.outcome = Outcome.FAULT

    def _end_unreachable(self, emergency: bool) -> None:
        if emergency and self.session.may("emergency_stop"):
            self.session.fire("emergency_stop")
        self.outcome = Outcome.EMERGENCY_STOP if emergency else Outcome.STOPPED

    def _try_reconnect(self, boot: int | None) -> bool:
        """One attempt; between attempts the session rests in fault, where an emergency stop is legal."""
        s = self.session
        if s.state != State.DISCONNECTED:
            s.fire("reset")
        s.fire("connect")
        if s.state != State.READY:
            return False
        caps = s.capabilities
        if boot is not None and caps is not None and caps.boot_count != boot:
            s.fault(DeviceFault("the device restarted while disconnected; not resuming on its own", "reset"))
            self.outcome = Outcome.FAULT
            return False
        self.budget.new_device_session()  # the HELLO restarted the device's own cap
        left = self.budget.left(self.clock.now())
        if left <= 0:
            self.on_note("reconnected, but the session limit was reached: not resuming")
            self.outcome = Outcome.SESSION_LIMIT
            return True
        step = self.commands[self.index_at(self._held_at)].step if self.commands else 0
        if self._paused_at_fault:
            self.on_note(f"reconnected: still paused in step {step} at {self._held_at:.0f} s")
            self._transition("hold")
            return True
        self.on_note(f"reconnected: resuming step {step} where it was cut, at {self._held_at:.0f} s "
                     f"({left:.0f} s of the session left), ramping up")
        self._transition("start")
        return True

    def _halt(self) -> None:
        """Stop at once on Ctrl-C, SIGTERM or a crash: the session halts, through its state machine."""
        self.session.halt()
        self._follow()
