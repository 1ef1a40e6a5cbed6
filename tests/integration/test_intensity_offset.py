"""Issue 14: `+` past what the limits allow must not store up an offset that `-` then has to unwind.

The offset is clamped to what the limits let the device do, so every `-` lowers what the device does
(unless every zone is already at its lowest level). Read from the simulated device's own record.
"""

from __future__ import annotations

from pathlib import Path

from controller.runs.player import Outcome, Snapshot
from controller.runs.session import State
from controller.safety.policy import SafetyPolicy
from tests.integration.harness import Run, play, state_at

NEAR_THE_CAP = """\
schema_version: 1
id: near-the-cap
name: Near the cap
description: One minute at 7/10 on the heel, one below the default limit of 8.
intensity_class: medium
steps:
  - {name: heel, duration: 60s, zones: [heel], motion: knead, intensity: 7, speed: 2}
  - {name: ankle, duration: 60s, zones: [ankle, heel], motion: roll, intensity: 3, speed: 2}
"""


def _presses(plan: list[tuple[float, str]]) -> object:
    """Press keys at program positions, one press per tick (as a person does)."""
    pending = list(plan)

    def tick(run: Run, snap: Snapshot) -> None:
        if pending and snap.state == State.RUNNING and snap.position_s >= pending[0][0]:
            getattr(run.player.controls, pending.pop(0)[1])()
    return tick


def _heel(run: Run, position_s: float) -> int:
    heel = next(z.id for z in run.session.capabilities.zones if z.name == "heel")  # type: ignore[union-attr]
    return state_at(run.device.timeline, run.origin + position_s).get(heel, ("", 0))[1]


def test_minus_lowers_at_once_after_plus_was_pressed_past_the_cap(tmp_path: Path) -> None:
    file = tmp_path / "near-the-cap.yaml"
    file.write_text(NEAR_THE_CAP)
    presses = [(10.0, "intensity_up")] * 4 + [(20.0, "intensity_down")]
    run = play(str(file), policy=SafetyPolicy(max_intensity=8), on_tick=_presses(presses))
    assert run.outcome == Outcome.COMPLETED
    assert _heel(run, 9) == 7
    assert _heel(run, 19) == 8  # the cap: three of the four presses could do nothing
    assert _heel(run, 21) == 7  # one `-` lowers at once


def test_each_minus_lowers_until_the_lowest_level(tmp_path: Path) -> None:
    file = tmp_path / "near-the-cap.yaml"
    file.write_text(NEAR_THE_CAP)
    presses = [(10.0 + i, "intensity_down") for i in range(8)]
    run = play(str(file), policy=SafetyPolicy(max_intensity=8), on_tick=_presses(presses))
    levels = [_heel(run, 9.5 + i) for i in range(9)]
    assert levels == [7, 6, 5, 4, 3, 2, 1, 1, 1], levels
