"""Run mutants: in a temporary copy of the project, each against only the tests that cover its line.

The worktree is never written to: the project is copied once into a temporary folder (``.venv`` linked,
caches left out), each mutant is written into the copy and the original put back in a ``finally``, and
the copy is removed at the end, on Ctrl-C and on SIGTERM too. Which tests cover which line comes from
one coverage.py run of the chosen tests, with each test's node id as its coverage context
(``tests/mutation/contexts.py``, the way pytest-cov's ``--cov-context=test`` does it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.mutation.operators import Mutant, mutated_source

SKIP = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache",
                              ".hypothesis", "*.egg-info", "build", "artifacts")
PYTEST = ["-m", "pytest", "-x", "-q", "--no-header", "-p", "no:cacheprovider", "-o", "addopts="]


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed, timeout, survived, uncovered (no test runs the line), error
    seconds: float
    tests: int


@contextlib.contextmanager
def project_copy(root: Path) -> Iterator[Path]:
    """A throw-away copy of the project; removed however the run ends (SIGTERM becomes SystemExit)."""
    base = Path(tempfile.mkdtemp(prefix="massagectl-mutation-"))
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        copy = base / "project"
        shutil.copytree(root, copy, ignore=SKIP, symlinks=True)
        if (root / ".venv").exists():
            (copy / ".venv").symlink_to(root / ".venv")
        yield copy
    finally:
        shutil.rmtree(base, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def applied(copy: Path, mutant: Mutant, source: str) -> Iterator[Path]:
    """``mutant`` written into the copy for the duration of the block; the original put back after."""
    target = copy / mutant.path
    target.write_text(mutated_source(source, mutant), encoding="utf-8")
    try:
        yield target
    finally:
        target.write_text(source, encoding="utf-8")


def environment(copy: Path) -> dict[str, str]:
    """The copy's packages first (ahead of the editable install), and no stale bytecode."""
    env = dict(os.environ, PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTEST_ADDOPTS", None)
    return env


def coverage_map(copy: Path, paths: list[str], tests: list[str]) -> dict[str, dict[int, set[str]]]:
    """For each mutated file, line -> the test functions (node ids without parameters) that ran it."""
    import coverage

    rc = copy.parent / "coveragerc"
    data_file = copy.parent / "coverage.data"
    include = ",".join(str(copy / p) for p in paths)
    rc.write_text(f"[run]\ndata_file = {data_file}\ninclude = {include}\n", encoding="utf-8")
    command = [sys.executable, "-m", "coverage", "run", f"--rcfile={rc}", *PYTEST]
    command.remove("-x")
    subprocess.run([*command, "-p", "tests.mutation.contexts", *tests], cwd=copy, env=environment(copy),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    result: dict[str, dict[int, set[str]]] = {}
    for path in paths:
        by_line = data.contexts_by_lineno(str(copy / path))
        result[path] = {line: {c.split("[")[0] for c in ctx} for line, ctx in by_line.items()}
    return result


def covering(mutant: Mutant, lines: dict[int, set[str]], everything: list[str]) -> list[str]:
    """The tests to run: those that ran its statement; the whole selection if only the import ran it."""
    found = lines.get(mutant.stmt_line, set()) | lines.get(mutant.line, set())
    named = sorted(t for t in found if t)
    if named:
        return named
    return list(everything) if "" in found else []


def run_tests(copy: Path, tests: list[str], timeout: float) -> tuple[str, float]:
    """'passed', 'failed', 'timeout' or 'error' (pytest could not run them), and the seconds taken."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, *PYTEST, *tests], cwd=copy, env=environment(copy),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        return "timeout", time.monotonic() - started
    finally:
        _kill_group(process)
    # 2, 3, 4: collection, pytest or a conftest import broke on the mutant (the unmutated run passed,
    # with the same node ids): a kill. 5 (no tests ran) and anything else: an error, reported.
    status = {0: "passed", 1: "failed", 2: "failed", 3: "failed", 4: "failed"}.get(code, "error")
    return status, time.monotonic() - started


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """The test run and anything it started (simulators, pty servers)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def run_mutant(copy: Path, mutant: Mutant, source: str, tests: list[str], timeout: float) -> Outcome:
    if not tests:
        return Outcome(mutant, "uncovered", 0.0, 0)
    with applied(copy, mutant, source):
        status, seconds = run_tests(copy, tests, timeout)
    named = {"failed": "killed", "passed": "survived"}.get(status, status)
    return Outcome(mutant, named, seconds, len(tests))
