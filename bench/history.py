"""bench/results/history.csv: the key figures of every complete run, so figures compare across commits.

One line per figure (date, commit, load, section, figure, value, unit): a new figure adds lines, never
columns, so old lines stay valid as the suite grows. Key figures: every target's measured value, each
round-trip contender's p50, every round-trip ratio, and the virtual-time speed-ups. Each run's whole JSON
stays in bench/results/history/, which git ignores: the repository carries the trend, not the dumps.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FIELDS = ("date", "commit", "load_before", "section", "figure", "value", "unit")


def _section_figures(section: str, r: dict[str, Any]) -> Iterator[tuple[str, float, str]]:
    """(figure, value, unit) worth keeping from one section's results."""
    for t in r.get("targets", []):
        yield t["name"], t["value"], t["unit"]
    if section == "roundtrip" and "contenders" in r:
        for name, f in r["contenders"].items():
            yield f"{name} p50", f["p50_us"], "µs"
        for key, value in r["ratios"].items():
            yield key, value, "µs" if key.endswith("_us") else "x"
    if section == "virtual" and "library" in r:
        yield "library speedup", r["library"]["speedup"], "x real time"
        if "cli" in r:
            yield "CLI path speedup", r["cli"]["library"]["speedup"], "x real time"


def rows(doc: dict[str, Any]) -> list[dict[str, str]]:
    """The history lines of one run's JSON document."""
    m = doc["machine"]
    base = {"date": m["date"], "commit": m.get("commit", ""), "load_before": m.get("load_before", "")}
    return [{**base, "section": section, "figure": figure, "value": f"{value:.6g}", "unit": unit}
            for section, r in doc["results"].items() for figure, value, unit in _section_figures(section, r)]


def append(path: Path, doc: dict[str, Any]) -> None:
    """Add one run's lines, writing the header first if the file is new."""
    new = not path.exists()
    with path.open("a", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, FIELDS)
        if new:
            writer.writeheader()
        writer.writerows(rows(doc))
