"""The built-in library: every program validates, compiles on both profiles, and is labelled safely."""

from __future__ import annotations

import pytest
import yaml
from jsonschema import Draft202012Validator

from controller.cli.simdevice import sim_profile_capabilities
from controller.program.authoring import program_json_schema
from controller.program.check import compile_loaded
from controller.program.library import program_folders, resolve_program
from controller.program.loader import LoadedProgram, load_program_file
from controller.safety.conditions import ARTICLE_CONTRAINDICATIONS, HEAT_CONTRAINDICATIONS
from controller.safety.limits import DEFAULT_SESSION_LIMIT_S
from programs import PROGRAMS_DIR

NAMES = [
    "circulation-warmup", "sleep", "back-pain-arch", "stress-relief", "blood-pressure",
    "deep-tissue", "gentle-lymphatic", "athletic-recovery",
]
FILES = sorted(PROGRAMS_DIR.glob("*.yaml"))


def _load(name: str) -> LoadedProgram:
    return load_program_file(PROGRAMS_DIR / f"{name}.yaml")


def test_library_holds_exactly_the_named_programs() -> None:
    assert sorted(p.stem for p in FILES) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("profile", ["foot", "chair"])
def test_compiles_on_both_profiles(name: str, profile: str) -> None:
    loaded = _load(name)
    timeline = compile_loaded(loaded, sim_profile_capabilities(profile))
    assert loaded.program.id == name
    assert timeline.total_s == loaded.program.total_s
    assert 5 * 60 <= timeline.total_s <= DEFAULT_SESSION_LIMIT_S


@pytest.mark.parametrize("name", NAMES)
def test_resolves_by_name(name: str) -> None:
    assert resolve_program(name, program_folders(env={"HOME": "/nonexistent"})).program.id == name


@pytest.mark.parametrize("name", NAMES)
def test_lists_the_articles_contraindications(name: str) -> None:
    program = _load(name).program
    named = set(program.contraindications) | {c.condition for c in program.cautions}
    assert set(ARTICLE_CONTRAINDICATIONS) <= named
    if name != "gentle-lymphatic":
        assert set(ARTICLE_CONTRAINDICATIONS) <= set(program.contraindications)


@pytest.mark.parametrize("name", NAMES)
def test_heat_programs_forbid_heat_conditions(name: str) -> None:
    program = _load(name).program
    uses_heat = "heat: low" in (PROGRAMS_DIR / f"{name}.yaml").read_text()
    if uses_heat:
        assert set(HEAT_CONTRAINDICATIONS) <= set(program.contraindications)


def test_lymphatic_cautions_edema_with_the_qualified_note() -> None:
    loaded = _load("gentle-lymphatic")
    edema = [c for c in loaded.conditions() if c.condition == "edema"]
    assert len(edema) == 1 and edema[0].kind == "caution"
    assert edema[0].note is not None and "qualified" in edema[0].note
    assert loaded.program.intensity_class == "light"


def test_blood_pressure_is_gentle_on_the_kidney_point() -> None:
    loaded = _load("blood-pressure")
    refs = {c.condition: c for c in loaded.conditions()}
    assert refs["high_blood_pressure"].kind == "caution"
    assert refs["high_blood_pressure"].line > 1
    timeline = compile_loaded(loaded, sim_profile_capabilities("foot"))
    kidney_s = sum(c.duration_s for c in timeline.commands if any(s.zone == "kidney" for s in c.settings))
    assert kidney_s >= 0.5 * timeline.total_s
    assert max(s.intensity for c in timeline.commands for s in c.settings) <= 4


def test_sleep_tapers_to_zero() -> None:
    timeline = compile_loaded(_load("sleep"), sim_profile_capabilities("foot"))
    assert all(s.intensity == 0 for s in timeline.commands[-1].settings)


def test_back_pain_travels_heel_to_big_toe() -> None:
    timeline = compile_loaded(_load("back-pain-arch"), sim_profile_capabilities("foot"))
    order = [c.settings[0].zone for c in timeline.commands if c.step == 3][:3]
    assert order == ["heel", "spine_arch", "big_toe_pad"]


def test_condition_lines_point_at_the_declaration() -> None:
    loaded = _load("sleep")
    lines = (PROGRAMS_DIR / "sleep.yaml").read_text().splitlines()
    for ref in loaded.conditions():
        assert ref.condition in lines[ref.line - 1]
        assert ref.file.endswith("sleep.yaml")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_schema_accepts_builtin_program(path) -> None:  # type: ignore[no-untyped-def]
    schema = program_json_schema()
    Draft202012Validator.check_schema(schema)
    Draft202012Validator(schema).validate(yaml.safe_load(path.read_text(encoding="utf-8")))
