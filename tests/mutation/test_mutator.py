"""The mutation tool's own check (runs in CI, well under a second): the mutants of a tiny function are the
expected ones, each builds code that differs only where it says, and a mutant written into a copy is always
put back, even when the block that ran it fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mutation.__main__ import equivalents
from tests.mutation.operators import mutants, mutated_source
from tests.mutation.runner import applied, covering

SAMPLE = '''"""A docstring is not mutated."""
import os


def clamp(value: int, top: int = 10) -> int | None:
    if value < 0 and top >= 1:
        return None
    total = value + 2
    while total == 3:
        total = 4
    return total if total <= top else top
'''


def described() -> set[tuple[int, str, str, str]]:
    return {(m.line, m.operator, m.original, m.mutated) for m in mutants(SAMPLE, "sample.py")}


def test_each_operator_makes_the_expected_mutants() -> None:
    found = described()
    expected = {
        (5, "int+1", "10", "11"), (5, "int-1", "10", "9"),
        (6, "negate", "value < 0 and top >= 1", "not (value < 0 and top >= 1)"),
        (6, "and-or", "value < 0 and top >= 1", "value < 0 or top >= 1"),
        (6, "flip-compare", "value < 0", "value <= 0"), (6, "flip-compare", "top >= 1", "top > 1"),
        (6, "int+1", "0", "1"), (6, "int-1", "1", "0"),
        (6, "delete", "if value < 0 and top >= 1:", "pass"),
        (8, "delete", "total = value + 2", "pass"), (8, "int+1", "2", "3"),
        (9, "negate", "total == 3", "not total == 3"), (9, "flip-compare", "total == 3", "total != 3"),
        (10, "delete", "total = 4", "pass"),
        (11, "return-none", "return total if total <= top else top", "return None"),
        (11, "negate", "total <= top", "not total <= top"),
        (11, "flip-compare", "total <= top", "total < top"),
    }
    assert expected <= found
    # not mutated: the docstring, the import, the def, `return None`, annotations, bool-free constants
    assert not any(line in (1, 2) for line, *_ in found)
    assert not [d for d in found if d[1] == "return-none" and d[0] == 7]
    assert len({m.ident for m in mutants(SAMPLE, "sample.py")}) == len(found)


def test_a_mutant_changes_only_its_own_place() -> None:
    flip = next(m for m in mutants(SAMPLE, "sample.py") if m.original == "value < 0"
                and m.operator == "flip-compare")
    namespace: dict[str, object] = {}
    exec(compile(mutated_source(SAMPLE, flip), "sample.py", "exec"), namespace)
    clamp = namespace["clamp"]
    assert callable(clamp)
    assert clamp(0) is None  # the original gives 2: `value <= 0` is the only change
    assert clamp(-1) is None and clamp(3, top=20) == 5 and clamp(9) == 10


def test_a_mutated_file_is_put_back_even_when_the_run_fails(tmp_path: Path) -> None:
    (tmp_path / "sample.py").write_text(SAMPLE, encoding="utf-8")
    mutant = mutants(SAMPLE, "sample.py")[0]
    with pytest.raises(RuntimeError), applied(tmp_path, mutant, SAMPLE) as target:
        assert target.read_text(encoding="utf-8") != SAMPLE
        raise RuntimeError("the test run broke")
    assert (tmp_path / "sample.py").read_text(encoding="utf-8") == SAMPLE


def test_a_mutant_runs_the_tests_that_cover_its_line_or_none() -> None:
    mutant = next(m for m in mutants(SAMPLE, "sample.py") if m.line == 8)
    assert covering(mutant, {8: {"t.py::a", "t.py::b"}}, ["tests"]) == ["t.py::a", "t.py::b"]
    assert covering(mutant, {8: {""}}, ["tests"]) == ["tests"]  # only the import ran it: run them all
    assert covering(mutant, {}, ["tests"]) == []  # no test runs it: reported uncovered, not killed


def test_the_equivalent_list_parses(tmp_path: Path) -> None:
    listed = tmp_path / "equivalent.txt"
    listed.write_text("# comment\n\na.py:3:4:int+1  the loop bound is never reached\n", encoding="utf-8")
    assert equivalents(listed) == {"a.py:3:4:int+1": "the loop bound is never reached"}
    assert all(" " not in ident for ident in equivalents())
