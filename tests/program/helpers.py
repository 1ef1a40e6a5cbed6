"""Small builders for program test data."""

from __future__ import annotations

from typing import Any

from controller.program.model import Program


def program_data(*steps: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A valid program's plain data with `steps` (and any top-level keys overridden)."""
    data: dict[str, Any] = {
        "schema_version": 1,
        "id": "test",
        "name": "Test",
        "description": "A test program.",
        "intensity_class": "light",
        "steps": list(steps),
    }
    data.update(top)
    return data


def step(**fields: Any) -> dict[str, Any]:
    """A plain step; `fields` override the defaults."""
    base: dict[str, Any] = {
        "duration": "1m", "zones": ["heel"], "motion": "knead", "intensity": 4, "speed": 3,
    }
    base.update(fields)
    return base


def make_program(*steps: dict[str, Any], **top: Any) -> Program:
    return Program.model_validate(program_data(*steps, **top))
