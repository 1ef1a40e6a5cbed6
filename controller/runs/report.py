"""What happened in a session, from its log: time per zone, peak intensity, pauses, faults, how it ended.

Pure: `read_report` follows a log's lines one at a time and keeps only what the chosen session's `Report`
needs, so memory stays bounded whatever the log's size (`parse_lines` and `summarise` do the same for records
held in a list); `load_report` is the one edge that opens a file, through controller/userfiles.py (a regular
file only, never blocking; a line over MAX_LINE_BYTES is skipped as damaged without being held). A line that
is not a record — not JSON, nested past the parser's depth, with NaN, infinite or absurd times — is
counted as malformed, never an error. The record kinds are those of
sessionlog.py, in its schema 2 or the older schema 1 (Python class names for frame types and errors); a
log of a newer schema is refused rather than misread. A zone counts as active from the SET that turns it
on (intensity or heat above 0) until the SET that turns it off, a soft or emergency stop, a device stop
event, a pause, a fault, or the end of the log. SETs count when sent; a NAKed SET is rare and shows in `naks`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from controller.errors import InputFileError, MassagerError
from controller.runs.logrecords import MAX_ABS_T_S, MAX_LINE_BYTES, Boundaries, parse_record
from controller.runs.sessionlog import SCHEMA_VERSION
from controller.userfiles import bounded_lines, open_user_file

MAX_INCIDENTS = 1000         # faults, events and notes listed per kind; more are counted in one note

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


def load_report(path: Path, session: int | None = None) -> Report:
    """Summarise session number `session` (from 1; default the last) of the log at `path`.

    Raises LogError when the file cannot be read, holds no records, or has no such session.
    """
    try:
        with open_user_file(path, "session log") as stream:
            return read_report(bounded_lines(stream, MAX_LINE_BYTES), session, str(path))
    except InputFileError as err:
        raise LogError(f"cannot read session log {err}") from None
    except OSError as err:  # a read failing part-way (EIO, a file that vanished on a network mount)
        raise LogError(f"cannot read session log {path}: {err.strerror or err}") from None


def read_report(lines: Iterable[str | None], session: int | None = None, name: str = "the log") -> Report:
    """The Report of session `session` (default the last) of a log's lines (None: an overlong line).

    Holds one session's tally at a time, never the records. Raises LogError as `load_report`.
    """
    follow = _Sessions(session)
    malformed = 0
    for line in lines:
        record = None if line is None or not line.strip() else parse_record(line)
        if record is not None:
            follow.add(record)
        elif line is None or line.strip():
            malformed += 1
    if not follow.count:
        skipped = f" ({malformed} malformed lines)" if malformed else ""
        raise LogError(f"{name} holds no session records{skipped}: is it a massagectl session log?")
    number = follow.count if session is None else session
    if follow.tally is None or not 1 <= number <= follow.count:
        raise LogError(f"{name} holds {follow.count} session(s): choose a session from 1 to {follow.count}")
    report = follow.tally.report(malformed)
    return dataclasses.replace(report, session=number, sessions=follow.count)


@dataclass
class _Sessions:
    """Follows a log's records one at a time, tallying only the wanted session (None: the last)."""

    wanted: int | None
    count: int = 0
    tally: _Tally | None = None
    boundaries: Boundaries = field(default_factory=Boundaries)

    def add(self, record: dict[str, Any]) -> None:
        if self.boundaries.starts(record):
            self.count += 1
            if self.wanted in (None, self.count):
                self.tally = _Tally()
        if self.tally is not None and self.wanted in (None, self.count):
            self.tally.take(record)


def summarise(records: list[dict[str, Any]], malformed: int = 0) -> Report:
    """The Report for a session's records, in file order; raises LogError when there are none."""
    if not records:
        raise LogError("the session log holds no records")
    tally = _Tally()
    for record in records:
        tally.take(record)
    return tally.report(malformed)


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
    good: int = 0
    unlisted: int = 0                 # incidents past MAX_INCIDENTS of their kind
    first_wall: object = None
    last_t: float = 0.0

    def take(self, record: dict[str, Any]) -> None:
        """Take one record; a damaged one is counted and skipped."""
        if self.first_wall is None:
            self.first_wall = record.get("wall")
        try:
            self.add(record)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
            self.bad += 1
        else:
            self.good += 1

    def _list(self, incidents: list[Incident], incident: Incident) -> None:
        if len(incidents) < MAX_INCIDENTS:
            incidents.append(incident)
        else:
            self.unlisted += 1

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
            self._list(self.notes, Incident(t, "note", str(record["text"])))
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
        if not (0 <= zone <= 255 and 0 <= intensity <= 255 and 0 <= heat <= 255):  # u8 on the wire
            raise ValueError("a SET entry outside the protocol's ranges")
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
            self._list(self.faults, Incident(t, to, error))

    def _unpause(self, t: float) -> None:
        if self.paused_since is not None:
            self.paused_s += max(0.0, t - self.paused_since)
            self.paused_since = None

    def _event(self, record: dict[str, Any], t: float) -> None:
        name, arg = str(record.get("name") or record["code"]), record.get("arg")
        self._list(self.events, Incident(t, "event", f"{name} (arg {arg})" if arg is not None else name))
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

    def report(self, malformed: int) -> Report:
        """Close what is still open at the end of the log and build the Report; LogError for a log of a
        newer schema than this massagectl reads."""
        version = self.session.get("schema_version")
        if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
            raise LogError(f"the session log has schema version {version}; this massagectl reads up to "
                           f"{SCHEMA_VERSION}: update massagectl to report it")
        if self.unlisted:
            self.notes.append(Incident(self.last_t, "note", f"{self.unlisted} more faults, events and "
                                       f"notes not listed (at most {MAX_INCIDENTS} of each)"))
        end_t = float(self.end["t"]) if self.end else self.last_t
        self._all_off(end_t)
        self._unpause(end_t)
        s, end = self.session, self.end or {}
        device = _mapping(s.get("device"))
        return Report(
            program=str(s.get("program", "unknown")), program_name=str(s.get("program_name", "")),
            device=str(device.get("model", "unknown")), simulator=bool(device.get("simulator", False)),
            started=str(s.get("wall") or self.first_wall or ""), duration_s=end_t,
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
            records=self.good, malformed=malformed + self.bad)


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
    """A time from the log, or None when it is not one (not a number, not finite, absurdly large)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) <= MAX_ABS_T_S:
        return float(value)
    return None


def _int_or_none(value: object) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None
