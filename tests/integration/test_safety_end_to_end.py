"""Issue 5's property, end to end: whatever the program and the profile, what reaches the simulator is safe.

A generated program is compiled, limited by the policy for a generated health profile, and played by the
real player on the virtual clock against the simulator — with the user pressing `+` at random moments. Every
SET the simulated device applied is then checked against the profile's and the device's limits, and every
rise against the ramp rule.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controller.cli.simdevice import sim_profile_capabilities
from controller.clock import VirtualClock
from controller.errors import SafetyRefusal
from controller.program.compiler import compile_program
from controller.program.library import program_folders, resolve_program
from controller.program.model import Program
from controller.runs import check_run, make_session
from controller.runs.player import Outcome, Player, Snapshot
from controller.safety.health import HealthProfile
from controller.safety.limits import (
    HARD_MAX_SESSION_S,
    LIGHT_PRESSURE_MAX_INTENSITY,
    PROGRAM_INTENSITY_MAX,
    RAMP_TICK_S,
    to_device_level,
)
from controller.safety.policy import policy_for
from controller.safety.shaping import limit_timeline
from controller.wire.link import Link
from programs import PROGRAMS_DIR
from sim import make_pair
from tests.integration.harness import play
from tests.program.test_properties import programs
from tests.safety.builders import profiles

EPS = 1e-6


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), profiles(), st.sampled_from(["foot", "chair"]),
       st.lists(st.floats(0, 900), max_size=4))
def test_what_reaches_the_device_never_exceeds_a_limit(program: Program, profile: HealthProfile | None,
                                                       device_profile: str, presses: list[float]) -> None:
    caps = sim_profile_capabilities(device_profile)
    policy = policy_for(profile)
    timeline, _ = limit_timeline(compile_program(program, caps, session_limit_s=HARD_MAX_SESSION_S), caps,
                                 policy)
    clock = VirtualClock()
    transport, device = make_pair(clock, profile=device_profile)
    session = make_session(lambda: Link(transport, clock), clock, policy)
    pending = sorted(presses)

    def press_plus(snap: Snapshot) -> None:
        while pending and snap.position_s >= pending[0]:
            pending.pop(0)
            player.controls.intensity_up()

    player = Player(session, timeline, session_limit_s=policy.session_limit_s, on_tick=press_plus)
    assert player.run() in (Outcome.COMPLETED, Outcome.SESSION_LIMIT), session.error
    # a run that sent nothing would pass every check below: every zone the program works must have been on
    asked = {s.zone_id for c in timeline.commands for s in c.settings if s.intensity or s.heat}
    assert asked == {e.zone_id for e in device.timeline if not e.is_off}

    zones = {z.id: z for z in caps.zones}
    rate = policy.ramp_levels_per_s * caps.intensity_max / PROGRAM_INTENSITY_MAX
    step = max(1, math.floor(rate * RAMP_TICK_S + EPS))
    held: dict[int, tuple[int, float]] = {}
    start = device.applied[0].t if device.applied else 0.0
    for applied in device.applied:
        for e in applied.entries:
            zone = zones[e.zone]
            assert e.intensity <= to_device_level(policy.intensity_cap(zone.name), caps.intensity_max)
            assert e.intensity <= caps.intensity_max and e.speed <= caps.speed_max
            assert e.heat == 0 or (zone.heated and policy.max_heat_level > 0 and e.heat <= caps.heat_max)
            before, since = held.get(e.zone, (0, float("-inf")))
            rise = e.intensity - before
            assert rise <= step, (zone.name, before, e.intensity)
            assert rise <= 0 or since == float("-inf") or rise <= rate * (applied.t - since) + EPS
            if e.intensity != before:
                held[e.zone] = (e.intensity, applied.t)
        assert applied.t - start <= min(policy.session_limit_s, caps.max_session_s) + EPS


ELDERLY = HealthProfile(age_group="elderly")


@pytest.mark.parametrize("device_profile", ["foot", "chair"])
@pytest.mark.parametrize("program", sorted(p.stem for p in PROGRAMS_DIR.glob("*.yaml")))
def test_an_elderly_user_never_gets_more_than_light_pressure_on_the_device(program: str,
                                                                           device_profile: str) -> None:
    """Read from what the simulator recorded, not from what the controller meant to send."""
    run = play(program, profile=device_profile, policy=policy_for(ELDERLY))
    caps = sim_profile_capabilities(device_profile)
    cap = to_device_level(LIGHT_PRESSURE_MAX_INTENSITY, caps.intensity_max)
    assert run.device.timeline and max(e.intensity for e in run.device.timeline) <= cap


@pytest.mark.parametrize("conditions", [("neuropathy",), ("deep_vein_thrombosis",)])
@pytest.mark.parametrize("program", sorted(p.stem for p in PROGRAMS_DIR.glob("*.yaml")))
def test_neuropathy_and_dvt_users_are_refused_every_built_in_before_anything_is_sent(
        program: str, conditions: tuple[str, ...]) -> None:
    loaded = resolve_program(program, program_folders([]))
    with pytest.raises(SafetyRefusal, match=conditions[0].split("_")[0]):
        check_run(loaded, HealthProfile(conditions=conditions), acknowledged=True)
