"""assess: every refusal, caution and limit, with the message it gives and where the program declares it."""

from __future__ import annotations

import pytest

from controller.errors import SafetyRefusal
from controller.safety.assess import Assessment, DeclaredCondition, Finding, Level, ProgramMeta, assess
from controller.safety.health import HealthProfile, PersonalLimits

SLEEP = ProgramMeta(
    id="sleep", name="Sleep", file="programs/sleep.yaml",
    contraindications=(DeclaredCondition("edema", 7), DeclaredCondition("neuropathy", 8)),
    cautions=(DeclaredCondition("high_blood_pressure", 11, "keep it gentle"),),
    uses_heat=False,
)
HEATED = ProgramMeta(id="warm", name="Warm", file="warm.yaml", uses_heat=True)


def _user(*conditions: str, **limits: object) -> HealthProfile:
    return HealthProfile(conditions=conditions, limits=PersonalLimits(**limits))  # type: ignore[arg-type]


def _only(assessment: Assessment, level: Level) -> list[Finding]:
    return [f for f in assessment.findings if f.level is level]


def test_a_contraindicated_program_is_refused_naming_the_condition_and_the_line() -> None:
    result = assess(SLEEP, _user("neuropathy"), acknowledged=False)
    (refusal,) = _only(result, Level.REFUSE)
    assert str(refusal) == ("REFUSED: 'Sleep' is not for people with neuropathy (reduced sensation): "
                            "the program declares it a contraindication at programs/sleep.yaml:8")
    assert (refusal.condition, refusal.where) == ("neuropathy", "programs/sleep.yaml:8")
    assert result.refused


def test_a_contraindication_cannot_be_forced_by_acknowledging() -> None:
    result = assess(SLEEP, _user("edema"), acknowledged=True)
    assert result.refused
    with pytest.raises(SafetyRefusal, match="programs/sleep.yaml:7") as err:
        result.raise_if_refused()
    assert "--acknowledge" not in str(err.value)


@pytest.mark.parametrize(
    ("condition", "why"),
    [("deep_vein_thrombosis", "pressure on the legs or feet could dislodge a clot"),
     ("fracture", "pressure on an unhealed fracture can harm it"),
     ("infection", "massage can spread an infection")],
)
def test_some_conditions_are_refused_for_every_program(condition: str, why: str) -> None:
    plain = ProgramMeta(id="p", name="Plain")  # declares nothing
    result = assess(plain, _user(condition), acknowledged=True)
    (refusal,) = _only(result, Level.REFUSE)
    assert refusal.message.startswith("no program runs for people with ")
    assert refusal.message.endswith(why)
    assert result.refused


def test_a_matching_caution_needs_an_acknowledgement() -> None:
    result = assess(SLEEP, _user("high_blood_pressure"), acknowledged=False)
    (caution,) = _only(result, Level.CAUTION)
    assert caution.message == (
        "'Sleep' declares high blood pressure a caution at programs/sleep.yaml:11 (keep it gentle); "
        "consult a health-care provider; a program is a complement, never a treatment")
    assert caution.where == "programs/sleep.yaml:11"
    assert result.needs_acknowledgement and result.refused
    with pytest.raises(SafetyRefusal, match="run again with --acknowledge"):
        result.raise_if_refused()
    acknowledged = assess(SLEEP, _user("high_blood_pressure"), acknowledged=True)
    assert not acknowledged.refused
    acknowledged.raise_if_refused()


@pytest.mark.parametrize(
    ("condition", "message"),
    [("pregnancy", "you declared pregnancy: device manuals advise no heat; consult a health-care provider"),
     ("pacemaker", "you declared pacemaker: device manuals advise no heat; consult a health-care provider"),
     ("warts", "you declared warts: friction can spread warts; keep the device off them"),
     ("high_blood_pressure", "you declared high blood pressure: consult a health-care provider; "
      "a program is a complement, never a treatment")],
)
def test_a_caution_condition_needs_an_acknowledgement_for_any_program(condition: str, message: str) -> None:
    result = assess(ProgramMeta(id="p", name="Plain"), _user(condition), acknowledged=False)
    assert [f.message for f in _only(result, Level.CAUTION)] == [message]
    assert result.refused and not assess(ProgramMeta(id="p", name="Plain"), _user(condition), True).refused


def test_an_elderly_user_is_limited_not_refused() -> None:
    result = assess(SLEEP, HealthProfile(age_group="elderly"), acknowledged=False)
    assert [str(f) for f in _only(result, Level.LIMIT)] == [
        "LIMITED: intensity at most 4/10: elderly: light pressure"]
    assert not result.refused


def test_edema_limits_strength_and_time() -> None:
    result = assess(ProgramMeta(id="p", name="Plain"), _user("edema"), acknowledged=True)
    assert [f.message for f in _only(result, Level.LIMIT)] == [
        "intensity at most 4/10: edema: light pressure", "session at most 10:00: edema: time limited"]


def test_a_heat_program_needs_the_heat_notice_acknowledged() -> None:
    result = assess(HEATED, None, acknowledged=False)
    (caution,) = _only(result, Level.CAUTION)
    assert caution.message.startswith("this program heats parts that touch your skin (up to 41 °C)")
    assert "pacemaker, pregnancy" in caution.message
    assert result.refused
    assert not assess(HEATED, None, acknowledged=True).refused


def test_heat_is_removed_not_acknowledged_when_the_user_may_not_have_it() -> None:
    result = assess(HEATED, _user(no_heat=True), acknowledged=False)
    assert [str(f) for f in result.findings] == ["LIMITED: heat removed: your personal no_heat"]
    assert not result.refused


def test_undeclared_contraindications_are_noted_with_where_they_are_declared() -> None:
    result = assess(SLEEP, None, acknowledged=False)
    (note,) = _only(result, Level.INFO)
    assert note.message == ("no health profile found; 'Sleep' is not for people with: edema (fluid "
                            "retention), neuropathy (reduced sensation) (declared at programs/sleep.yaml:7)")
    assert not result.refused


def test_a_plain_program_for_a_user_without_conditions_simply_runs() -> None:
    result = assess(ProgramMeta(id="p", name="Plain"), HealthProfile(), acknowledged=False)
    assert result.findings == () and not result.refused
