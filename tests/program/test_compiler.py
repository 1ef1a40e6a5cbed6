"""compile_program: names to ids, scaling, ramps, travels, repeats, fallbacks, heat and limits."""

from __future__ import annotations

import dataclasses

import pytest

from controller.cli.simdevice import sim_profile_capabilities
from controller.errors import ProgramErrors
from controller.program.compiler import compile_program
from controller.wire.capabilities import DeviceCapabilities, Zone
from tests.program.helpers import make_program, step

FOOT = sim_profile_capabilities("foot")
CHAIR = sim_profile_capabilities("chair")


def _errors(program, caps: DeviceCapabilities = FOOT, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(ProgramErrors) as caught:
        compile_program(program, caps, **kw)
    return [e.message for e in caught.value.errors]


def test_names_become_device_ids() -> None:
    timeline = compile_program(make_program(step(zones=["kidney", "heel"], motion="press")), FOOT)
    (command,) = timeline.commands
    assert [(s.zone, s.zone_id, s.motion, s.motion_id) for s in command.settings] == [
        ("kidney", 4, "press", 6), ("heel", 6, "press", 6)]
    assert (timeline.program_id, timeline.device_model) == ("test", "FootMate Sim")


@pytest.mark.parametrize(("level", "chair"), [(0, 0), (1, 1), (2, 1), (3, 2), (5, 3), (9, 5), (10, 5)])
def test_intensity_scales_half_up_and_never_to_zero(level: int, chair: int) -> None:
    (command,) = compile_program(make_program(step(intensity=level)), CHAIR).commands
    assert command.settings[0].intensity == chair


@pytest.mark.parametrize(("speed", "chair"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3)])
def test_speed_scales_onto_device_range(speed: int, chair: int) -> None:
    (command,) = compile_program(make_program(step(speed=speed)), CHAIR).commands
    assert command.settings[0].speed == chair


@pytest.mark.parametrize("speed", [1, 2, 3, 4, 5])
def test_a_single_speed_device_gets_speed_1(speed: int) -> None:
    """The gate's scaling rule: a device with no range above 1 never gets a speed past its maximum."""
    caps = dataclasses.replace(CHAIR, speed_max=1)
    (command,) = compile_program(make_program(step(speed=speed)), caps).commands
    assert command.settings[0].speed == 1


@pytest.mark.parametrize(("heat", "heat_max", "device"), [("low", 1, 1), ("high", 1, 1), ("low", 3, 2),
                                                          ("high", 3, 3), ("low", 5, 3), ("low", 2, 1)])
def test_heat_scales_by_the_one_rule(heat: str, heat_max: int, device: int) -> None:
    """off/low/high onto 0..heat_max: ceil(heat_max/2) for low, which is the half-up rule on 0..2."""
    caps = dataclasses.replace(FOOT, heat_max=heat_max)
    (command,) = compile_program(make_program(step(zones=["heel"], heat=heat)), caps).commands
    assert command.settings[0].heat == device


def test_ramp_gives_one_command_per_level_on_whole_seconds() -> None:
    timeline = compile_program(make_program(step(duration="50s", intensity={"from": 2, "to": 6})), FOOT)
    assert [(c.start_s, c.duration_s, c.settings[0].intensity) for c in timeline.commands] == [
        (0, 10, 2), (10, 10, 3), (20, 10, 4), (30, 10, 5), (40, 10, 6)]


def test_ramp_levels_equal_on_the_device_merge() -> None:
    timeline = compile_program(make_program(step(duration="40s", intensity={"from": 4, "to": 1})), CHAIR)
    assert [(c.duration_s, c.settings[0].intensity) for c in timeline.commands] == [(20, 2), (20, 1)]


def test_travel_visits_each_zone_in_order() -> None:
    travel = {"travel": ["heel", "spine_arch", "big_toe_pad"], "each": "20s", "motion": "press",
              "intensity": 5, "speed": 1}
    timeline = compile_program(make_program(travel), FOOT)
    assert [(c.start_s, c.settings[0].zone) for c in timeline.commands] == [
        (0, "heel"), (20, "spine_arch"), (40, "big_toe_pad")]


def test_repeat_unrolls_with_file_order_step_numbers() -> None:
    block = {"name": "loop", "repeat": 2, "steps": [step(duration=5), step(duration=5, zones="ball")]}
    timeline = compile_program(make_program(step(duration=10), block), FOOT)
    assert [(c.start_s, c.step, c.step_name) for c in timeline.commands] == [
        (0, 1, "knead heel"), (10, 3, "loop [1/2]"), (15, 4, "loop [1/2]"),
        (20, 3, "loop [2/2]"), (25, 4, "loop [2/2]")]
    assert timeline.total_s == 30


def test_foot_zones_map_onto_chair_feet_and_merge() -> None:
    (command,) = compile_program(make_program(step(zones=["heel", "ball", "calf"])), CHAIR).commands
    assert [s.zone for s in command.settings] == ["feet", "calves"]


def test_missing_zone_names_zone_and_device() -> None:
    messages = _errors(make_program(step(zones=["neck"])))
    assert messages[0].startswith("zone 'neck' is not on FootMate Sim")


def test_declared_zone_fallback_is_used() -> None:
    program = make_program(step(zones=["neck"]), fallbacks={"zones": {"neck": "calf"}})
    (command,) = compile_program(program, FOOT).commands
    assert command.settings[0].zone == "calf"


def test_unsupported_motion_needs_a_fallback() -> None:
    assert _errors(make_program(step(motion="swing")), CHAIR)[0].startswith(
        "motion 'swing' is not supported by ReclineRelax Sim")
    program = make_program(step(motion="swing"), fallbacks={"motions": {"swing": "roll"}})
    assert compile_program(program, CHAIR).commands[0].settings[0].motion == "roll"


def test_heat_goes_only_to_heated_zones() -> None:
    (command,) = compile_program(make_program(step(zones=["toe_tips", "heel"], heat="high")), FOOT).commands
    assert [(s.zone, s.heat) for s in command.settings] == [("toe_tips", 0), ("heel", 2)]


def test_heat_on_no_heated_zone_is_an_error_unless_skipped() -> None:
    assert "none of toe_tips is heated" in _errors(make_program(step(zones="toe_tips", heat="low")))[0]
    program = make_program(step(zones="toe_tips", heat="low"), fallbacks={"heat": "skip"})
    assert compile_program(program, FOOT).commands[0].settings[0].heat == 0


def test_heat_scales_to_device_heat_max() -> None:
    caps = dataclasses.replace(FOOT, heat_max=3)
    levels = [compile_program(make_program(step(heat=h)), caps).commands[0].settings[0].heat
              for h in ("low", "high")]
    assert levels == [2, 3]


def test_device_without_heater() -> None:
    caps = dataclasses.replace(FOOT, heat_max=0, zones=(Zone(6, "heel", False),))
    assert "has no heater" in _errors(make_program(step(heat="low")), caps)[0]


def test_session_limit_is_enforced_before_unrolling() -> None:
    block = {"repeat": 100, "steps": [{"repeat": 100, "steps": [step(duration="30m")]}]}
    messages = _errors(make_program(block))
    assert messages == ["program lasts 300000m (18000000 s); the session limit is 15m (900 s)"]
    assert compile_program(make_program(step(duration="20m")), FOOT, session_limit_s=1800).total_s == 1200


def test_every_error_is_reported_once() -> None:
    block = {"repeat": 3, "steps": [step(zones=["neck"]), step(motion="swing")]}
    messages = _errors(make_program(block), CHAIR)
    assert len(messages) == 1 and "swing" in messages[0]
