"""A run of keep-alives in one step, where the device runs ahead of real time (issue 12).

While a program holds a step, nothing changes between two of the player's deadlines but the keep-alives
that feed the device's watchdog: on a 724 s program three rounds of the player's loop in four only send
one. Where the link's transport runs ahead of real time (`Link.runs_ahead`: the in-process simulator on a
VirtualClock), the player sends the keep-alives that fall before its next other deadline here, each at
its exact instant and through the same `Session.keep_alive` as one round of the loop would, without the
rest of the round: so the device sees the same frames at the same times. The run ends early on anything
a round of the loop would have to look at — an event from the device, a request from the controls, a
state change — and stops COINCIDENT_S short of the next deadline, so deadlines that floats leave a hair
apart are taken by the loop together. Real ports and pseudo-terminals always go round by round. On the
device's side the simulator's transport takes each KEEPALIVE without decoding it where that changes
nothing (`write_keepalive`, sim/device.py `receive_keepalive`).
tests/runs/test_fastpath.py checks that both ways give the device the same session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from controller.runs.session import State

if TYPE_CHECKING:
    from controller.runs.player import Player

COINCIDENT_S = 1e-6  # deadlines closer than this are one wake-up


def keep_alive_run(player: Player, until: float) -> None:
    """After a keep-alive while running: the next ones, each keep-alive period after the last frame,
    strictly before `until` less COINCIDENT_S (the player's next other deadline); none unless the link
    runs ahead of real time."""
    s = player.session
    link = s.link
    if link is None or not link.runs_ahead():
        return
    wake = player.controls.wake
    events = link.counters.events
    stop_at = until - COINCIDENT_S
    while s.state == State.RUNNING and link.counters.events == events and not wake.is_set():
        due = s.last_tx + s.cadence.keepalive_s
        if due >= stop_at:
            return
        player.clock.wait_until(due, wake)
        s.keep_alive()


def wake_at(now: float, deadlines: list[float]) -> float:
    """When the player wakes next: its earliest deadline, or the last of those within COINCIDENT_S of it
    (one wake-up, not two a float rounding apart); never before `now`."""
    first = min(deadlines)
    return max(now, max(d for d in deadlines if d < first + COINCIDENT_S))
