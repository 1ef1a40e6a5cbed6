"""What the real-time measurements share: a session over a pty, hand-built timelines, the sim's records."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from controller.clock import RealClock
from controller.runs.player import Player, Snapshot
from controller.runs.session import Gate, Session, State
from controller.timeline import Command, Timeline, ZoneSetting
from controller.wire.capabilities import DeviceCapabilities
from controller.wire.link import Link
from controller.wire.protocol import MOTIONS
from controller.wire.transport import SerialTransport

SESSION_LIMIT_S = 3600.0


def passthrough(caps: DeviceCapabilities, previous: tuple[ZoneSetting, ...],
                requested: tuple[ZoneSetting, ...], elapsed_s: float,
                temperature_c: float | None) -> tuple[ZoneSetting, ...]:
    """A gate that lets every request through: timing runs must not be reshaped by the ramp rule."""
    return requested


def pty_link(path: str) -> Callable[[], Link]:
    """Opens a real-time link on the pty at `path` (a session calls it on connect)."""
    return lambda: Link(SerialTransport(path), RealClock())


def pty_session(path: str, gate: Gate = passthrough) -> Session:
    """A real-time session whose link opens the pty at `path` (connect happens on first use)."""
    # soft_stop_ms=0: end promptly, the runs measure timing, not the ramp
    return Session(pty_link(path), RealClock(), gate, soft_stop_ms=0)


def connect(session: Session) -> DeviceCapabilities:
    """Handshake now, so the timeline can use the device's zone and motion ids."""
    session.fire("connect")
    if session.state != State.READY or session.capabilities is None:
        raise RuntimeError(f"could not connect: {session.error}")
    return session.capabilities


def setting(caps: DeviceCapabilities, zone_index: int, intensity: int) -> ZoneSetting:
    """One zone of this device kneading at `intensity`."""
    zone = caps.zones[zone_index]
    return ZoneSetting(zone.name, zone.id, "knead", MOTIONS["knead"], intensity, 2, 0)


def steps_timeline(settings: list[tuple[ZoneSetting, ...]], step_s: float) -> Timeline:
    """A timeline of back-to-back steps of equal length."""
    commands = tuple(Command(k * step_s, step_s, k + 1, f"step {k + 1}", s) for k, s in enumerate(settings))
    return Timeline("bench", "bench", "any", commands)


def close(session: Session) -> None:
    """Release the port (and its lock) so the next run can open it: the session's way out of its state."""
    for trigger in ("disconnect", "reset"):
        if session.may(trigger):
            session.fire(trigger)


@dataclass
class Background:
    """A player running in its own thread, with an event set once the device holds the first step."""

    player: Player
    thread: threading.Thread
    playing: threading.Event


def play_in_background(session: Session, timeline: Timeline) -> Background:
    """Start `timeline` in a thread; `playing` is set once the first SET was acknowledged."""
    playing = threading.Event()

    def on_tick(snap: Snapshot) -> None:
        if snap.state == State.RUNNING and snap.settings:
            playing.set()

    player = Player(session, timeline, session_limit_s=SESSION_LIMIT_S, on_tick=on_tick,
                    on_note=lambda text: None)
    thread = threading.Thread(target=player.run, name="bench-player", daemon=True)
    thread.start()
    return Background(player, thread, playing)


def all_off_after(timeline: list[list], t0: float, zone_ids: set[int]) -> float | None:
    """The first time at or after t0 when the sim's record shows every zone in `zone_ids` off."""
    on: dict[int, bool] = {}
    for t, zone, intensity, heat, _cause in timeline:
        on[zone] = bool(intensity or heat)
        if t >= t0 and not any(on.get(z, False) for z in zone_ids):
            return t
    return None
