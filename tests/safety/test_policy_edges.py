"""Every policy bound at its edge: the last value allowed is allowed and the first one past it is refused
(issue 14: the bounds were tested only far from their edges, so `<` for `<=` went unnoticed)."""

from __future__ import annotations

import pytest

from controller.cli.simdevice import sim_profile_capabilities
from controller.errors import SafetyRefusal
from controller.program.compiler import compile_program
from controller.safety.limits import (
    DEVICE_CAP_MARGIN_S,
    HARD_MAX_INTENSITY,
    HARD_MAX_SESSION_S,
    MAX_RAMP_LEVELS_PER_S,
    MIN_SESSION_LIMIT_S,
    PROGRAM_HEAT_MAX,
    PROGRAM_SPEED_MAX,
    SKIN_CONTACT_MAX_C,
    fit_device_cap,
)
from controller.safety.policy import SafetyPolicy, policy_for
from tests.program.helpers import make_program, step


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_intensity", 0), ("max_intensity", HARD_MAX_INTENSITY),
     ("zone_max_intensity", (("calf", 0),)), ("zone_max_intensity", (("calf", HARD_MAX_INTENSITY),)),
     ("ramp_levels_per_s", 0.5), ("ramp_levels_per_s", MAX_RAMP_LEVELS_PER_S),
     ("max_heat_level", 0), ("max_heat_level", PROGRAM_HEAT_MAX),
     ("skin_contact_max_c", 0.5), ("skin_contact_max_c", SKIN_CONTACT_MAX_C),
     ("session_limit_s", 0.5), ("session_limit_s", HARD_MAX_SESSION_S),
     ("min_pause_s", 0), ("min_pause_s", 0.5)],
)
def test_a_policy_at_the_edge_of_a_bound_is_built(field: str, value: object) -> None:
    assert getattr(SafetyPolicy(**{field: value}), field) == value  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_intensity", HARD_MAX_INTENSITY + 1), ("zone_max_intensity", (("calf", -1),)),
     ("ramp_levels_per_s", 0), ("ramp_levels_per_s", MAX_RAMP_LEVELS_PER_S + 0.01),
     ("max_heat_level", -1), ("max_heat_level", PROGRAM_HEAT_MAX + 1),
     ("skin_contact_max_c", 0), ("skin_contact_max_c", -0.5),
     ("skin_contact_max_c", SKIN_CONTACT_MAX_C + 0.01),
     ("session_limit_s", -0.5), ("session_limit_s", HARD_MAX_SESSION_S + 0.01), ("min_pause_s", -0.01)],
)
def test_a_policy_just_past_a_bound_is_refused(field: str, value: object) -> None:
    with pytest.raises(SafetyRefusal, match=f"safety policy: {field} must be within"):
        SafetyPolicy(**{field: value})  # type: ignore[arg-type]


def test_the_shortest_and_longest_session_limits_are_accepted() -> None:
    assert policy_for(None, session_limit_s=MIN_SESSION_LIMIT_S).session_limit_s == MIN_SESSION_LIMIT_S
    assert policy_for(None, session_limit_s=HARD_MAX_SESSION_S).session_limit_s == HARD_MAX_SESSION_S
    for seconds in (MIN_SESSION_LIMIT_S - 0.5, HARD_MAX_SESSION_S + 0.5):
        with pytest.raises(SafetyRefusal, match="session limit"):
            policy_for(None, session_limit_s=seconds)


def test_max_intensity_zero_is_refused_not_read_as_the_default() -> None:
    """policy_for(max_intensity=0) once became the default 8: a user asking for nothing got 8."""
    with pytest.raises(SafetyRefusal, match=r"maximum intensity 0 is outside 1\.\.10"):
        policy_for(None, max_intensity=0)
    assert policy_for(None, max_intensity=1).max_intensity == 1
    assert policy_for(None, max_intensity=1).intensity_reason == "--max-intensity"


def test_the_host_ends_a_margin_before_the_device_s_own_cap() -> None:
    assert fit_device_cap(900, 1800) == 900
    assert fit_device_cap(1800, 1800) == 1800 - DEVICE_CAP_MARGIN_S
    assert fit_device_cap(900, DEVICE_CAP_MARGIN_S + 1) == 1
    assert fit_device_cap(900, 5) == 0  # a cap shorter than the margin: nothing may run
    assert fit_device_cap(900, 0) == 900  # 0: the device reports no cap of its own


def test_program_speed_is_1_to_5_and_scales_onto_the_device_s_range() -> None:
    assert make_program(step(speed=PROGRAM_SPEED_MAX)).steps[0].speed == 5  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="less than or equal to 5"):
        make_program(step(speed=PROGRAM_SPEED_MAX + 1))
    chair = sim_profile_capabilities("chair")  # speeds 1..3
    speeds = [compile_program(make_program(step(speed=s)), chair).commands[0].settings[0].speed
              for s in range(1, 6)]
    assert speeds == [1, 2, 2, 3, 3]
    assert fit_device_cap(900, 1) == 0  # a 1 s cap: nothing may run
