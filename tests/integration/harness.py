"""Runs programs through the real controller stack against the simulator, and reads what it did."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from controller.clock import VirtualClock
from controller.program.library import program_folders, resolve_program
from controller.runs import check_run, make_session, prepare_timeline
from controller.runs.player import Outcome, Player, Snapshot
from controller.runs.session import Session
from controller.safety.policy import SafetyPolicy
from controller.timeline import Command, Timeline
from controller.wire.link import Link
from sim import make_pair
from sim.device import Device
from sim.faults import FaultPlan
from sim.protocol import EventCode
from sim.records import TimelineEntry

ZoneState = tuple[str, int, int, int]  # motion, intensity, speed, heat
GIVE_UP_S = 3600.0  # virtual seconds: a run still going then is a bug, ended by an emergency stop
STILL_TICKS = 10_000  # ticks in a row at one virtual instant: the player is spinning, also a bug


def state_at(timeline: list[TimelineEntry], t: float) -> dict[int, ZoneState]:
    """Every zone that is on at time t, from the device's recorded timeline (entries at t count)."""
    zones: dict[int, ZoneState] = {}
    for entry in timeline:
        if entry.t > t + 1e-9:
            break
        if entry.is_off:
            zones.pop(entry.zone_id, None)
        else:
            zones[entry.zone_id] = (entry.motion, entry.intensity, entry.speed, entry.heat)
    return zones


def actuation_s(timeline: list[TimelineEntry], until: float) -> float:
    """Seconds up to `until` during which the device had anything on, from its own recorded timeline."""
    on: set[int] = set()
    total, since = 0.0, 0.0
    for entry in timeline:
        if entry.t > until:
            break
        was_on = bool(on)
        if entry.is_off:
            on.discard(entry.zone_id)
        else:
            on.add(entry.zone_id)
        if on and not was_on:
            since = entry.t
        elif was_on and not on:
            total += entry.t - since
    return total + (until - since if on else 0.0)


def expected(command: Command) -> dict[int, ZoneState]:
    return {s.zone_id: (s.motion, s.intensity, s.speed, s.heat) for s in command.settings
            if s.intensity or s.heat}


@dataclass
class Run:
    """One program run on the in-process simulator with a virtual clock."""

    clock: VirtualClock
    device: Device
    session: Session
    player: Player
    timeline: Timeline
    outcome: Outcome | None = None
    notes: list[str] = field(default_factory=list)
    gave_up: bool = False

    @property
    def origin(self) -> float:
        """Clock time of program position 0: the first SET the device applied."""
        return self.device.applied[0].t


def prepare(program: str = "circulation-warmup", *, profile: str = "foot", faults: FaultPlan | None = None,
            policy: SafetyPolicy | None = None, on_tick: Callable[[Run, Snapshot], None] | None = None,
            reconnect: bool = False) -> Run:
    clock = VirtualClock()
    transport, device = make_pair(clock, profile=profile, faults=faults)
    plan = check_run(resolve_program(program, program_folders([])), None, acknowledged=True)
    if policy is not None:
        plan = type(plan)(plan.loaded, policy, plan.assessment)
    transports = [transport]
    opened = [0]

    def open_link() -> Link:
        if opened[0]:  # a reconnect: a fresh port on the same device, as after replugging
            transports.append(transports[-1].reopen())
        opened[0] += 1
        return Link(transports[-1], clock)

    session = make_session(open_link, clock, plan.policy)
    timeline, _ = prepare_timeline(session, plan)
    run_holder: list[Run] = []

    still = [0.0, 0]  # the clock time of the last tick, and how many ticks in a row saw it

    def tick(snap: Snapshot) -> None:
        run = run_holder[0]
        still[1] = still[1] + 1 if run.clock.now() == still[0] else 0
        still[0] = run.clock.now()
        stuck = still[1] > STILL_TICKS and "the virtual clock stood still"
        if (stuck or run.clock.now() > GIVE_UP_S) and not run.gave_up:  # a bug that never ends
            run.gave_up = True
            run.notes.append(f"the test gave up: {stuck or f'{GIVE_UP_S:g} s of virtual time passed'}")
            run.player.controls.emergency_stop()
        if on_tick is not None:
            on_tick(run, snap)

    player = Player(session, timeline, session_limit_s=plan.policy.session_limit_s, reconnect=reconnect,
                    on_tick=tick)
    run = Run(clock, device, session, player, timeline)
    player.on_note = run.notes.append
    run_holder.append(run)
    return run


def soft_stop_started(run: Run) -> float:
    """When the device began its soft stop: its EVENT STOPPED comes one ramp later (§6.7)."""
    stopped = next(e.t for e in run.device.events if e.code == EventCode.STOPPED)
    return stopped - run.session.soft_stop_ms / 1000


def play(program: str = "circulation-warmup", **kwargs: object) -> Run:
    run = prepare(program, **kwargs)  # type: ignore[arg-type]
    run.outcome = run.player.run()
    return run
