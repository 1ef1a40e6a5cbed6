"""limit_timeline's ramp across a gap (issue 14: the gap branch of the ramp rule never ran)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from controller.safety.health import HealthProfile, PersonalLimits
from controller.safety.policy import policy_for
from controller.safety.shaping import limit_timeline
from controller.timeline import Command, Timeline
from tests.safety.builders import FOOT, setting

HEEL_5 = (setting(FOOT, "heel", 5),)


def _levels(timeline: Timeline, step: int) -> list[tuple[float, int]]:
    return [(c.start_s, c.settings[0].intensity) for c in timeline.commands if c.step == step]


def test_after_a_gap_a_zone_ramps_up_again_from_off() -> None:
    """Between two commands with a gap the device is off, so the second rises from 0 again."""
    program = Timeline("t", "T", FOOT.model, (Command(0.0, 10.0, 1, "one", HEEL_5),
                                               Command(20.0, 10.0, 2, "two", HEEL_5)))
    limited, findings = limit_timeline(program, FOOT, policy_for(None))
    assert _levels(limited, 2) == [(20.0, 1), (20.5, 2), (21.0, 3), (21.5, 4), (22.0, 5)]
    assert any("ramp steps added" in str(f) for f in findings)


def test_back_to_back_the_level_is_held_without_a_new_ramp() -> None:
    program = Timeline("t", "T", FOOT.model, (Command(0.0, 10.0, 1, "one", HEEL_5),
                                               Command(10.0, 10.0, 2, "two", HEEL_5)))
    limited, _ = limit_timeline(program, FOOT, policy_for(None))
    assert _levels(limited, 2) == [(10.0, 5)]
    assert [level for _, level in _levels(limited, 1)] == [1, 2, 3, 4, 5]


def test_a_program_exactly_as_long_as_the_session_limit_is_not_cut() -> None:
    policy = policy_for(None)
    for total_s, cut in ((policy.session_limit_s, False), (policy.session_limit_s + 1, True)):
        program = Timeline("t", "T", FOOT.model, (Command(0.0, total_s, 1, "one", HEEL_5),))
        limited, findings = limit_timeline(program, FOOT, policy)
        assert any("with a soft stop" in str(f) for f in findings) is cut
        assert limited.total_s == policy.session_limit_s


def test_a_device_cap_below_the_policy_s_limit_is_named_in_the_findings() -> None:
    short_cap = replace(FOOT, max_session_s=600)
    program = Timeline("t", "T", FOOT.model, (Command(0.0, 60.0, 1, "one", HEEL_5),))
    limited, findings = limit_timeline(program, short_cap, policy_for(None))
    assert [str(f) for f in findings if "session limit lowered" in str(f)] == [
        "LIMITED: session limit lowered from 15:00 to 9:50: it ends 10 s before the device's own "
        "session cap of 10:00"]
    _, roomy = limit_timeline(program, FOOT, policy_for(None))
    assert not any("session limit lowered" in str(f) for f in roomy)


@pytest.mark.parametrize(("zone_limit", "says_zeroed"), [(0, True), (1, False), (3, False)])
def test_the_heat_finding_says_when_a_zone_limited_to_0_lost_heat(zone_limit: int, says_zeroed: bool) -> None:
    limits = PersonalLimits(no_heat=True, zone_max_intensity={"heel": zone_limit})
    policy = policy_for(HealthProfile(limits=limits))
    warm = (setting(FOOT, "heel", 2, heat=2),)
    _, findings = limit_timeline(Timeline("t", "T", FOOT.model, (Command(0.0, 60.0, 1, "one", warm),)),
                                 FOOT, policy)
    (heat,) = [str(f) for f in findings if "heat removed" in str(f)]
    assert ("or limited to 0" in heat) is says_zeroed


@pytest.mark.parametrize(("loud", "named"), [
    ({1, 2, 3, 7}, "1-3, 7"), ({5}, "5"), ({2, 3}, "2-3"), ({1, 3, 5}, "1, 3, 5"), ({6, 7, 8}, "6-8"),
    ({1, 3, 4}, "1, 3-4")])
def test_the_steps_a_limit_changed_are_named_as_ranges(loud: set[int], named: str) -> None:
    level = {i: 9 if i in loud else 2 for i in range(1, 9)}
    commands = tuple(Command(10.0 * (i - 1), 10.0, i, f"s{i}", (setting(FOOT, "heel", level[i]),))
                     for i in level)
    _, findings = limit_timeline(Timeline("t", "T", FOOT.model, commands), FOOT, policy_for(None))
    assert [str(f) for f in findings if "intensity lowered" in str(f)] == [
        f"LIMITED: program steps {named}: intensity lowered to 8/10 (the default limit)"]


def test_after_a_short_gap_the_ramp_counts_from_the_gap_s_start() -> None:
    """Off for 0.2 s is less than a ramp tick: the first level comes a tick after the device went off."""
    program = Timeline("t", "T", FOOT.model, (Command(0.0, 10.0, 1, "one", HEEL_5),
                                               Command(10.2, 10.0, 2, "two", HEEL_5)))
    limited, _ = limit_timeline(program, FOOT, policy_for(None))
    assert _levels(limited, 2)[:3] == [(10.2, 0), (10.7, 1), (11.2, 2)]


def test_a_command_with_nothing_on_stays_one_command() -> None:
    program = Timeline("t", "T", FOOT.model, (Command(0.0, 10.0, 1, "rest", ()),))
    limited, findings = limit_timeline(program, FOOT, policy_for(None))
    assert limited.commands == program.commands and findings == []
