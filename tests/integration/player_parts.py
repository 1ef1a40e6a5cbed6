"""Parts for the player tests on the virtual clock: ticks that act at a program position or record when a
state was first seen, a cable pulled or kept out, and device events lost or read together."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from controller.errors import LinkClosed
from controller.runs.player import Snapshot
from controller.runs.session import State
from controller.wire.protocol import Event, EventCode
from tests.integration.harness import Run

Tick = Callable[[Run, Snapshot], None]

TWO_STEPS = """\
schema_version: 1
id: two-steps
name: Two steps
description: Kneading, then rolling, on the heel at one level.
intensity_class: light
steps:
  - {name: knead, duration: 62s, zones: [heel], motion: knead, intensity: 3, speed: 2}
  - {name: roll, duration: 62s, zones: [heel], motion: roll, intensity: 3, speed: 2}
"""


def two_steps(folder: Path, duration: str = "62s") -> str:
    """TWO_STEPS written into `folder`, each step lasting `duration`; its path."""
    file = folder / "two-steps.yaml"
    file.write_text(TWO_STEPS.replace("62s", duration))
    return str(file)


def chain(*ticks: Tick) -> Tick:
    def tick(run: Run, snap: Snapshot) -> None:
        for each in ticks:
            each(run, snap)
    return tick


def first_tick_in(state: str, times: dict[str, float], key: str) -> Tick:
    """Record in times[key] the clock at the first tick in `state`."""
    def tick(run: Run, snap: Snapshot) -> None:
        if key not in times and snap.state == state:
            times[key] = run.clock.now()
    return tick


def request_at(position_s: float, request: str, times: dict[str, float]) -> Tick:
    """Post `request` at the first running tick at or past `position_s`; times[request] is the clock then."""
    def tick(run: Run, snap: Snapshot) -> None:
        if request not in times and snap.state == State.RUNNING and snap.position_s >= position_s:
            times[request] = run.clock.now()
            run.player.controls.post(request)
    return tick


def presses(plan: list[tuple[float, str]]) -> Tick:
    """Requests at program positions, one per running tick."""
    pending = list(plan)

    def tick(run: Run, snap: Snapshot) -> None:
        if pending and snap.state == State.RUNNING and snap.position_s >= pending[0][0]:
            run.player.controls.post(pending.pop(0)[1])
    return tick


def unplug(run: Run) -> None:
    assert run.session.link is not None
    run.session.link.transport.unplug()  # type: ignore[attr-defined]


def unplug_at(position_s: float, times: dict[str, float]) -> Tick:
    """Pull the cable at the first running tick at or past `position_s` (times["unplug"]); record when the
    player saw the fault (times["fault"], its first tick in FAULT)."""
    def tick(run: Run, snap: Snapshot) -> None:
        if "unplug" not in times and snap.state == State.RUNNING and snap.position_s >= position_s:
            times["unplug"] = run.clock.now()
            unplug(run)
        elif "fault" not in times and snap.state == State.FAULT:
            times["fault"] = run.clock.now()
    return tick


def refuse_reconnects(run: Run, count: int) -> list[float]:
    """The cable stays out for the next `count` attempts to open the port; returns the attempts' times."""
    open_link, attempts = run.session._open_link, []

    def flaky() -> object:
        attempts.append(run.clock.now())
        if len(attempts) <= count:
            raise LinkClosed("the cable is still out")
        return open_link()
    run.session._open_link = flaky  # type: ignore[assignment]
    return attempts


def on_after(run: Run, t: float) -> list[float]:
    """When the device applied a SET that put something on, after `t`."""
    return [a.t for a in run.device.applied if a.t > t and any(not e.is_off for e in a.entries)]


def inject(run: Run, events: list[Event]) -> None:
    """Whatever `events` holds when the player next takes the device's events is read along with them."""
    take = run.session.take_events
    run.session.take_events = lambda: take() + [events.pop(0) for _ in list(events)]  # type: ignore[method-assign]


def without_stopped_events(run: Run) -> None:
    """EVENT STOPPED never reaches the player (lost on the line)."""
    take = run.session.take_events
    run.session.take_events = lambda: [e for e in take() if e.code != EventCode.STOPPED]  # type: ignore[method-assign]
