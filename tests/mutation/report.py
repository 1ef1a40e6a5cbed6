"""What a mutation run prints: a line per mutant as it finishes, then a table per file and the survivors."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tests.mutation.operators import Mutant
from tests.mutation.runner import Outcome


@dataclass
class Row:
    path: str
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def score(self) -> float:
        """Killed (by a failing test or by a timeout) over the mutants that are not equivalent."""
        live = sum(self.counts[k] for k in ("killed", "timeout", "survived", "uncovered", "error"))
        return 100.0 * (self.counts["killed"] + self.counts["timeout"]) / live if live else 100.0


@dataclass
class Table:
    rows: list[Row]
    survivors: list[Outcome]

    @classmethod
    def of(cls, paths: list[str], todo: list[Mutant], skip: dict[str, str], outcomes: list[Outcome]) -> Table:
        rows = {p: Row(p) for p in paths}
        for m in todo:
            rows[m.path].counts["mutants"] += 1
            if m.ident in skip:
                rows[m.path].counts["equivalent"] += 1
        for o in outcomes:
            rows[o.mutant.path].counts[o.status] += 1
        bad = [o for o in outcomes if o.status in ("survived", "uncovered", "error")]
        return cls(list(rows.values()), bad)


def print_outcome(outcome: Outcome, done: int, total: int, elapsed: float) -> None:
    m = outcome.mutant
    print(f"[{done}/{total} {elapsed:.0f}s] {outcome.status:9} {m.ident} ({outcome.tests} test(s), "
          f"{outcome.seconds:.1f}s)", flush=True)


def print_table(table: Table) -> None:
    print("\n| module | mutants | killed | timeout | survived | equivalent | score |")
    print("|---|---|---|---|---|---|---|")
    for row in table.rows:
        c = row.counts
        survived = c["survived"] + c["uncovered"] + c["error"]
        note = f" ({c['uncovered']} uncovered, {c['error']} error)" if c["uncovered"] or c["error"] else ""
        print(f"| {row.path} | {c['mutants']} | {c['killed']} | {c['timeout']} | {survived}{note} | "
              f"{c['equivalent']} | {row.score:.1f} % |")
    if table.survivors:
        print("\nSurvivors (a test that fails on each is missing, or add it to equivalent.txt with why):")
    for o in sorted(table.survivors, key=lambda o: (o.mutant.path, o.mutant.line, o.mutant.col)):
        m = o.mutant
        tag = "" if o.status == "survived" else f" [{o.status}]"
        print(f"  {m.ident}{tag}  {m.original}  ->  {m.mutated}")
