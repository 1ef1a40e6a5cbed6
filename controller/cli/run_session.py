"""What `massagectl run` does once its options are parsed: check, connect, play, log, and exit code."""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import click

from controller import exitcodes
from controller.cli.output import GuardedOutput, OutputClosed, guarded, is_tty
from controller.cli.signals import stop_signals
from controller.clock import Clock, RealClock, ScaledClock, VirtualClock
from controller.errors import LinkError, MassagerError, OutputError
from controller.program.library import program_folders, resolve_program
from controller.runs import RunPlan, assess_run, make_session, prepare_timeline
from controller.runs.controls import Controls
from controller.runs.player import Interrupted, Outcome, Player, Snapshot
from controller.runs.session import Session
from controller.runs.sessionlog import SessionLog, default_log_path
from controller.safety.health import HealthProfile, load_profile
from controller.safety.resttime import record_session_end, require_rest
from controller.ui.keys import KeyReader
from controller.ui.view import View, make_view
from controller.wire.link import Link

OUTCOME_EXIT = {
    Outcome.COMPLETED: exitcodes.OK,
    Outcome.SESSION_LIMIT: exitcodes.OK,
    Outcome.STOPPED: exitcodes.STOPPED_BY_USER,
    Outcome.EMERGENCY_STOP: exitcodes.EMERGENCY_STOP,
}


