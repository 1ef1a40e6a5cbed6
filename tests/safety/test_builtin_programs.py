"""The issue's check: an elderly user, a user with neuropathy and one with deep-vein thrombosis, against
every built-in program on both simulated devices. Nothing is skipped: each pair is refused with a reason or
limited so that no command is beyond a limit."""

from __future__ import annotations

import math

import pytest

from controller.program.check import compile_loaded, program_meta
from controller.program.library import ProgramFolder, scan_folder
from controller.program.loader import LoadedProgram
from controller.safety.assess import Level, assess
from controller.safety.gate import clamp_live
from controller.safety.health import HealthProfile
from controller.safety.limits import HARD_MAX_SESSION_S, LIGHT_PRESSURE_MAX_INTENSITY
from controller.safety.policy import policy_for
from controller.safety.shaping import limit_timeline
from controller.wire.capabilities import DeviceCapabilities
from programs import PROGRAMS_DIR
from tests.safety.builders import CHAIR, FOOT, assert_ramp_holds, assert_within_limits

BUILT_IN = scan_folder(ProgramFolder(PROGRAMS_DIR, "built-in"))
USERS = {
    "elderly": HealthProfile(age_group="elderly"),
    "neuropathy": HealthProfile(conditions=("neuropathy",)),
    "deep_vein_thrombosis": HealthProfile(conditions=("deep_vein_thrombosis",)),
}


def test_the_built_in_library_is_there_and_valid() -> None:
    assert len(BUILT_IN) >= 8
    assert [e.errors for e in BUILT_IN if e.loaded is None] == []


def _loaded(file_name: str) -> LoadedProgram:
    entry = next(e for e in BUILT_IN if e.file.name == file_name)
    assert entry.loaded is not None
    return entry.loaded


@pytest.mark.parametrize("caps", [FOOT, CHAIR], ids=["foot", "chair"])
@pytest.mark.parametrize("user", list(USERS))
@pytest.mark.parametrize("file_name", [e.file.name for e in BUILT_IN])
def test_every_built_in_program_for_each_user(file_name: str, user: str, caps: DeviceCapabilities) -> None:
    loaded, profile = _loaded(file_name), USERS[user]
    meta = program_meta(loaded)
    policy = policy_for(profile)
    verdict = assess(meta, profile, acknowledged=True, policy=policy)
    refusals = [f for f in verdict.findings if f.level is Level.REFUSE]
    if user == "deep_vein_thrombosis":
        assert refusals and all(f.condition == user for f in refusals)
    if user == "neuropathy":  # refused exactly when the program says so, naming the line
        declared = [d for d in meta.contraindications if d.condition == user]
        assert [f.where for f in refusals] == [meta.where(d) for d in declared]
    if user == "elderly":  # limited, never refused: every program is checked command by command
        assert not verdict.refused
    if verdict.refused:
        return
    timeline = compile_loaded(loaded, caps, session_limit_s=HARD_MAX_SESSION_S)
    limited, _ = limit_timeline(timeline, caps, policy)
    assert limited.total_s <= policy.session_limit_s + 1e-6
    assert policy.max_intensity <= LIGHT_PRESSURE_MAX_INTENSITY
    for command in limited.commands:
        assert_within_limits(command.settings, caps, policy)
    assert_ramp_holds(limited.commands, caps, policy)
    previous, held_s = (), math.inf  # the runner's gate changes nothing of a limited timeline
    for command in limited.commands:
        assert clamp_live(previous, command.settings, held_s, caps, policy) == command.settings
        previous, held_s = command.settings, command.duration_s
    if user == "neuropathy":
        assert all(s.heat == 0 for c in limited.commands for s in c.settings)
