"""Small statistics and bookkeeping shared by every measurement: percentiles, medians of runs, targets."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

T = TypeVar("T")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100), so p99 of 200 samples is an observed sample, not a blend."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_us(samples_s: Sequence[float]) -> dict[str, float]:
    """p50 / p99 / max in microseconds, plus the count, for a list of durations in seconds."""
    us = [s * 1e6 for s in samples_s]
    return {"n": len(us), "p50_us": percentile(us, 50), "p99_us": percentile(us, 99),
            "max_us": max(us) if us else math.nan}


def median_of(runs: Sequence[dict[str, float]]) -> dict[str, float]:
    """Key-by-key median over repetitions, so one noisy repetition cannot move a figure."""
    keys = runs[0].keys() if runs else ()
    return {k: statistics.median(r[k] for r in runs) for k in keys}


def alternate(contenders: dict[str, Callable[[], T]], reps: int) -> dict[str, list[T]]:
    """Run each contender once per repetition, in rotating order, so machine noise hits all alike."""
    names = list(contenders)
    runs: dict[str, list[T]] = {n: [] for n in names}
    for rep in range(reps):
        for name in names[rep % len(names):] + names[: rep % len(names)]:
            runs[name].append(contenders[name]())
    return runs


@dataclass(frozen=True)
class Target:
    """One goal, the issue that set it, the figure measured against it, and whether it is met."""

    name: str
    value: float
    goal: str
    unit: str
    met: bool
    issue: str = "6"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def at_most(name: str, value: float, limit: float, unit: str, issue: str = "6") -> Target:
    """A figure that must not exceed `limit`."""
    return Target(name, value, f"<= {limit:g} {unit}".strip(), unit, bool(value <= limit), issue)


def at_least(name: str, value: float, limit: float, unit: str, issue: str = "6") -> Target:
    """A figure that must reach `limit`."""
    return Target(name, value, f">= {limit:g} {unit}".strip(), unit, bool(value >= limit), issue)
