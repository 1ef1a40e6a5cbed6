"""What a device's supervisor is given and keeps beside its session: setup, limits, first status, log files.

Plain helpers with no device I/O, so controller/service/supervisor.py holds only the runtime itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from controller.clock import Clock
from controller.paths import rest_file
from controller.program.loader import LoadedProgram
from controller.runs.offset import OFFSET_MAX
from controller.runs.sessionlog import SessionLog
from controller.safety.health import HealthProfile
from controller.safety.policy import SafetyPolicy, policy_for
from controller.service.api import Command, CommandRefused, DeviceStatus
from controller.service.catalog import ProgramCatalog
from controller.service.config import DeviceConfig
from controller.simnames import DEFAULT_PROFILE
from controller.timeline import Timeline
from controller.wire.capabilities import DeviceCapabilities
from controller.wire.link import Link

PLAYING = ("running", "paused", "stopping")
NO_PROGRAM: dict[str, object] = {
    "program_id": "", "program_name": "", "step": 0, "step_name": "", "next_step_name": "", "position_s": 0.0,
    "total_s": 0.0, "intensity_offset": 0, "zones": (), "started_by": ""}
NEED_A_PROGRAM = {Command.PAUSE, Command.RESUME, Command.TOGGLE_PAUSE, Command.INTENSITY_UP,
                  Command.INTENSITY_DOWN, Command.SKIP, Command.SET_INTENSITY}


@dataclass(frozen=True, slots=True)
class Request:
    """A front end's command, checked, waiting for the device's thread."""

    command: Command
    program: LoadedProgram | None = None
    level: int | None = None
    origin: str = "local"


@dataclass(frozen=True)
class DeviceSetup:
    """What a supervisor needs, prepared by the hub from the configuration."""

    config: DeviceConfig
    open_link: Callable[[], Link]
    health: HealthProfile | None
    programs: ProgramCatalog
    log_dir: Path | None = None       # None: no session logs
    rest_path: Path | None = None     # where this device's last session end is kept (real devices)

    @property
    def rest_file(self) -> Path:
        """Each massager has its own rest time: one person's session does not hold up another's chair."""
        return self.rest_path or rest_file().with_name(f"last-session-end-{self.config.id}")


def device_policy(config: DeviceConfig, health: HealthProfile | None) -> SafetyPolicy:
    """The device's limits, as `run --session-limit/--max-intensity` would make them."""
    limit = config.limits.session_limit_min
    return policy_for(health, session_limit_s=limit * 60 if limit else None,
                      max_intensity=config.limits.max_intensity)


def initial_status(config: DeviceConfig) -> DeviceStatus:
    return DeviceStatus(
        device_id=config.id, name=config.name, kind=config.sim or DEFAULT_PROFILE, state="disconnected",
        program_id="",
        program_name="", step=0, step_name="", next_step_name="", position_s=0.0, total_s=0.0,
        intensity_offset=0, zones=(), temperature_c=None, fault="", note="", remote_start=config.remote_start,
        revision=0)


def open_session_log(setup: DeviceSetup, clock: Clock, timeline: Timeline,
                     caps: DeviceCapabilities | None) -> SessionLog | None:
    """A program run's log, as `run` writes it, named by time and device; None when logs are off."""
    if setup.log_dir is None:
        return None
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    log = SessionLog(setup.log_dir / f"session-{stamp}-{setup.config.id}.jsonl", clock)
    log.begin(program=timeline.program_id, program_name=timeline.program_name, total_s=timeline.total_s,
              device_id=setup.config.id, device=dataclasses.asdict(caps) if caps else None,
              zones={z.id: z.name for z in caps.zones} if caps else {})
    return log


def check_command(setup: DeviceSetup, state: str, command: Command, program: str | None, level: int | None,
                  origin: str) -> Request:
    """What can be refused at once, before the safety plan; stop, emergency stop and clear never are."""
    name = setup.config.name
    if command == Command.START:
        return Request(command, _startable(setup, state, program, origin), origin=origin)
    if command == Command.SET_INTENSITY and (isinstance(level, bool) or not isinstance(level, int)):
        raise CommandRefused("set_intensity needs a whole-number level")
    if command in NEED_A_PROGRAM and state not in PLAYING:
        raise CommandRefused(f"{name}: nothing is running ({state.replace('_', ' ')})")
    return Request(command, level=level, origin=origin)


def _startable(setup: DeviceSetup, state: str, program: str | None, origin: str) -> LoadedProgram:
    name = setup.config.name
    if not program:
        raise CommandRefused("start needs a program")
    setup.programs.refresh()  # a program saved or edited since is started as it now is
    loaded = setup.programs.get(program)
    if loaded is None:
        raise CommandRefused(f"no program named {program!r}")
    if origin != "local" and not setup.config.remote_start:
        raise CommandRefused(f"{name}: remote start is off (someone must be at the massager; "
                             "`remote_start: true` in the configuration allows it)")
    if state != "ready":
        raise CommandRefused(f"{name} is not ready ({state.replace('_', ' ')})")
    return loaded


def offset_note(asked: int, offset: int, wanted: int, policy: SafetyPolicy) -> str:
    """What a front end shows after setting the intensity offset: where it was clamped, and by what."""
    note = f"intensity offset {offset:+d}"
    if offset != asked:
        note += f" (asked {asked:+d}: offsets go from -{OFFSET_MAX} to +{OFFSET_MAX})"
    if wanted > policy.max_intensity:
        note += f"; held at {policy.max_intensity}/10 by {policy.intensity_reason}"
    return note
