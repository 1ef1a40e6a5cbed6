"""The heat caution on real program files (issue 14): a program that heats, at the top or only inside a
repeat block, needs the user's acknowledgement before it may run; one without heat does not. The tests
that built `ProgramMeta(uses_heat=True)` by hand could not see the loader forget the heat."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from controller.errors import SafetyRefusal
from controller.program.check import program_meta
from controller.program.loader import load_program_file
from controller.safety.assess import Level, ProgramMeta, assess
from controller.safety.health import HealthProfile, PersonalLimits
from tests.program.helpers import program_data, step

PLAIN = step()
HEATED = step(heat="low")


def meta_of(tmp_path: Path, *steps: dict[str, Any]) -> ProgramMeta:
    path = tmp_path / "p.yaml"
    plain = json.loads(json.dumps(program_data(*steps)))  # shared dicts would become YAML aliases
    path.write_text(yaml.safe_dump(plain), encoding="utf-8")
    return program_meta(load_program_file(path))


@pytest.mark.parametrize("steps", [
    [HEATED], [PLAIN, HEATED], [PLAIN, {"repeat": 2, "steps": [PLAIN, HEATED]}],
    [{"repeat": 2, "steps": [{"repeat": 2, "steps": [PLAIN, step(heat="high")]}]}],
], ids=["top", "second", "in-repeat", "nested-repeat"])
def test_a_heated_program_file_needs_the_acknowledgement(tmp_path: Path, steps: list[dict[str, Any]]) -> None:
    meta = meta_of(tmp_path, *steps)
    assert meta.uses_heat
    verdict = assess(meta, None, acknowledged=False)
    assert verdict.needs_acknowledgement and verdict.refused
    assert any(f.level is Level.CAUTION and "heat" in str(f).lower() for f in verdict.findings)
    with pytest.raises(SafetyRefusal, match="--acknowledge"):
        verdict.raise_if_refused()
    assert not assess(meta, None, acknowledged=True).refused


@pytest.mark.parametrize("steps", [[PLAIN], [PLAIN, {"repeat": 3, "steps": [PLAIN, PLAIN]}]],
                         ids=["plain", "plain-repeat"])
def test_a_program_without_heat_needs_no_acknowledgement(tmp_path: Path, steps: list[dict[str, Any]]) -> None:
    meta = meta_of(tmp_path, *steps)
    assert not meta.uses_heat
    verdict = assess(meta, None, acknowledged=False)
    assert not verdict.needs_acknowledgement and not verdict.refused
    verdict.raise_if_refused()


def test_heat_a_profile_forbids_is_removed_not_cautioned(tmp_path: Path) -> None:
    meta = meta_of(tmp_path, PLAIN, {"repeat": 2, "steps": [HEATED]})
    verdict = assess(meta, HealthProfile(limits=PersonalLimits(no_heat=True)), acknowledged=False)
    assert not verdict.needs_acknowledgement
    assert [f.level for f in verdict.findings if "heat" in str(f)] == [Level.LIMIT]
