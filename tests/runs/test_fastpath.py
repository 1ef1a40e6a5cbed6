"""The keep-alive fast path is exact: every built-in program, on both simulated profiles, gives the device
the same session whether the player sends its keep-alives round by round or in runs (issue 12).

Round by round is forced by handing the link the simulator's transport behind a plain wrapper that does
not offer `runs_ahead` — exactly what a real port or pseudo-terminal looks like to the link. The device's
own records are compared: every actuator change, every event, every applied SET and every temperature
reading, with their times, and every frame it received, byte for byte at its instant; and both halves of
the fast path must really have been taken — fewer rounds of the player's loop, and no KEEPALIVE decoded
by the device (sim/device.py `receive_keepalive`) — or the comparison would prove nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from controller.clock import VirtualClock
from controller.program.library import program_folders, resolve_program
from controller.runs import check_run, make_session, prepare_timeline
from controller.runs.fastpath import wake_at
from controller.runs.player import Outcome, Player
from controller.wire.link import Link
from programs import PROGRAMS_DIR
from sim import make_pair
from sim.pair import SimTransport

PROGRAMS = sorted(PROGRAMS_DIR.glob("*.yaml"))


class FrameByFrame:
    """The simulator's transport without `runs_ahead`: the link must go frame by frame."""

    def __init__(self, inner: SimTransport) -> None:
        self.inner = inner

    def write(self, data: bytes) -> None:
        self.inner.write(data)

    def read(self, max_bytes: int, timeout_s: float) -> bytes:
        return self.inner.read(max_bytes, timeout_s)

    def close(self) -> None:
        self.inner.close()


def play(file: Path, profile: str, fast: bool) -> tuple[dict[str, Any], int, int]:
    """Play `file` to the end on a virtual clock: the device's records, the player's rounds, and how many
    frames the device decoded."""
    clock = VirtualClock()
    transport, device = make_pair(clock, profile=profile)
    received: list[tuple[float, bytes]] = []  # every frame the device was handed, either way
    receive, receive_keepalive, in_keepalive = device.receive, device.receive_keepalive, [False]
    decoded = [0]  # frames that went through `receive`, decoded

    def recorded(data: bytes, now: float) -> None:
        decoded[0] += 1
        if not in_keepalive[0]:  # receive_keepalive falling back to receive: recorded once
            received.append((now, bytes(data)))
        receive(data, now)

    def recorded_keepalive(data: bytes, now: float) -> None:
        received.append((now, bytes(data)))
        in_keepalive[0] = True
        try:
            receive_keepalive(data, now)
        finally:
            in_keepalive[0] = False
    device.receive = recorded  # type: ignore[method-assign]
    device.receive_keepalive = recorded_keepalive  # type: ignore[method-assign]
    wire: Any = transport if fast else FrameByFrame(transport)
    plan = check_run(resolve_program(str(file), program_folders([])), None, acknowledged=True)
    session = make_session(lambda: Link(wire, clock), clock, plan.policy)
    timeline, _findings = prepare_timeline(session, plan)
    rounds = []
    player = Player(session, timeline, session_limit_s=plan.policy.session_limit_s, on_tick=rounds.append,
                    on_note=lambda text: None)
    assert player.run() == Outcome.COMPLETED
    records = {"timeline": device.timeline, "events": device.events, "applied": device.applied,
               "temperatures": device.temperature_history, "counters": device.counters, "end": clock.now(),
               "received": received, "high_water": device._decoder.high_water}
    return records, len(rounds), decoded[0]


@pytest.mark.parametrize("profile", ["foot", "chair"])
@pytest.mark.parametrize("file", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_the_fast_path_gives_the_device_the_same_session(file: Path, profile: str) -> None:
    slow, slow_rounds, slow_decoded = play(file, profile, fast=False)
    fast, fast_rounds, fast_decoded = play(file, profile, fast=True)
    assert slow["counters"].keepalives > 0
    for key in slow:
        assert fast[key] == slow[key], key
    assert fast_rounds < slow_rounds * 0.75  # the player's run of keep-alives was taken...
    assert fast_decoded == slow_decoded - slow["counters"].keepalives  # ...and the device's, every time


def test_deadlines_a_float_rounding_apart_are_one_wake_up() -> None:
    assert wake_at(10.0, [10.5, 10.5 + 1e-12, 12.0]) == 10.5 + 1e-12
    assert wake_at(10.0, [10.5, 10.5 + 2e-6]) == 10.5
    assert wake_at(11.0, [10.5, float("inf")]) == 11.0
