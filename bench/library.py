"""Every built-in program run end to end on the virtual clock against the in-process simulator.

Shared by the virtual-time, wire-budget and memory measurements: the same path `massagectl run --sim
--speed max` takes (load, safety check, compile for the device that answered, play), with a hook to wrap
the transport.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from controller.clock import VirtualClock
from controller.program.library import program_folders, resolve_program
from controller.runs import check_run, make_session, prepare_timeline
from controller.runs.player import Outcome, Player
from controller.wire.link import Link, LinkCounters
from programs import PROGRAMS_DIR
from sim import make_pair

Wrap = Callable[[Any, VirtualClock], Any]


@dataclass(frozen=True)
class VirtualRun:
    """One program played to the end on the virtual clock."""

    program: str
    outcome: Outcome
    simulated_s: float
    wall_s: float
    program_s: float
    counters: LinkCounters


def builtin_programs() -> list[Path]:
    """The built-in program files, by name."""
    return sorted(PROGRAMS_DIR.glob("*.yaml"))


def run_virtual(file: Path, wrap: Wrap | None = None, profile: str = "foot") -> VirtualRun:
    """Load, check, compile and play `file` on a fresh virtual clock and simulator; wall time of it all."""
    t0 = time.perf_counter()
    player = prepared(file, wrap, profile)
    outcome = player.run()
    wall = time.perf_counter() - t0
    session = player.session
    counters = session.link.counters if session.link is not None else LinkCounters()
    return VirtualRun(file.stem, outcome, player.clock.now(), wall, player.timeline.total_s, counters)


def prepared(file: Path, wrap: Wrap | None = None, profile: str = "foot") -> Player:
    """`file` loaded, checked and compiled for a fresh simulator on a fresh virtual clock: ready to play."""
    clock = VirtualClock()
    transport, _device = make_pair(clock, profile=profile)
    wire = wrap(transport, clock) if wrap is not None else transport
    plan = check_run(resolve_program(str(file), program_folders([])), None, acknowledged=True)
    session = make_session(lambda: Link(wire, clock), clock, plan.policy)
    timeline, _findings = prepare_timeline(session, plan)
    return Player(session, timeline, session_limit_s=plan.policy.session_limit_s, on_note=lambda t: None)


def longest_program() -> Path:
    """The built-in program with the longest compiled timeline (the memory measurement runs it)."""
    return max(builtin_programs(), key=lambda f: run_virtual(f).program_s)
