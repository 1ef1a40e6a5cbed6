"""What happened in a session, from its log: time per zone, peak intensity, pauses, faults, how it ended.

Pure: `parse_lines` turns JSON Lines text into records (counting what it had to skip) and `summarise` turns
records into a `Report`; `load_report` is the one edge that opens a file. The record kinds are those of
sessionlog.py, in its schema 2 or the older schema 1 (Python class names for frame types and errors); a
log of a newer schema is refused rather than misread. A zone counts as active from the SET that turns it
on (intensity or heat above 0) until the SET that turns it off, a soft or emergency stop, a device stop
event, a pause, a fault, or the end of the log. SETs count when sent; a NAKed SET is rare and shows in `naks`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from controller.errors import MassagerError
from controller.runs.sessionlog import SCHEMA_VERSION

_ALL_OFF_STATES = {"paused", "fault", "emergency_stop", "ready", "disconnected"}
_ALL_OFF_TX = {"SOFT_STOP", "ESTOP"}
# schema 1 logs named frame types by their Python classes; schema 2 by the protocol's names
_V1_TYPES = {"SetActuators": "SET", "SoftStop": "SOFT_STOP", "EmergencyStop": "ESTOP", "Nak": "NAK",
             "HelloReply": "HELLO_REPLY"}
_DEVICE_STOP_EVENTS = {"OVERHEAT", "WATCHDOG", "RESET", "SESSION_LIMIT", "STOPPED"}


class LogError(MassagerError):
    """A session log that cannot be read or holds no session records."""

    kind = "log"


@dataclass(frozen=True, slots=True)
class ZoneSummary:
    """One zone's share of the session."""

    zone: str
    active_s: float
    peak_intensity: int


@dataclass(frozen=True, slots=True)
class Incident:
    """A fault, emergency stop, device event or note, at its time in the session."""

    t: float
    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class Report:
    """The summary of one session log."""

    program: str
    program_name: str
    device: str
    simulator: bool
    started: str
    duration_s: float
    planned_s: float | None
    zones: tuple[ZoneSummary, ...]
    peak_intensity: int
    intensity_max: int | None
    pauses: int
    paused_s: float
    faults: tuple[Incident, ...]
    events: tuple[Incident, ...]
    notes: tuple[Incident, ...]
    naks: int
    outcome: str
    end_position_s: float | None
    end_error: str
    records: int
    malformed: int
    session: int = 1       # which session of the log file this is (a log opened twice holds both)
    sessions: int = 1


def parse_lines(lines: Iterable[str]) -> tuple[list[dict[str, Any]], int]:
    """Records from JSON Lines text, and how many non-blank lines were not records (skipped)."""
    records: list[dict[str, Any]] = []
    malformed = 0
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            malformed += 1
            continue
        if _is_record(record):
            records.append(record)
        else:
            malformed += 1
    return records, malformed


def _is_record(record: object) -> bool:
    return (isinstance(record, dict) and isinstance(record.get("kind"), str)
            and isinstance(record.get("t"), int | float) and not isinstance(record.get("t"), bool))


def load_report(path: Path, session: int | None = None) -> Report:
    """Summarise session number `session` (from 1; default the last) of the log at `path`.

    Raises LogError when the file cannot be read, holds no records, or has no such session.
    """
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            records, malformed = parse_lines(file)
    except OSError as err:
        raise LogError(f"cannot read session log {path}: {err.strerror or err}") from err
    if not records:
        skipped = f" ({malformed} malformed lines)" if malformed else ""
        raise LogError(f"{path} holds no session records{skipped}: is it a massagectl session log?")
    chunks = split_sessions(records)
    number = len(chunks) if session is None else session
    if not 1 <= number <= len(chunks):
        raise LogError(f"{path} holds {len(chunks)} session(s): choose a session from 1 to {len(chunks)}")
    report = summarise(chunks[number - 1], malformed)
    return dataclasses.replace(report, session=number, sessions=len(chunks))


