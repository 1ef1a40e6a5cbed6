"""What declaring each condition does, by behaviour (issue 14): the table's flags were pinned only by a
comparison with docs/safety.md, so a flag dropped from both went unnoticed. The expectations here are
written out, not read from CONDITION_RULES."""

from __future__ import annotations

import pytest

from controller.errors import SafetyRefusal
from controller.safety.assess import DeclaredCondition, Level, ProgramMeta, assess
from controller.safety.health import CONDITIONS, HealthProfile, PersonalLimits
from controller.safety.limits import (
    DEFAULT_MAX_HEAT_LEVEL,
    DEFAULT_MAX_INTENSITY,
    DEFAULT_SESSION_LIMIT_S,
    LIGHT_PRESSURE_MAX_INTENSITY,
    SHORT_SESSION_LIMIT_S,
)
from controller.safety.policy import policy_for

# condition: (refused whatever, needs acknowledgement, light pressure, no heat, short session)
EXPECTED = {
    "deep_vein_thrombosis": (True, False, False, False, False),
    "fracture": (True, False, False, False, False),
    "infection": (True, False, False, False, False),
    "edema": (False, True, True, False, True),
    "advanced_diabetes": (False, True, True, True, False),
    "neuropathy": (False, True, True, True, False),
    "beriberi": (False, True, True, True, False),
    "warts": (False, True, False, False, False),
    "pregnancy": (False, True, False, True, False),
    "pacemaker": (False, True, False, True, False),
    "high_blood_pressure": (False, True, False, False, False),
    "elderly": (False, False, True, False, False),
}
PLAIN = ProgramMeta(id="plain", name="Plain", file="plain.yaml")


def test_every_condition_is_in_the_expectations() -> None:
    assert set(EXPECTED) == set(CONDITIONS)


@pytest.mark.parametrize("condition", sorted(EXPECTED))
def test_what_declaring_a_condition_does(condition: str) -> None:
    refused, needs_ack, light, no_heat, short = EXPECTED[condition]
    profile = HealthProfile(conditions=(condition,))
    unacknowledged = assess(PLAIN, profile, acknowledged=False)
    acknowledged = assess(PLAIN, profile, acknowledged=True)
    assert acknowledged.refused is refused
    assert unacknowledged.needs_acknowledgement is needs_ack
    assert unacknowledged.refused is (refused or needs_ack)
    policy = policy_for(profile)
    assert policy.max_intensity == (LIGHT_PRESSURE_MAX_INTENSITY if light else DEFAULT_MAX_INTENSITY)
    assert policy.max_heat_level == (0 if no_heat else DEFAULT_MAX_HEAT_LEVEL)
    assert policy.session_limit_s == (SHORT_SESSION_LIMIT_S if short else DEFAULT_SESSION_LIMIT_S)


def test_personal_limits_cannot_be_changed_after_they_are_read() -> None:
    limits = PersonalLimits(max_intensity=3, no_heat=True)
    for field, value in (("max_intensity", 10), ("no_heat", False), ("session_limit_s", 1800)):
        with pytest.raises(ValueError, match="frozen"):
            setattr(limits, field, value)
    assert (limits.max_intensity, limits.no_heat, limits.session_limit_s) == (3, True, None)
    with pytest.raises(ValueError, match="frozen"):
        HealthProfile(limits=limits).limits = PersonalLimits()  # type: ignore[misc]


def test_a_refusal_never_suggests_acknowledging_it() -> None:
    """--acknowledge cannot run a refused program, so the refusal must not suggest it; a caution does."""
    refused = assess(PLAIN, HealthProfile(conditions=("fracture", "warts")), acknowledged=False)
    with pytest.raises(SafetyRefusal) as caught:
        refused.raise_if_refused()
    assert "run again with --acknowledge" not in str(caught.value)
    cautioned = assess(PLAIN, HealthProfile(conditions=("warts",)), acknowledged=False)
    with pytest.raises(SafetyRefusal, match="run again with --acknowledge"):
        cautioned.raise_if_refused()


def test_the_note_on_undeclared_contraindications_points_at_the_first() -> None:
    program = ProgramMeta(id="p", name="P", file="p.yaml", contraindications=(
        DeclaredCondition("edema", 7), DeclaredCondition("warts", 9)))
    (note,) = [f for f in assess(program, None, acknowledged=False).findings if f.level is Level.INFO]
    assert note.where == "p.yaml:7" and "(declared at p.yaml:7)" in str(note)
    assert "edema (fluid retention), warts" in str(note)
