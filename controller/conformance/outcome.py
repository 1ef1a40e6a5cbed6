"""What one check concludes: passed, failed (with the first rule broken), not run (and why), or an error
in the kit itself; with the timings it measured and notes on what it saw."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

_EPS_MS = 0.001  # a virtual clock's instants differ by float rounding, never by a real microsecond


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _ms(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


class Failed(Exception):
    """The device broke a rule; the message says which and what it did instead."""


class NotRun(Exception):
    """The check cannot run on this device or with these options; the message says why."""


class Status(Enum):
    PASS = "pass"
    FAIL = "fail"
    NOT_RUN = "not run"
    ERROR = "error"  # a bug in the kit, not a verdict on the device


@dataclass(frozen=True, slots=True)
class Figure:
    """A measured timing against the document's bound: `low`/`high` in ms (None: unbounded)."""

    name: str
    ms: float
    low: float | None
    high: float | None
    tolerance_ms: float

    @property
    def bound(self) -> str:
        tol = f" ±{_ms(self.tolerance_ms)}" if self.tolerance_ms else ""
        if self.low is not None and self.high is not None:
            return f"{_ms(self.low)}…{_ms(self.high)} ms{tol}"
        if self.high is not None:
            return f"≤ {_ms(self.high)} ms{tol}"
        return f"≥ {_ms(self.low)} ms{tol}" if self.low is not None else "reported only"

    @property
    def ok(self) -> bool:
        slack = self.tolerance_ms + _EPS_MS
        if self.low is not None and self.ms < self.low - slack:
            return False
        return self.high is None or self.ms <= self.high + slack


@dataclass
class Result:
    """One check's verdict."""

    id: str
    title: str
    sections: str
    status: Status = Status.NOT_RUN
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id, "title": self.title, "sections": self.sections, "status": self.status.value,
            "reason": self.reason, "notes": self.notes, "seconds": round(self.seconds, 3),
            "figures": [{"name": f.name, "ms": round(f.ms, 3), "low_ms": _rounded(f.low),
                         "high_ms": _rounded(f.high), "tolerance_ms": f.tolerance_ms, "ok": f.ok}
                        for f in self.figures],
        }