def split_sessions(records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """One list per session, as when a log file is appended to by several runs.

    A run logs its handshake before its `session` record, so a session runs from the first record after the
    previous session's `end`; a second `session` record before any `end` (a run cut short) starts one too.
    """
    chunks: list[list[dict[str, Any]]] = []
    has_session = ended = False
    for record in records:
        kind = record["kind"]
        if not chunks or ended or (kind == "session" and has_session):
            chunks.append([])
            has_session = False
        chunks[-1].append(record)
        has_session |= kind == "session"
        ended = kind == "end"
    return chunks


def summarise(records: list[dict[str, Any]], malformed: int = 0) -> Report:
    """The Report for a session's records, in file order; raises LogError when there are none."""
    if not records:
        raise LogError("the session log holds no records")
    version = next((r.get("schema_version") for r in records if r["kind"] == "session"), None)
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        raise LogError(f"the session log has schema version {version}; this massagectl reads up to "
                       f"{SCHEMA_VERSION}: update massagectl to report it")
    tally = _Tally()
    for record in records:
        try:
            tally.add(record)
        except (KeyError, TypeError, ValueError, AttributeError):
            tally.bad += 1
    return tally.report(records, malformed)


def report_json(report: Report) -> dict[str, Any]:
    """The report as plain JSON data."""
    return dataclasses.asdict(report)


@dataclass
class _Tally:
    """Walks the records once, keeping what is on and since when."""

    session: dict[str, Any] = field(default_factory=dict)
    end: dict[str, Any] | None = None
    hello_intensity_max: int | None = None
    active: dict[int, float] = field(default_factory=dict)   # zone id -> on since t
    active_s: dict[int, float] = field(default_factory=dict)
    peaks: dict[int, int] = field(default_factory=dict)
    paused_since: float | None = None
    pauses: int = 0
    paused_s: float = 0.0
    faults: list[Incident] = field(default_factory=list)
    events: list[Incident] = field(default_factory=list)
    notes: list[Incident] = field(default_factory=list)
    naks: int = 0
    bad: int = 0
    last_t: float = 0.0

    def add(self, record: dict[str, Any]) -> None:
        """Take one record; raises KeyError, TypeError or ValueError when it is damaged."""
        t = float(record["t"])
        self.last_t = max(self.last_t, t)
        kind = record["kind"]
        if kind == "session" and not self.session:
            self.session = record
        elif kind in ("tx", "rx"):
            self._frame(kind, record, t)
        elif kind == "state":
            self._state(str(record["to"]), str(record.get("error") or ""), t)
        elif kind == "event":
            self._event(record, t)
        elif kind == "note":
            self.notes.append(Incident(t, "note", str(record["text"])))
        elif kind == "end":
            self.end = record
            self._all_off(t)
            self._unpause(t)

    def _frame(self, kind: str, record: dict[str, Any], t: float) -> None:
        mtype, fields = _V1_TYPES.get(record["type"], record["type"]), record.get("fields") or {}
        if kind == "tx" and mtype == "SET":
            for entry in fields["entries"]:
                self._set(int(entry["zone"]), int(entry["intensity"]), int(entry["heat"]), t)
        elif kind == "tx" and mtype in _ALL_OFF_TX:
            self._all_off(t)
        elif kind == "rx" and mtype == "NAK":
            self.naks += 1
        elif kind == "rx" and mtype == "HELLO_REPLY":
            self.hello_intensity_max = int(fields["intensity_max"])

    def _set(self, zone: int, intensity: int, heat: int, t: float) -> None:
        self.peaks[zone] = max(self.peaks.get(zone, 0), intensity)
        if intensity > 0 or heat > 0:
            self.active.setdefault(zone, t)
        else:
            self._off(zone, t)

    def _off(self, zone: int, t: float) -> None:
        since = self.active.pop(zone, None)
        if since is not None:
            self.active_s[zone] = self.active_s.get(zone, 0.0) + max(0.0, t - since)

    def _all_off(self, t: float) -> None:
        for zone in list(self.active):
            self._off(zone, t)

    def _state(self, to: str, error: str, t: float) -> None:
        if to != "paused":
            self._unpause(t)
        elif self.paused_since is None:
            self.pauses += 1
            self.paused_since = t
        if to in _ALL_OFF_STATES:
            self._all_off(t)
        if to in ("fault", "emergency_stop"):
            self.faults.append(Incident(t, to, error))

    def _unpause(self, t: float) -> None:
        if self.paused_since is not None:
            self.paused_s += max(0.0, t - self.paused_since)
            self.paused_since = None

    def _event(self, record: dict[str, Any], t: float) -> None:
        name, arg = str(record.get("name") or record["code"]), record.get("arg")
        self.events.append(Incident(t, "event", f"{name} (arg {arg})" if arg is not None else name))
        if name in _DEVICE_STOP_EVENTS:
            self._all_off(t)
        elif name == "LEASE_EXPIRED" and isinstance(arg, int):
            self._off(arg, t)

    def _zones(self, names: dict[int, str]) -> tuple[ZoneSummary, ...]:
        """Every zone that was on, in the device's own order."""
        order = {zone: k for k, zone in enumerate(names)}
        used = set(self.active_s) | {z for z, peak in self.peaks.items() if peak}
        return tuple(ZoneSummary(names.get(z, f"zone {z}"), round(self.active_s.get(z, 0.0), 6),
                                 self.peaks.get(z, 0))
                     for z in sorted(used, key=lambda z: (order.get(z, len(order)), z)))

    def report(self, records: list[dict[str, Any]], malformed: int) -> Report:
        """Close what is still open at the end of the log and build the Report."""
        end_t = float(self.end["t"]) if self.end else self.last_t
        self._all_off(end_t)
        self._unpause(end_t)
        s, end = self.session, self.end or {}
        device = _mapping(s.get("device"))
        return Report(
            program=str(s.get("program", "unknown")), program_name=str(s.get("program_name", "")),
            device=str(device.get("model", "unknown")), simulator=bool(device.get("simulator", False)),
            started=str(s.get("wall") or records[0].get("wall") or ""), duration_s=end_t,
            planned_s=_float_or_none(s.get("total_s")),
            zones=self._zones(_zone_names(s.get("zones"))),
            peak_intensity=max(self.peaks.values(), default=0),
            intensity_max=_int_or_none(s.get("intensity_max", device.get("intensity_max")))
            or self.hello_intensity_max,
            pauses=self.pauses, paused_s=round(self.paused_s, 6), faults=tuple(self.faults),
            events=tuple(self.events), notes=tuple(self.notes), naks=self.naks,
            outcome=str(end.get("outcome", "unknown")), end_position_s=_float_or_none(end.get("position_s")),
            end_error=str(end.get("error") or ("" if self.end else
                                               "the log has no end record: the session was cut short")),
            records=len(records) - self.bad, malformed=malformed + self.bad)


def _zone_names(zones: object) -> dict[int, str]:
    """The session record's zone map ({id: name}, ids as JSON strings), or a list of {id, name}."""
    try:
        if isinstance(zones, dict):
            return {int(k): str(v) for k, v in zones.items()}
        if isinstance(zones, list):
            return {int(z["id"]): str(z["name"]) for z in zones}
    except (KeyError, TypeError, ValueError):
        pass  # a damaged zone map: zones are then shown by id
    return {}


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _float_or_none(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _int_or_none(value: object) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None
