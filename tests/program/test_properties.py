"""Property tests: compiling is deterministic, timelines add up, levels stay in range, programs round-trip."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from controller.cli.simdevice import sim_profile_capabilities
from controller.program.authoring import dump_program, starter_program
from controller.program.compiler import compile_program
from controller.program.duration import format_duration, parse_duration
from controller.program.loader import load_program_bytes
from controller.program.model import Program
from controller.program.vocabulary import HEAT_NAMES, MOTION_NAMES
from controller.safety.limits import HARD_MAX_SESSION_S
from controller.zones import FOOT_SOLE_ZONES
from tests.program.helpers import program_data

DEVICES = [sim_profile_capabilities("foot"), sim_profile_capabilities("chair")]
ZONES = sorted(FOOT_SOLE_ZONES | {"calf"})
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

levels = st.integers(0, 10)
intensity = st.one_of(levels, st.builds(lambda a, b: {"from": a, "to": b}, levels, levels))
durations = st.one_of(st.integers(1, 90), st.integers(1, 90).map(format_duration))
common = {
    "motion": st.sampled_from(MOTION_NAMES),
    "intensity": intensity,
    "speed": st.integers(1, 5),
    "heat": st.sampled_from(HEAT_NAMES),
}
plain = st.fixed_dictionaries(
    {"duration": durations, "zones": st.lists(st.sampled_from(ZONES), min_size=1, max_size=4, unique=True),
     **common},
    optional={"name": st.text("abc xyz", min_size=1, max_size=10)},
)
travel = st.fixed_dictionaries(
    {"travel": st.lists(st.sampled_from(ZONES), min_size=2, max_size=4, unique=True),
     "each": st.integers(1, 30), **common},
)
leaf = st.one_of(plain, travel)


def _block(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"repeat": st.integers(1, 3), "steps": st.lists(inner, min_size=1, max_size=3)})


steps = st.one_of(leaf, _block(leaf), _block(st.one_of(leaf, _block(leaf))))  # nesting the format allows


@st.composite
def programs(draw: st.DrawFn) -> Program:
    data: dict[str, Any] = program_data(
        *draw(st.lists(steps, min_size=1, max_size=4)),
        fallbacks={"motions": {"swing": "roll"}, "heat": "skip"},
    )
    program = Program.model_validate(data)
    assume(program.total_s <= HARD_MAX_SESSION_S)
    return program


@FAST
@given(programs())
def test_compiling_is_deterministic(program: Program) -> None:
    for caps in DEVICES:
        assert compile_program(program, caps, session_limit_s=HARD_MAX_SESSION_S) == compile_program(
            program, caps, session_limit_s=HARD_MAX_SESSION_S)


@FAST
@given(programs())
def test_durations_add_up_without_gaps(program: Program) -> None:
    for caps in DEVICES:
        timeline = compile_program(program, caps, session_limit_s=HARD_MAX_SESSION_S)
        assert sum(c.duration_s for c in timeline.commands) == program.total_s == timeline.total_s
        ends = [0.0] + [c.end_s for c in timeline.commands[:-1]]
        assert [c.start_s for c in timeline.commands] == ends
        assert all(c.duration_s > 0 for c in timeline.commands)


@FAST
@given(programs())
def test_levels_stay_in_the_device_range(program: Program) -> None:
    for caps in DEVICES:
        heated = {z.name for z in caps.zones if z.heated}
        for command in compile_program(program, caps, session_limit_s=HARD_MAX_SESSION_S).commands:
            for s in command.settings:
                assert 0 <= s.intensity <= caps.intensity_max
                assert 1 <= s.speed <= caps.speed_max
                assert 0 <= s.heat <= caps.heat_max and (s.heat == 0 or s.zone in heated)
                assert s.motion in caps.motions and caps.zone(s.zone) is not None


@FAST
@given(programs())
def test_program_written_back_out_validates_unchanged(program: Program) -> None:
    assert load_program_bytes(dump_program(program).encode(), "round.yaml").program == program


@settings(max_examples=40, deadline=None)
@given(st.from_regex(r"[a-z0-9][a-z0-9_-]{0,39}", fullmatch=True))
def test_new_output_validates(program_id: str) -> None:
    program = load_program_bytes(starter_program(program_id).encode(), "new.yaml").program
    assert program.id == program_id
    for caps in DEVICES:
        compile_program(program, caps)


@given(st.integers(1, HARD_MAX_SESSION_S))
def test_durations_round_trip(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds
    assert parse_duration(str(seconds)) == seconds == parse_duration(seconds)
