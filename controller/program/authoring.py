"""What authors start from and what editors check against: the starter program, YAML output, the schema."""

from __future__ import annotations

from typing import Any

import yaml

from controller.program.model import Program
from controller.program.vocabulary import PROGRAM_ID_RE
from controller.timetext import format_duration

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_KEY_ORDER = (
    "name", "repeat", "travel", "each", "duration", "zones", "motion", "intensity", "speed", "heat",
    "steps",
)

STARTER = """\
# {name}: a massage program. Check it with `massagectl validate {file}`, see it with
# `massagectl show {file}` or `massagectl plot {file} -o {id}.png`.
# Put it in ~/.config/massagectl/programs/ to run it by its id: `massagectl run {id}`.
schema_version: 1
id: "{id}"                    # how you pick it: lower-case letters, digits, - and _
name: "{name}"
description: >-
  What the program does and why. Say what it is for and who should not use it.
intensity_class: light        # light, medium or deep

# Conditions with which the program must not run, and ones that need care (with a note). Names:
# edema, fracture, advanced_diabetes, neuropathy, deep_vein_thrombosis, infection, beriberi, warts,
# pregnancy, pacemaker, high_blood_pressure, elderly.
contraindications: [edema, fracture, advanced_diabetes, neuropathy, deep_vein_thrombosis,
                    infection, beriberi, warts]
cautions:
  - condition: elderly
    note: Light pressure only.

# Used when a device lacks a zone or motion (a chair has no `swing`). Foot zones run on a chair's
# `feet` zone without being listed here.
fallbacks:
  motions: {{swing: roll}}

# Zones: toe_tips big_toe_pad diaphragm kidney spine_arch heel ankle ball outer_edge instep calf
#        (chair: neck shoulders upper_back lower_back seat calves feet)
# Motions: roll knead swing stroke circle press pulse compress vibrate
steps:
  - name: warm-up
    duration: 1m30s           # 90s, 2m, 1m30s or plain seconds
    zones: [ankle, heel]      # one zone, or a list moving together
    motion: roll
    intensity: {{from: 2, to: 4}}   # 0..10, or a ramp from one level to another
    speed: 3                  # 1 (slow) .. 5 (fast)
  - name: along the arch
    repeat: 2                 # the steps below, twice
    steps:
      - travel: [heel, spine_arch, big_toe_pad]   # one zone at a time, in order
        each: 20s
        motion: press
        intensity: 4
        speed: 2
  - name: warm finish
    duration: 2m
    zones: [heel, spine_arch, ball]
    motion: stroke
    intensity: {{from: 4, to: 1}}
    speed: 1
    heat: low                 # off, low or high; warms the zones the device can heat
"""


def starter_program(program_id: str, file: str | None = None) -> str:
    """A commented starter program with id `program_id`; raises ValueError for an invalid id."""
    if not PROGRAM_ID_RE.match(program_id):
        raise ValueError(
            f"{program_id!r} is not a valid program id: use lower-case letters, digits, - and _ "
            "(at most 40, starting with a letter or digit)"
        )
    name = program_id.replace("-", " ").replace("_", " ").capitalize()
    return STARTER.format(id=program_id, name=name, file=file or f"{program_id}.yaml")


def dump_program(program: Program) -> str:
    """`program` as a program file (no comments), which loads back to an equal program."""
    data = program.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data["schema_version"] = program.schema_version
    data["steps"] = [_step_data(s) for s in data["steps"]]
    order = [k for k in Program.model_fields if k in data]
    return yaml.safe_dump({k: data[k] for k in order}, sort_keys=False, allow_unicode=True)


def _step_data(step: dict[str, Any]) -> dict[str, Any]:
    """One dumped step with readable durations and keys in reading order."""
    for key in ("duration", "each"):
        if key in step:
            step[key] = format_duration(step[key])
    if "steps" in step:
        step["steps"] = [_step_data(s) for s in step["steps"]]
    return {k: step[k] for k in _KEY_ORDER if k in step}


def program_json_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of program files, for editors' YAML support."""
    schema = Program.model_json_schema(by_alias=True)
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "massagectl program file (schema_version 1)",
        **{k: v for k, v in schema.items() if k != "title"},
    }
