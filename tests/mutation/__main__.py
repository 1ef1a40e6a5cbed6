"""``python -m tests.mutation MODULE [MODULE...]``: mutation testing; see tests/mutation/README.md."""

from __future__ import annotations

import argparse
import contextlib
import queue
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.mutation.operators import Mutant, mutants
from tests.mutation.report import Table, print_outcome, print_table
from tests.mutation.runner import Outcome, coverage_map, covering, project_copy, run_mutant, run_tests

ROOT = Path(__file__).resolve().parents[2]
EQUIVALENT = Path(__file__).with_name("equivalent.txt")


def module_paths(name: str) -> list[str]:
    """A dotted module or package, or a path, as project-relative .py paths."""
    candidate = ROOT / name if name.endswith(".py") or "/" in name else ROOT / name.replace(".", "/")
    if candidate.is_dir():
        return sorted(p.relative_to(ROOT).as_posix() for p in candidate.glob("*.py"))
    if candidate.suffix != ".py":
        candidate = candidate.with_suffix(".py")
    if not candidate.is_file():
        raise SystemExit(f"mutation: no module {name!r} (looked for {candidate.relative_to(ROOT)})")
    return [candidate.relative_to(ROOT).as_posix()]


def equivalents(path: Path = EQUIVALENT) -> dict[str, str]:
    """ident -> reason, from the checked-in list (one per line: IDENT REASON; # starts a comment)."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        if line.strip() and not line.lstrip().startswith("#"):
            ident, _, reason = line.strip().partition(" ")
            found[ident] = reason.strip()
    return found


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__)
    parser.add_argument("modules", nargs="+", help="e.g. controller.safety, sim/device.py")
    parser.add_argument("--tests", nargs="+", default=["tests"], help="tests to map and run (default: tests)")
    parser.add_argument("--timeout", type=float, default=0.0,
                        help="seconds per mutant (default: 3 x the unmutated run + 30)")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once, each in its own copy")
    parser.add_argument("--only", nargs="*", default=[], help="mutant idents to run (PATH:LINE:COL:OP)")
    parser.add_argument("--list", action="store_true", help="list the mutants and run nothing")
    return parser.parse_args(argv)


@contextlib.contextmanager
def copies(count: int) -> Iterator[queue.Queue[Path]]:
    with contextlib.ExitStack() as stack:
        pool: queue.Queue[Path] = queue.Queue()
        for _ in range(count):
            pool.put(stack.enter_context(project_copy(ROOT)))
        yield pool


def run(args: argparse.Namespace) -> int:
    paths = [p for name in args.modules for p in module_paths(name)]
    sources = {p: (ROOT / p).read_text(encoding="utf-8") for p in paths}
    todo = [m for p in paths for m in mutants(sources[p], p)]
    if args.only:
        todo = [m for m in todo if m.ident in set(args.only)]
    skip = equivalents()
    if args.list:
        for m in todo:
            print(f"{m.ident}  {m.original!r} -> {m.mutated!r}{'  (equivalent)' if m.ident in skip else ''}")
        return 0
    live = [m for m in todo if m.ident not in skip]
    with copies(max(1, args.jobs)) as pool:
        first = pool.get()
        print(f"mapping coverage of {len(paths)} file(s) over {' '.join(args.tests)} ...", flush=True)
        lines = coverage_map(first, paths, args.tests)
        timeout = args.timeout or _baseline(first, args.tests) * 3 + 30
        pool.put(first)
        outcomes = _run_all(pool, live, sources, lines, args.tests, timeout, max(1, args.jobs))
    table = Table.of(paths, todo, skip, outcomes)
    print_table(table)
    return 0


def _baseline(copy: Path, tests: list[str]) -> float:
    status, seconds = run_tests(copy, tests, timeout=3600)
    if status != "passed":
        raise SystemExit(f"mutation: the unmutated tests do not pass ({status}): {' '.join(tests)}")
    print(f"unmutated run: {seconds:.1f} s", flush=True)
    return seconds


def _run_all(pool: queue.Queue[Path], live: list[Mutant], sources: dict[str, str],
             lines: dict[str, dict[int, set[str]]], tests: list[str], timeout: float,
             jobs: int) -> list[Outcome]:
    started = time.monotonic()

    def one(mutant: Mutant) -> Outcome:
        copy = pool.get()
        try:
            chosen = covering(mutant, lines[mutant.path], tests)
            return run_mutant(copy, mutant, sources[mutant.path], chosen, timeout)
        finally:
            pool.put(copy)

    outcomes = []
    executor = ThreadPoolExecutor(max_workers=jobs)
    try:
        for done, outcome in enumerate(executor.map(one, live), 1):
            outcomes.append(outcome)
            print_outcome(outcome, done, len(live), time.monotonic() - started)
    finally:  # Ctrl-C or SIGTERM: run no more mutants (the running ones end with their test runs)
        executor.shutdown(wait=True, cancel_futures=True)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    return run(parse(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    raise SystemExit(main())
