"""One device's supervisor: a thread that owns its session, connects and reconnects, and plays programs.

The ONE module of the service using the controller's runtime (controller.runs: the session, the player);
front ends see a `DeviceHandle` (api.py) and only queue requests. A start does what `massagectl run` does:
`check_run` (health profile, acknowledgement, limits), rest time on a real device, `prepare_timeline`, a
`Player` with the session limit, a session log; every SET passes the session's safety gate. The session
owns the device: while idle this thread only schedules its keep-alive, STATUS and event reads (the 400 ms
watchdog runs in READY too), so an unplug or the stop button is seen at once; a lost device is retried with
backoff. After a program, a fresh handshake ends the device's own session (its timer runs until the next
HELLO).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable

from controller.clock import Clock
from controller.errors import LinkError, MassagerError
from controller.program.loader import LoadedProgram
from controller.runs import RunPlan, check_run, make_session, prepare_timeline
from controller.runs.player import Outcome, Player, Snapshot
from controller.runs.session import State
from controller.runs.sessionlog import SessionLog
from controller.safety.resttime import record_session_end, require_rest
from controller.service.api import Command, CommandRefused, DeviceStatus, ZoneState
from controller.service.device import (
    NO_PROGRAM,
    DeviceSetup,
    Request,
    check_command,
    device_policy,
    initial_status,
    offset_note,
    open_session_log,
)
from controller.service.status import StatusBoard, identity, kind_of, program_level
from controller.wire.link import Link
from controller.wire.protocol import EventCode
from controller.wire.timing import KEEPALIVE_S, STATUS_EVERY_S

log = logging.getLogger(__name__)

RETRY_FIRST_S = 0.5        # first retry after a failed connect; doubles up to RETRY_MAX_S
RETRY_MAX_S = 30.0
MAX_IDLE_WAIT_S = 1.0      # the idle loop looks at its state at least this often
_PLAYER_COMMANDS = {Command.PAUSE, Command.RESUME, Command.TOGGLE_PAUSE, Command.INTENSITY_UP,
                    Command.INTENSITY_DOWN, Command.SKIP, Command.STOP, Command.EMERGENCY_STOP}


class DeviceSupervisor:
    """Implements DeviceHandle for one device; `start` runs its thread, `stop` ends it with the device off."""

    def __init__(self, setup: DeviceSetup, clock: Clock) -> None:
        self.setup = setup
        self.config = setup.config
        self.device_id = setup.config.id
        self.clock = clock
        self.policy = device_policy(setup.config, setup.health)
        self._lock = threading.Lock()
        self._queue: deque[Request] = deque()
        self._wake = threading.Event()
        self._player: Player | None = None
        self._stopping = False
        self._fresh = True               # no program since the last handshake
        self._quiet = False              # a routine re-handshake: states not shown
        self._next_try = float("-inf")
        self._retry_s = RETRY_FIRST_S
        self._asked_offset: int | None = None  # a set-intensity the player has been asked for
        self._log: SessionLog | None = None
        self.board = StatusBoard(initial_status(self.config))
        self._update = self.board.update
        self.session = make_session(self._open_link, clock, self.policy, on_state=self._on_state)
        self._thread = threading.Thread(target=self._main, name=f"device-{self.device_id}", daemon=True)

    # --- DeviceHandle -------------------------------------------------------------------------

    def status(self) -> DeviceStatus:
        return self.board.current

    def subscribe(self, callback: Callable[[DeviceStatus], None]) -> Callable[[], None]:
        return self.board.subscribe(callback)

    def command(self, command: Command, *, program: str | None = None, level: int | None = None,
                origin: str = "local") -> None:
        state = self.board.current.state
        request = check_command(self.setup, state, Command(command), program, level, origin)
        if request.program is not None:
            self._plan(request.program)  # refusals at once, in the caller's thread; checked again to start
        with self._lock:
            self._queue.append(request)
        self._poke()

    def _poke(self) -> None:
        """Wake this device's thread, in its idle loop or in its player's."""
        self._wake.set()
        player = self._player
        if player is not None:
            player.controls.wake.set()

    def _plan(self, loaded: LoadedProgram) -> RunPlan:
        """The same gate as `massagectl run`: refusals, acknowledgement, limits, rest time."""
        try:
            plan = check_run(loaded, self.setup.health, acknowledged=self.config.acknowledge,
                             session_limit_s=self.policy.session_limit_s,
                             max_intensity=self.config.limits.max_intensity)
            caps = self.session.capabilities
            if caps is not None and not caps.simulator:
                require_rest(plan.policy, self.setup.rest_file)
        except MassagerError as err:
            raise CommandRefused(f"{self.config.name}: {err}") from None
        return plan

    # --- lifetime -----------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def request_stop(self) -> None:
        """Begin stopping: a running program halts at once (as Ctrl-C does in `run`)."""
        with self._lock:
            self._stopping = True
            if self._player is not None:
                self._player.controls.halt()
        self._wake.set()

    def join(self, timeout_s: float) -> bool:
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def _main(self) -> None:
        try:
            while not self._stopping:
                self._iterate()
        except Exception as err:  # one device's bug must not take the others down
            log.exception("device %s: supervisor stopped", self.device_id)
            self._update(fault=f"internal error: {type(err).__name__}: {err}")
        finally:
            self._close()

    def _iterate(self) -> None:
        s = self.session
        self._idle_requests()
        if s.state == State.READY:
            self._tend()
        self._idle_events()
        if s.state == State.FAULT:
            self._lost(s.error)
        if s.state == State.DISCONNECTED and self.clock.now() >= self._next_try and not self._stopping:
            self._connect()
        if not self._stopping and not self._queue:
            self.clock.wait_until(self._next_deadline(), self._wake)
            self._wake.clear()

    def _next_deadline(self) -> float:
        now = self.clock.now()
        s = self.session
        if s.state == State.READY:
            return max(now, min(s.last_tx + KEEPALIVE_S, s.last_status + STATUS_EVERY_S))
        if s.state == State.DISCONNECTED:
            return max(now, min(self._next_try, now + MAX_IDLE_WAIT_S))
        return now + MAX_IDLE_WAIT_S

    def _take(self) -> list[Request]:
        with self._lock:
            items, self._queue = list(self._queue), deque()
        return items

    def _idle_requests(self) -> None:
        """In order; what follows a start waits for its player, so a stop sent after it is never lost."""
        pending = self._take()
        while pending:
            request = pending.pop(0)
            if request.command == Command.START:
                with self._lock:
                    self._queue.extendleft(reversed(pending))
                self._start(request)
                return
            self._idle_request(request)

    # --- connecting ---------------------------------------------------------------------------

    def _open_link(self) -> Link:
        """The configured opener, with the wire traced into the session log while a program plays."""
        link = self.setup.open_link()
        link.trace = self._trace
        return link

    def _trace(self, direction: str, frame: object) -> None:
        session_log = self._log
        if session_log is not None:
            session_log.trace(direction, frame)

    def _connect(self) -> None:
        s = self.session
        s.fire("connect")
        if s.state == State.READY:
            self._retry_s = RETRY_FIRST_S
            self._fresh = True
            caps = s.capabilities
            assert caps is not None  # READY follows a handshake
            self._update(kind=kind_of(caps), note=f"connected: {identity(caps)}", model=caps.model,
                         firmware=caps.firmware)
            return
        error = s.error
        with contextlib.suppress(MassagerError):
            s.fire("reset")
        self._next_try = self.clock.now() + self._retry_s
        self._update(note=f"cannot reach the device: {error}; retrying in {self._retry_s:g} s")
        self._retry_s = min(RETRY_MAX_S, self._retry_s * 2)

    def _lost(self, error: MassagerError | None) -> None:
        """A fault or a lost link while idle: the device is (or will be) off; reconnect with backoff."""
        self.session.fire("reset")
        self._next_try = self.clock.now()
        if not isinstance(error, LinkError):
            self._update(fault=str(error) if error else "the device stopped")
        self._update(note=f"lost the device: {error}" if error else "lost the device")

    def _tend(self) -> None:
        """Ready with no program: the session keeps the device's watchdog fed, reads STATUS and events.

        A failure is the session's fault state, handled by `_lost` on the next look.
        """
        s = self.session
        now = self.clock.now()
        if now >= s.last_status + STATUS_EVERY_S:
            s.poll_status()
            temperature = s.temperature_c
            self._update(temperature_c=None if temperature is None else round(temperature, 1))
        elif now >= s.last_tx + KEEPALIVE_S:
            s.keep_alive()
        else:
            s.poll_events()

    def _idle_events(self) -> None:
        """Device events with no program running: its stop button latches, a stop of its own is a fault."""
        s = self.session
        for event in s.take_events():
            if event.code == EventCode.BUTTON and event.arg == 1 and s.may("emergency_stop"):
                s.fire("emergency_stop")
                self._update(note="the device's stop button was pressed")
            else:
                s.stopped_by_device(event)

    # --- requests while idle ------------------------------------------------------------------

    def _idle_request(self, request: Request) -> None:
        s = self.session
        command = request.command
        if command == Command.EMERGENCY_STOP:
            if s.may("emergency_stop"):
                s.fire("emergency_stop")
            self._update(note=f"emergency stop ({request.origin})")
        elif command == Command.CLEAR:
            if s.state in (State.EMERGENCY_STOP, State.FAULT):
                s.fire("reset")
                self._next_try = self.clock.now()
            self._update(fault="", note=f"cleared ({request.origin})")
        else:  # a stop with nothing running: nothing to do, and it says so
            self._update(note=f"{command.value.replace('_', ' ')}: nothing is running")

    def _start(self, request: Request) -> None:
        assert request.program is not None
        try:
            plan = self._plan(request.program)
            if not self._fresh:
                self._rehandshake()
            timeline, findings = prepare_timeline(self.session, plan)
        except MassagerError as err:
            self._update(note=f"not started: {err}")
            return
        if self._stopping:
            return
        self._fresh = False
        self._update(fault="", note="; ".join(str(f) for f in findings) or f"started ({request.origin})",
                     started_by=request.origin, program_id=timeline.program_id,
                     program_name=timeline.program_name, total_s=timeline.total_s)
        self._play(Player(self.session, timeline, session_limit_s=plan.policy.session_limit_s,
                          on_tick=self._on_tick, on_note=self._on_note))

    def _play(self, player: Player) -> None:
        caps = self.session.capabilities
        real = caps is not None and not caps.simulator
        self._open_log(player)
        with self._lock:
            self._player = player
            if self._stopping:  # asked to stop while this start was being prepared
                player.controls.halt()
        try:
            outcome = player.run()
        finally:
            with self._lock:
                self._player = None
            self._asked_offset = None
            if real:
                record_session_end(self.setup.rest_file)
        self._finish(player, outcome)

    def _finish(self, player: Player, outcome: Outcome) -> None:
        error = self.session.error if outcome == Outcome.FAULT else None
        self._close_log(outcome, player.position(), str(error or ""))
        name = player.timeline.program_name
        self._update(**NO_PROGRAM, state=self.session.state, fault=str(error or self.board.current.fault),
                     note=f"{name}: {outcome.value.replace('_', ' ')}")
        if self.session.state == State.READY and not self._stopping:
            self._rehandshake()  # a fresh handshake ends the device's own session (§6.5)

    def _rehandshake(self) -> None:
        """Disconnect and connect again, showing no flicker through disconnected unless it fails."""
        s = self.session
        self._quiet = True
        try:
            s.fire("disconnect")
            s.fire("connect")
        finally:
            self._quiet = False
        self._fresh = s.state == State.READY
        self._update(state=s.state)

    # --- while a program plays (called in this thread by the player) --------------------------

    def _on_tick(self, snap: Snapshot) -> None:
        player = self._player
        if player is None:
            return
        fields = _snapshot_fields(snap, player)
        if self._asked_offset is not None:  # the player has applied it by now: say where it landed
            peak = max((z.intensity for z in player.target()), default=0)
            wanted = program_level(peak, self.session.capabilities)
            fields["note"] = offset_note(self._asked_offset, snap.offset, wanted, self.policy)
            self._asked_offset = None
        for request in self._take():
            self._player_request(player, request)
        self._update(**fields)

    def _player_request(self, player: Player, request: Request) -> None:
        command = request.command
        if command in _PLAYER_COMMANDS:
            player.controls.post(command.value)
        elif command == Command.SET_INTENSITY and request.level is not None:
            player.controls.set_offset(request.level)  # within ±9, as with the +/- keys
            self._asked_offset = request.level
        else:
            self._update(note=f"{command.value.replace('_', ' ')}: not while a program runs")

    def _on_note(self, text: str) -> None:
        self._update(note=text)
        if self._log is not None:
            self._log.write("note", text=text)

    def _on_state(self, state: str, error: str) -> None:
        if self._log is not None:
            self._log.state(state, error)
        if not self._quiet:
            self._update(state=state)

    def _open_log(self, player: Player) -> None:
        try:
            self._log = open_session_log(self.setup, self.clock, player.timeline, self.session.capabilities)
        except OSError as err:
            self._update(note=f"no session log: {err}")

    def _close_log(self, outcome: Outcome, position_s: float, error: str) -> None:
        session_log, self._log = self._log, None
        if session_log is None:
            return
        session_log.write("end", outcome=outcome.value, position_s=round(position_s, 3), error=error)
        session_log.close()

    def _close(self) -> None:
        """Leave the device off and the port closed, whatever state the session is in."""
        s = self.session
        with contextlib.suppress(MassagerError):
            if s.state in (State.RUNNING, State.PAUSED, State.STOPPING):
                s.halt()
            if s.state == State.READY:
                s.fire("disconnect")
            elif s.state in (State.FAULT, State.EMERGENCY_STOP):
                s.fire("reset")
        self._update(state=s.state, note="stopped with the service")


def _snapshot_fields(snap: Snapshot, player: Player) -> dict[str, object]:
    timeline = player.timeline
    temperature = None if snap.temperature_c is None else round(snap.temperature_c, 1)
    return {"state": snap.state, "program_id": timeline.program_id, "program_name": timeline.program_name,
            "step": snap.step, "step_name": snap.step_name, "next_step_name": snap.next_step_name,
            "position_s": snap.position_s, "total_s": snap.total_s, "intensity_offset": snap.offset,
            "temperature_c": temperature,
            "zones": tuple(ZoneState(s.zone, s.motion, s.intensity, s.speed, s.heat) for s in snap.settings)}
