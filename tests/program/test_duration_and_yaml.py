"""Duration parsing and the safe, line-keeping YAML reader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from controller.errors import ProgramErrors
from controller.program.duration import format_duration, parse_duration
from controller.yamlsafe import parse_yaml

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("text", "seconds"), [
    ("90s", 90), ("2m", 120), ("1m30s", 90), ("1m 30s", 90), (90, 90), ("90", 90), ("5 min", 300),
    (45.0, 45),
])
def test_durations_people_write(text: object, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(("text", "message"), [
    ("0s", "must be more than 0 s, got '0s'"),
    (-5, "must be more than 0 s, got -5"),
    ("-5s", "cannot read '-5s'"),
    ("1h", "cannot read '1h'"),
    ("", "cannot read ''"),
    (True, "cannot read True"),
    (1.5, "1.5 is not a whole number of seconds"),
    ("31m", "31m is longer than a whole session may last (30m)"),
])
def test_bad_durations(text: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_duration(text)


def test_format_duration() -> None:
    assert [format_duration(s) for s in (5, 60, 90, 605)] == ["5s", "1m", "1m30s", "10m05s"]


def test_yaml_lines_are_kept_for_values_and_keys() -> None:
    data, source = parse_yaml("a: 1\nb:\n  - x: 2\n    y: [3, 4]\n", "f.yaml")
    assert data == {"a": 1, "b": [{"x": 2, "y": [3, 4]}]}
    assert source.line_of(("b", 0, "y", 1)) == 4
    assert source.line_of(("b", 0, "x"), key=True) == 3
    assert source.line_of(("b", 0, "missing")) == 3


def test_scalars_typed_as_safe_load_types_them_but_yes_is_a_word() -> None:
    data, _ = parse_yaml("a: yes\nb: 1.5\nc: null\nd: '3'\ne: true\n", "f.yaml")
    assert data == {"a": "yes", "b": 1.5, "c": None, "d": "3", "e": True}


@pytest.mark.parametrize(("text", "message"), [
    ("a: !!binary aGk=\n", "f.yaml:1: YAML tags (tag:yaml.org,2002:binary) are not allowed in program files"),
    ("? [1]\n: 2\n", "f.yaml:1: keys must be plain names, not a list or mapping"),
    ("1: a\n", "f.yaml:1: keys must be plain names, not 1"),
])
def test_unsupported_yaml(text: str, message: str) -> None:
    with pytest.raises(ProgramErrors) as caught:
        parse_yaml(text, "f.yaml")
    assert str(caught.value) == message


def test_no_unsafe_yaml_loading_anywhere_in_the_repo() -> None:
    pattern = re.compile(r"yaml\.(load|full_load|unsafe_load)\(|Loader=yaml\.(Full|Unsafe)?Loader\b")
    offenders = [
        str(path) for path in REPO.rglob("*.py")
        if ".venv" not in path.parts and pattern.search(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == []


# ---- issue 14: YAML 1.1's implicit types, read as a person means them or refused ------------------------


@pytest.mark.parametrize(("text", "value"), [
    ("heat: off\n", "off"), ("heat: On\n", "On"), ("x: yes\n", "yes"), ("x: NO\n", "NO"),
    ("x: true\n", True), ("x: False\n", False), ("x: 'off'\n", "off"), ("off: 1\n", None),
])
def test_only_true_and_false_are_booleans(text: str, value: object) -> None:
    """YAML 1.1 reads on/off/yes/no as booleans: `heat: off` became false. As in YAML 1.2, they are words."""
    data, _ = parse_yaml(text, "f.yaml")
    if value is None:
        assert data == {"off": 1}
    else:
        assert next(iter(data.values())) == value


@pytest.mark.parametrize(("text", "message"), [
    ("duration: 1:30\n",
     "f.yaml:1: duration: 1:30 is a base-60 number in YAML (90); write a duration like 1m30s, or quote it"),
    ("duration: 1:30:00\n", "f.yaml:1: duration: 1:30:00 is a base-60 number in YAML (5400)"),
    ("intensity: 010\n", "f.yaml:1: intensity: 010 is an octal number in YAML (8); write 10 without the "
                         "leading 0, or quote it"),
    ("speed: -07\n", "f.yaml:1: speed: -07 is an octal number in YAML (-7)"),
    ("each: 1:30.5\n", "f.yaml:1: each: 1:30.5 is a base-60 number in YAML (90.5)"),
])
def test_numbers_a_person_would_not_mean_are_refused(text: str, message: str) -> None:
    with pytest.raises(ProgramErrors) as caught:
        parse_yaml(text, "f.yaml")
    assert message in str(caught.value)


@pytest.mark.parametrize(("text", "value"), [
    ("x: 0\n", 0), ("x: 10\n", 10), ("x: 0.5\n", 0.5), ("x: '1:30'\n", "1:30"), ("x: '010'\n", "010"),
    ("x: 0x10\n", 16), ("x: 0.05\n", 0.05),
])
def test_plain_numbers_and_quoted_text_are_unchanged(text: str, value: object) -> None:
    assert parse_yaml(text, "f.yaml")[0] == {"x": value}
