"""limit_timeline's ramp across a gap (issue 14: the gap branch of the ramp rule never ran)."""

from __future__ import annotations

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