def parse_speed(value: str | None) -> float | None:
    """--speed: a factor ≥ 1, or `max` (virtual time, as fast as the machine goes); None for real time."""
    if value is None:
        return None
    if value == "max":
        return float("inf")
    try:
        factor = float(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a number or 'max'", param_hint="--speed") from None
    if not 1 <= factor <= 100_000:
        raise click.BadParameter("must be between 1 and 100000, or 'max'", param_hint="--speed")
    return factor


def sim_clock(speed: float | None) -> Clock:
    if speed is None:
        return RealClock()
    return VirtualClock() if speed == float("inf") else ScaledClock(speed)


def link_factory(port: str | None, profile: str, clock: Clock, log: SessionLog | None,
                 baud: int = 115200) -> Callable[[], Link]:
    """Opens the device's link (a real port at `baud`); called again on each reconnect."""
    if port is None:
        from sim import make_pair

        transports = [make_pair(clock, profile=profile)[0]]
        opened = [0]

        def open_sim() -> Link:
            if opened[0]:  # a reconnect: like replugging, a fresh port on the same device
                transports.append(transports[-1].reopen())
            opened[0] += 1
            return Link(transports[-1], clock, trace=log.trace if log else None)

        return open_sim

    from controller.wire.ports import open_link

    def open_port() -> Link:
        link = open_link(port, baud)
        link.trace = log.trace if log else None
        return link

    return open_port


class SignalStop:
    """What a stop signal does during `run`: before the player plays, nothing runs yet, so it raises
    Interrupted and the session halts; while it plays, it asks the player to stop (Controls.interrupt,
    lock-free), which the player does between two device exchanges, never in the middle of one."""

    def __init__(self) -> None:
        self.controls: Controls | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.controls is None:
            raise Interrupted(f"signal {signum}")
        self.controls.interrupt()


def plan_for(program: str, *, dirs: tuple[Path, ...], profile_file: Path | None, acknowledge: bool,
             session_limit_s: float | None,
             max_intensity: int | None) -> tuple[RunPlan, HealthProfile | None]:
    """The program, the user's health profile and the safety verdict, as `run` and `check` both read them."""
    loaded = resolve_program(program, program_folders(list(dirs)))
    health = load_profile(profile_file)
    plan = assess_run(loaded, health, acknowledged=acknowledge,
                      session_limit_s=session_limit_s,
                      max_intensity=max_intensity)
    return plan, health


def run_program(program: str, *, port: str | None, profile: str, factor: float | None, log_path: Path | None,
                baud: int = 115200, no_log: bool, reconnect: bool, profile_file: Path | None,
                acknowledge: bool, session_limit_s: float | None, max_intensity: int | None,
                dirs: tuple[Path, ...]) -> int:
    """Run one program; returns the exit code that says how the session ended.

    Every stop signal (controller/cli/signals.py) is handled from here on, whatever the process inherited.
    """
    on_signal = SignalStop()
    with stop_signals(on_signal):
        try:
            plan, _ = plan_for(program, dirs=dirs, profile_file=profile_file, acknowledge=acknowledge,
                               session_limit_s=session_limit_s, max_intensity=max_intensity)
            plan.assessment.raise_if_refused()
        except Interrupted:  # nothing was opened yet
            return exitcodes.STOPPED_BY_USER
        clock = RealClock() if port else sim_clock(factor)
        log = None if no_log else SessionLog(log_path or default_log_path(), clock)  # OutputError: none ran
        try:
            code = _run(plan, clock, link_factory(port, profile, clock, log, baud), log, reconnect, on_signal)
        finally:
            if log is not None:
                log.close()
                click.echo(f"session log: {log.path}", err=True)
    if log is not None and log.failure is not None:  # failed as the session ended: it ran, unrecorded
        raise OutputError(f"{log.failure}; the log is incomplete")
    return code


def _run(plan: RunPlan, clock: Clock, open_link: Callable[[], Link], log: SessionLog | None,
         reconnect: bool, on_signal: SignalStop) -> int:
    interactive = is_tty(sys.stdout) and is_tty(sys.stdin) and not isinstance(clock, VirtualClock)
    out = guarded(sys.stdout)
    view = make_view(out, interactive=interactive)  # `| head`, a full disk: OutputClosed
    session = make_session(open_link, clock, plan.policy,
                           on_state=lambda state, err: log.state(state, err) if log else None)
    player: Player | None = None
    try:
        for finding in plan.assessment.findings:
            view.note(str(finding))
        player, real_device = _prepare(session, plan, view, log, reconnect)
        on_signal.controls = player.controls
        outcome = _play(player, real_device)
    except (KeyboardInterrupt, Interrupted):
        _stop_quietly(session)
        outcome = Outcome.STOPPED
    except MassagerError as err:
        _stop_quietly(session)
        if log is not None:
            log.write("end", outcome="fault", position_s=0, error=str(err))
            log.flush()
        if player is not None:  # the view had started: leave the terminal usable, the error follows
            with contextlib.suppress(OutputClosed):
                view.finish("fault", "")
        raise
    code = _finish(session, player, outcome, view, log)
    failure = out.failure if isinstance(out, GuardedOutput) else None
    if failure is not None:  # not a reader that left (`| head`): say why, now that the device is stopped
        raise OutputError(f"cannot write to standard output: {failure.strerror or failure}; the device was "
                          "stopped")
    return code


def _prepare(session: Session, plan: RunPlan, view: View, log: SessionLog | None,
             reconnect: bool) -> tuple[Player, bool]:
    """Connect, compile for the device, enforce the rest between sessions and log the start.

    Returns the player, and whether a person is on a real device (not the simulator).
    """
    timeline, findings = prepare_timeline(session, plan)
    caps = session.capabilities
    assert caps is not None  # prepare_timeline raises unless the handshake gave them
    if not caps.simulator:  # a person is on it: no back-to-back sessions past the session limit
        require_rest(plan.policy)
    for finding in findings:
        view.note(str(finding))

    def note(text: str) -> None:
        view.note(text)
        if log is not None:
            log.write("note", text=text)

    def tick(snap: Snapshot) -> None:
        if log is not None and log.failure is not None:  # the player halts the device, then it is said
            raise OutputError(f"{log.failure}; the session was stopped")
        view.update(snap)

    player = Player(session, timeline, session_limit_s=plan.policy.session_limit_s,
                    reconnect=reconnect, on_tick=tick, on_note=note)
    if log is not None:
        log.begin(program=timeline.program_id, program_name=timeline.program_name,
                  total_s=timeline.total_s, device=dataclasses.asdict(caps),
                  zones={z.id: z.name for z in caps.zones})
        log.raise_if_failed()  # before anything runs
    view.start(timeline, caps)
    return player, not caps.simulator


def _play(player: Player, real_device: bool) -> Outcome:
    """Play with the keys live; a real session's end is remembered for the rest between sessions."""
    with KeyReader(player.controls):
        try:
            return player.run()
        finally:
            if real_device:
                record_session_end()


def _finish(session: Session, player: Player | None, outcome: Outcome, view: View,
            log: SessionLog | None) -> int:
    """Log and show how it ended; the exit code that says so."""
    error = session.error
    message = str(error) if outcome == Outcome.FAULT and error else ""
    if log is not None:
        position = player.position() if player else 0.0
        log.write("end", outcome=outcome.value, position_s=round(position, 3), error=message)
    with contextlib.suppress(OutputClosed):  # the session is over; its reader left just now
        view.finish(outcome.value, message)
    if outcome == Outcome.FAULT:
        return exitcodes.LINK if isinstance(error, LinkError) else exitcodes.DEVICE_FAULT
    return OUTCOME_EXIT[outcome]


def _stop_quietly(session: Session) -> None:
    """Interrupted before or around playing: the session halts, through its state machine."""
    session.halt()
