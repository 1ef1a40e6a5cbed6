"""Turns pydantic's validation errors into ProgramErrors an author can act on: line, step, field, fix.

Steps are numbered in the order they appear in the file, counting the steps inside repeat blocks too
(a repeat block is itself a step); the compiler numbers them the same way.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from controller.errors import ProgramError
from controller.program import model
from controller.program.vocabulary import HEAT_NAMES, MOTION_NAMES
from controller.safety.conditions import CONDITION_NAMES
from controller.yamlsafe import Path, SourceMap
from controller.zones import ZONE_NAMES

# Union tags pydantic puts into error locations; they are not keys of the file.
_TAGS = {"step", "repeat", "travel", "level", "ramp"}
_KEYS_OF: dict[str, type[BaseModel]] = {
    "step": model.PlainStep,
    "repeat": model.RepeatBlock,
    "travel": model.TravelStep,
    "ramp": model.IntensityRamp,
    "cautions": model.Caution,
    "fallbacks": model.Fallbacks,
}
_VOCABULARY: dict[str, tuple[str, tuple[str, ...]]] = {
    "zones": ("zone", ZONE_NAMES),
    "travel": ("zone", ZONE_NAMES),
    "motion": ("motion", MOTION_NAMES),
    "motions": ("motion", MOTION_NAMES),
    "contraindications": ("condition", CONDITION_NAMES),
    "condition": ("condition", CONDITION_NAMES),
    "heat": ("heat level", HEAT_NAMES),
    "intensity_class": ("intensity class", ("light", "medium", "deep")),
    "fallbacks.heat": ("heat fallback", ("error", "skip")),
}
# Keys that belong to another kind of step, and what to write instead.
_OTHER_KIND = {
    "duration": "a travel step gives the time at each zone with 'each'",
    "each": "'each' belongs to travel steps; a plain step has 'duration'",
    "zones": "a travel step lists its zones under 'travel'",
    "steps": "'steps' belongs to repeat blocks, which need 'repeat: N'",
}
_EXPECTED = {
    "intensity": "a whole number 0..10 or a ramp like {from: 2, to: 6}",
    "from": "a whole number 0..10",
    "to": "a whole number 0..10",
    "speed": "a whole number 1..5",
    "repeat": "a whole number 1..100",
}


class UnplacedProgramError(ProgramError):
    """A program problem tied to no line of a file (an unknown name, a bad option): just the message."""

    def __str__(self) -> str:
        return self.message


def step_paths(data: Any) -> list[tuple[Path, str | None]]:
    """Path and name of every step, numbered in file order (steps inside repeat blocks included)."""
    found: list[tuple[Path, str | None]] = []

    def walk(steps: Any, path: Path) -> None:
        if not isinstance(steps, list):
            return
        for i, step in enumerate(steps):
            name = step.get("name") if isinstance(step, dict) else None
            found.append(((*path, i), name if isinstance(name, str) else None))
            if isinstance(step, dict) and "repeat" in step:
                walk(step.get("steps"), (*path, i, "steps"))

    if isinstance(data, dict):
        walk(data.get("steps"), ("steps",))
    return found


def suggest(word: object, choices: Sequence[str]) -> str:
    """'; did you mean X?' for the closest choice, or the list of choices when none is close."""
    close = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return "; expected one of: " + ", ".join(choices)


def program_errors(
    err: ValidationError, data: Any, source: SourceMap, file: str
) -> list[ProgramError]:
    """One ProgramError per real problem in `err`, located in the file."""
    details = err.errors(include_url=False)
    steps = step_paths(data)
    raw = [(_raw_path(d["loc"]), d) for d in details]
    misspelt = _misspelt_keys(raw)
    errors = [
        _located(path, detail, steps, source, file)
        for path, detail in raw
        if not _is_follow_on(path, detail, [p for p, _ in raw]) and path not in misspelt
    ]
    return sorted(errors, key=lambda e: (e.line or 0))


def _misspelt_keys(raw: list[tuple[Path, ErrorDetails]]) -> set[Path]:
    """Paths of missing keys that an unknown key beside them is a misspelling of (one error, not two)."""
    missing = {path for path, d in raw if d["type"] == "missing"}
    found = set()
    for path, detail in raw:
        if detail["type"] == "extra_forbidden":
            allowed = _allowed_keys(_context_model(detail["loc"]))
            close = difflib.get_close_matches(str(path[-1]), allowed, n=1, cutoff=0.6)
            if close and (*path[:-1], close[0]) in missing:
                found.add((*path[:-1], close[0]))
    return found


def _is_follow_on(path: Path, detail: ErrorDetails, all_paths: list[Path]) -> bool:
    """A 'too short' that only counts items already reported as invalid."""
    if detail["type"] != "too_short":
        return False
    return any(len(p) > len(path) and p[: len(path)] == path for p in all_paths)


def _raw_path(loc: tuple[int | str, ...]) -> Path:
    """The file path of a pydantic location: union tags dropped."""
    path: list[str | int] = []
    for i, part in enumerate(loc):
        previous = loc[i - 1] if i else None
        is_tag = part in _TAGS and (isinstance(previous, int) or previous == "intensity")
        if not is_tag and part != "[key]":
            path.append(part)
    return tuple(path)


def _located(
    path: Path, detail: ErrorDetails, steps: list[tuple[Path, str | None]], source: SourceMap,
    file: str,
) -> ProgramError:
    """`detail` as a ProgramError with its line, step and field."""
    number, name, step_path = _step_of(path, steps)
    field_parts = [p for p in path[len(step_path):] if isinstance(p, str)]
    kind = detail["type"]
    key_error = kind in ("extra_forbidden", "missing") or detail["loc"][-1:] == ("[key]",)
    line = source.line_of(path[:-1] if kind == "missing" else path, key=key_error and kind != "missing")
    message = _message(detail, _context_model(detail["loc"]), field_parts)
    if kind in ("extra_forbidden", "missing"):
        field_parts = field_parts[:-1]  # the key itself is named in the message
    field = ".".join(field_parts) or None
    return ProgramError(message, file=file, line=line, step=number, step_name=name, field=field)


def _step_of(path: Path, steps: list[tuple[Path, str | None]]) -> tuple[int | None, str | None, Path]:
    """The innermost step containing `path`: its number, name and path."""
    best: tuple[int | None, str | None, Path] = (None, None, ())
    for number, (step_path, name) in enumerate(steps, start=1):
        if path[: len(step_path)] == step_path and len(step_path) > len(best[2]):
            best = (number, name, step_path)
    return best


def _context_model(loc: tuple[int | str, ...]) -> type[BaseModel]:
    """The model whose keys are allowed where the error is."""
    for part in reversed(loc[:-1]):
        if isinstance(part, str) and part in _KEYS_OF:
            return _KEYS_OF[part]
    return model.Program


def _allowed_keys(cls: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in cls.model_fields.items()]


def _message(detail: ErrorDetails, cls: type[BaseModel], field_parts: list[str]) -> str:
    """Plain words for one pydantic error, with a suggestion where one helps."""
    kind, value = detail["type"], detail.get("input")
    field = field_parts[-1] if field_parts else ""
    if kind == "extra_forbidden":
        key = detail["loc"][-1]
        allowed = _allowed_keys(cls)
        if key in _OTHER_KIND and cls in (model.PlainStep, model.TravelStep, model.RepeatBlock):
            return f"unknown key {key!r} here: {_OTHER_KIND[str(key)]}"
        return f"unknown key {key!r}" + suggest(key, allowed)
    if kind == "missing":
        return f"missing required key {detail['loc'][-1]!r}"
    if kind == "literal_error":
        joined = ".".join(field_parts)
        vocabulary = joined if joined in _VOCABULARY else next(
            (p for p in reversed(field_parts) if p in _VOCABULARY), field)
        return _literal_message(vocabulary, value, detail)
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return _range_message(field, value)
    if kind == "value_error":
        return str(detail.get("ctx", {}).get("error", detail["msg"]))
    return _shape_message(kind, field, value, detail)


def _literal_message(field: str, value: Any, detail: ErrorDetails) -> str:
    if field == "schema_version":
        return f"unsupported schema_version {value!r}; this massagectl reads schema_version 1"
    what, choices = _VOCABULARY.get(field, ("value", ()))
    if not choices:
        return f"{value!r} is not allowed: {detail['msg'].lower()}"
    if not isinstance(value, str):
        return f"{what} must be a name, got {_shown(value)}" + suggest("", choices)
    return f"unknown {what} {value!r}" + suggest(value, choices)


def _range_message(field: str, value: Any) -> str:
    lows = {"intensity": 0, "from": 0, "to": 0, "speed": 1, "repeat": 1}
    highs = {"intensity": 10, "from": 10, "to": 10, "speed": 5, "repeat": model.MAX_REPEAT}
    if field in ("from", "to"):
        return f"{_shown(value)} leaves the intensity range {lows[field]}..{highs[field]}"
    if field in lows:
        return f"{_shown(value)} is out of range {lows[field]}..{highs[field]}"
    return f"{_shown(value)} is out of range"


def _shown(value: Any) -> str:
    """A value as the file wrote it (YAML spells booleans true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _shape_message(kind: str, field: str, value: Any, detail: ErrorDetails) -> str:
    """Messages for values of the wrong type or size."""
    ctx: dict[str, Any] = dict(detail.get("ctx") or {})
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be {_EXPECTED.get(field, 'a whole number')}, got {_shown(value)}"
    if kind == "too_short":
        return _too_short(field, ctx.get("min_length", 1))
    if kind == "too_long":
        return f"at most {ctx.get('max_length')} items are allowed, got {ctx.get('actual_length')}"
    if kind in ("string_too_long", "string_too_short"):
        if not value:
            return "must not be empty"
        return f"is longer than {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        return (f"{value!r} is not a valid id: use lower-case letters, digits, - and _ "
                "(at most 40, starting with a letter or digit)")
    if kind == "string_type":
        quote = "; put it in quotes" if isinstance(value, int | float) else ""
        return f"must be text, got {_shown(value)}{quote}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        if not field:
            return f"a step must be a mapping of keys (duration, zones, motion, ...), got {_shown(value)}"
        return f"must be a mapping of keys, got {_shown(value)}"
    if kind in ("tuple_type", "list_type"):
        what = "a zone name or a list of zone names" if field == "zones" else "a list"
        return f"must be {what}, got {_shown(value)}"
    return detail["msg"]


def _too_short(field: str, minimum: int) -> str:
    if field == "steps":
        return "needs at least one step"
    if field == "travel":
        return f"a travel needs at least {minimum} zones"
    if field == "zones":
        return "needs at least one zone"
    return f"needs at least {minimum} item(s)"
