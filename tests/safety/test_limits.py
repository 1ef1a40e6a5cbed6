"""limit_timeline and clamp_live: worked examples, then properties over any timeline, device and profile."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from controller.safety.assess import Level
from controller.safety.gate import clamp_live
from controller.safety.health import HealthProfile, PersonalLimits
from controller.safety.limits import DEVICE_CAP_MARGIN_S, fit_device_cap, to_device_level
from controller.safety.policy import policy_for
from controller.safety.shaping import limit_timeline
from controller.timeline import Command, Timeline, ZoneSetting
from controller.wire.capabilities import DeviceCapabilities
from tests.safety.builders import (
    CHAIR,
    FOOT,
    assert_within_limits,
    device_caps,
    levels,
    max_rise,
    profiles,
    ramp_of,
    setting,
    timeline,
    timelines,
    zone_settings,
)

# ---- examples -------------------------------------------------------------------------------------------


def test_a_program_within_every_limit_passes_unchanged() -> None:
    tl = timeline(FOOT, (30.0, (setting(FOOT, "heel", 1),)), (30.0, (setting(FOOT, "heel", 1, heat=1),)))
    limited, findings = limit_timeline(tl, FOOT, policy_for(None))
    assert limited == tl and findings == []


def test_intensity_is_capped_in_device_units_and_the_finding_says_why() -> None:
    tl = timeline(CHAIR, (60.0, (setting(CHAIR, "neck", 1),)), (60.0, (setting(CHAIR, "neck", 5),)))
    limited, findings = limit_timeline(tl, CHAIR, policy_for(HealthProfile(age_group="elderly")))
    assert max(s.intensity for c in limited.commands for s in c.settings) == 2  # 4/10 on a 0..5 chair
    assert str(findings[0]) == "LIMITED: program steps 2: intensity lowered to 4/10 (elderly: light pressure)"


def test_heat_is_removed_for_reduced_sensation() -> None:
    tl = timeline(FOOT, (60.0, (setting(FOOT, "heel", 2, heat=2),)))
    limited, findings = limit_timeline(tl, FOOT, policy_for(HealthProfile(conditions=("neuropathy",))))
    assert all(s.heat == 0 for c in limited.commands for s in c.settings)
    expected = ("LIMITED: program steps 1: heat removed (neuropathy: no heat; "
                "always off on zones without a heater)")
    assert expected in [str(f) for f in findings]


def test_the_session_limit_ends_a_long_program_with_a_soft_stop() -> None:
    tl = timeline(FOOT, (500.0, (setting(FOOT, "heel", 1),)), (500.0, (setting(FOOT, "ball", 1),)))
    limited, findings = limit_timeline(tl, FOOT, policy_for(HealthProfile(conditions=("edema",))))
    assert limited.total_s == 600.0
    assert limited.commands[-1].duration_s == 100.0
    assert "LIMITED: this 16:40 program is ended at 10:00 with a soft stop: edema: time limited" in [
        str(f) for f in findings]


def test_a_rise_becomes_a_staircase_and_a_fall_is_immediate() -> None:
    tl = timeline(FOOT, (10.0, (setting(FOOT, "heel", 0),)), (10.0, (setting(FOOT, "heel", 4),)),
                  (10.0, (setting(FOOT, "heel", 0),)))
    limited, findings = limit_timeline(tl, FOOT, policy_for(None))
    # 2 levels/s on a 0..10 device: one level every 0.5 s
    assert [(c.start_s, levels(c)[6]) for c in limited.commands] == [
        (0.0, 0), (10.0, 1), (10.5, 2), (11.0, 3), (11.5, 4), (20.0, 0)]
    assert [f.level for f in findings] == [Level.LIMIT]
    assert findings[0].message == "3 ramp steps added so no zone rises faster than 2 levels/s"


def test_zones_the_device_lacks_are_dropped() -> None:
    bogus = ZoneSetting("tail", 99, "knead", 2, 3, 2, 0)
    tl = timeline(FOOT, (10.0, (bogus, setting(FOOT, "heel", 1))))
    limited, findings = limit_timeline(tl, FOOT, policy_for(None))
    assert [s.zone for s in limited.commands[0].settings] == ["heel"]
    assert findings[0].message == "program steps 1: zones the FootMate Sim does not report dropped"


def test_to_device_level_matches_the_compiler_rounding() -> None:
    assert [to_device_level(level, 5) for level in range(11)] == [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert [to_device_level(level, 2, 2) for level in range(3)] == [0, 1, 2]
    assert to_device_level(1, 3, 2) == 2  # heat "low" on a 0..3 heater: ceil(3/2)


def test_clamp_live_caps_a_live_plus_and_lets_a_stop_through() -> None:
    policy = policy_for(HealthProfile(limits=PersonalLimits(max_intensity=5)))
    previous = (setting(FOOT, "heel", 3),)
    up = (setting(FOOT, "heel", 10),)
    assert clamp_live(previous, up, 60.0, FOOT, policy) == (setting(FOOT, "heel", 4),)
    assert clamp_live(previous, (setting(FOOT, "heel", 10),), 0.1, FOOT, policy) == previous
    assert clamp_live(previous, (setting(FOOT, "heel", 0),), 0.0, FOOT, policy) == (setting(FOOT, "heel", 0),)
    assert clamp_live(previous, (), 0.0, FOOT, policy) == ()


def test_clamp_live_turns_heat_off_at_the_skin_contact_limit() -> None:
    warm = (setting(FOOT, "heel", 2, heat=2),)
    policy = policy_for(None)
    assert clamp_live(warm, warm, 1.0, FOOT, policy, skin_temp_c=40.9) == warm
    assert clamp_live(warm, warm, 1.0, FOOT, policy, skin_temp_c=41.0)[0].heat == 0


# ---- properties -----------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(data=st.data(), caps=device_caps(), profile=profiles())
def test_limit_timeline_never_exceeds_a_limit(
    data: st.DataObject, caps: DeviceCapabilities, profile: HealthProfile | None
) -> None:
    policy = policy_for(profile)
    tl: Timeline = data.draw(timelines(caps))
    limited, _ = limit_timeline(tl, caps, policy)
    limit_s = fit_device_cap(policy.session_limit_s, caps.max_session_s)  # ends before the device's cap
    assert limit_s <= min(policy.session_limit_s, max(0, caps.max_session_s - DEVICE_CAP_MARGIN_S))
    assert limited.total_s <= limit_s + 1e-6
    assert math.isclose(limited.total_s, min(tl.total_s, limit_s))
    previous: Command | None = None
    for command in limited.commands:
        assert command.duration_s > 0
        assert_within_limits(command.settings, caps, policy)
        if previous is not None:
            assert math.isclose(command.start_s, previous.end_s)
        held_s = previous.duration_s if previous else math.inf
        before = levels(previous)
        for s in command.settings:
            assert s.intensity - before.get(s.zone_id, 0) <= max_rise(held_s, caps, policy)
        previous = command


@settings(max_examples=200, deadline=None)
@given(data=st.data(), caps=device_caps(), profile=profiles())
def test_no_zone_rises_faster_than_the_ramp_rate_over_any_window(
    data: st.DataObject, caps: DeviceCapabilities, profile: HealthProfile | None
) -> None:
    policy = policy_for(profile)
    limited, _ = limit_timeline(data.draw(timelines(caps)), caps, policy)
    rate, step = ramp_of(caps, policy)
    commands = limited.commands
    for i, early in enumerate(commands):
        for late in commands[i + 1:]:
            for s in late.settings:
                rise = s.intensity - levels(early).get(s.zone_id, 0)
                assert rise <= step + rate * (late.start_s - early.start_s) + 1e-6


@settings(max_examples=200, deadline=None)
@given(data=st.data(), caps=device_caps(), profile=profiles())
def test_the_runner_gate_passes_a_limited_timeline_unchanged(
    data: st.DataObject, caps: DeviceCapabilities, profile: HealthProfile | None
) -> None:
    policy = policy_for(profile)
    limited, _ = limit_timeline(data.draw(timelines(caps)), caps, policy)
    previous: tuple[ZoneSetting, ...] = ()
    held_s = math.inf
    for command in limited.commands:
        assert clamp_live(previous, command.settings, held_s, caps, policy) == command.settings
        previous, held_s = command.settings, command.duration_s


@settings(max_examples=500, deadline=None)
@given(data=st.data(), caps=device_caps(), profile=profiles(),
       elapsed_s=st.one_of(st.floats(-5, 3600, allow_nan=False), st.just(math.inf)),
       skin_temp_c=st.none() | st.floats(20, 60))
def test_clamp_live_never_lets_a_request_past_a_limit(
    data: st.DataObject, caps: DeviceCapabilities, profile: HealthProfile | None, elapsed_s: float,
    skin_temp_c: float | None,
) -> None:
    policy = policy_for(profile)
    previous = clamp_live((), data.draw(zone_settings(caps)), math.inf, caps, policy)
    requested = data.draw(zone_settings(caps))
    sent = clamp_live(previous, requested, elapsed_s, caps, policy, skin_temp_c=skin_temp_c)
    assert_within_limits(sent, caps, policy)
    before = {s.zone_id: s.intensity for s in previous}
    for s in sent:
        assert s.intensity - before.get(s.zone_id, 0) <= max(0, max_rise(elapsed_s, caps, policy))
        if skin_temp_c is not None and skin_temp_c >= policy.skin_contact_max_c:
            assert s.heat == 0
    asked = {r.zone_id: r for r in requested}
    for s in sent:  # never more than asked: the gate only ever lowers
        assert s.intensity <= max(asked[s.zone_id].intensity, 0) and s.heat <= max(asked[s.zone_id].heat, 0)
