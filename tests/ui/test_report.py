"""The session report: exact figures from a hand-written log, damaged logs, and the command line."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from controller.cli import main
from controller.runs.logrecords import parse_lines
from controller.runs.report import Incident, LogError, ZoneSummary, load_report, summarise

DATA = Path(__file__).parent / "data"
FAULT_LOG = DATA / "session-fault.jsonl"


def test_hand_written_log_gives_exact_figures() -> None:
    r = load_report(FAULT_LOG)
    assert (r.program, r.program_name, r.device, r.simulator) == (
        "circulation-warmup", "Circulation warm-up", "FootMate Sim", True)
    assert r.started == "2025-03-01T20:00:00.000+00:00"
    assert (r.duration_s, r.planned_s) == (90.5, 120.0)
    # ankle 0.1 → 30 (turned off by a SET); ball 10 → 40 and 55 → 60 (pauses); heel 70 → 90 (fault)
    assert r.zones == (ZoneSummary("heel", 20.0, 3), ZoneSummary("ankle", 29.9, 6),
                       ZoneSummary("ball", 35.0, 7))
    assert (r.peak_intensity, r.intensity_max) == (7, 10)  # the maximum comes from the HELLO_REPLY
    assert (r.pauses, r.paused_s) == (2, 25.0)
    assert r.faults == (Incident(90.0, "fault", "LinkClosed"),)
    assert r.events == (Incident(60.0, "event", "FOOT_REMOVED (arg 1)"),)
    assert [n.detail for n in r.notes] == ["foot removed: pausing",
                                           "fault: the port went away (at 75.0 s, step 3)"]
    assert r.naks == 1
    assert (r.outcome, r.end_position_s, r.end_error) == ("fault", 75.0, "the port went away")
    assert (r.records, r.malformed) == (28, 0)


V2_TYPES = {"Hello": "HELLO", "HelloReply": "HELLO_REPLY", "SetActuators": "SET", "Ack": "ACK", "Nak": "NAK",
            "SoftStop": "SOFT_STOP", "EmergencyStop": "ESTOP", "GetStatus": "GET_STATUS", "Status": "STATUS",
            "Heartbeat": "HEARTBEAT", "Event": "EVENT", "GetZone": "GET_ZONE", "ZoneInfo": "ZONE_INFO"}


def _as_schema_2(line: str) -> str:
    """The hand-written (schema 1) log as massagectl writes it now: protocol names, error kinds."""
    record = json.loads(line)
    if record["kind"] == "session":
        record["schema_version"] = 2
    if record["kind"] in ("tx", "rx"):
        record["type"] = V2_TYPES[record["type"]]
    if record["kind"] == "state" and record.get("error"):
        record["error"] = {"LinkClosed": "link_closed"}[record["error"]]
    return json.dumps(record)


def test_a_schema_2_log_gives_the_same_figures(tmp_path: Path) -> None:
    log = tmp_path / "v2.jsonl"
    log.write_text("\n".join(_as_schema_2(line) for line in FAULT_LOG.read_text().splitlines()) + "\n")
    old, new = load_report(FAULT_LOG), load_report(log)
    assert new.faults == (Incident(90.0, "fault", "link_closed"),)
    assert dataclasses.replace(new, faults=old.faults) == old  # zones, pauses, NAKs, peaks: all alike


def test_a_log_of_a_newer_schema_is_refused_not_misread(tmp_path: Path) -> None:
    log = tmp_path / "v9.jsonl"
    log.write_text(json.dumps(rec(0.0, "session", schema_version=9, program="p")) + "\n")
    with pytest.raises(LogError, match="schema version 9"):
        load_report(log)


def rec(t: float, kind: str, **fields: Any) -> dict[str, Any]:
    return {"t": t, "kind": kind, **fields}


def set_(t: float, *entries: tuple[int, int, int]) -> dict[str, Any]:
    """A SET tx of (zone, intensity, heat) entries."""
    return rec(t, "tx", type="SetActuators", fields={"entries": [
        {"zone": z, "motion": 1 if i else 0, "intensity": i, "speed": 2, "heat": h, "lease_ms": 1500}
        for z, i, h in entries]})


SESSION = rec(0.0, "session", program="p", device={"model": "M", "intensity_max": 5},
              zones={"1": "a", "2": "b"})


def test_stops_events_and_heat_only_zones_end_or_count_activity() -> None:
    r = summarise([
        SESSION,
        set_(1.0, (1, 3, 0), (2, 0, 2)),   # b is on by heat alone
        rec(4.0, "event", code=6, name="LEASE_EXPIRED", arg=2),
        set_(5.0, (2, 2, 0)),
        rec(9.0, "tx", type="SoftStop", fields={"ramp_ms": 3000}),
        set_(10.0, (1, 4, 0)),
        rec(12.0, "event", code=3, name="WATCHDOG", arg=0),
        set_(13.0, (1, 5, 0)),
        rec(14.0, "tx", type="EmergencyStop", fields={}),
        rec(14.0, "state", to="emergency_stop", error=""),
        rec(15.0, "end", outcome="emergency_stop", position_s=12.0, error=""),
    ])
    assert r.zones == (ZoneSummary("a", 8.0 + 2.0 + 1.0, 5), ZoneSummary("b", 3.0 + 4.0, 2))
    assert (r.peak_intensity, r.intensity_max) == (5, 5)
    assert r.faults == (Incident(14.0, "emergency_stop", ""),)
    assert r.outcome == "emergency_stop"


def test_a_log_without_an_end_record_ends_at_its_last_record() -> None:
    r = summarise([SESSION, set_(1.0, (1, 2, 0)), rec(3.0, "state", to="paused", error=""),
                   rec(6.5, "tx", type="Heartbeat", fields={})])
    assert r.zones == (ZoneSummary("a", 2.0, 2),)
    assert (r.pauses, r.paused_s, r.duration_s) == (1, 3.5, 6.5)
    assert r.outcome == "unknown"
    assert "no end record" in r.end_error
    assert r.intensity_max == 5


def test_malformed_lines_are_skipped_and_counted() -> None:
    lines = [json.dumps(SESSION), "not json {", "[1, 2]", '{"kind": "tx"}', '{"t": true, "kind": "note"}', "",
             json.dumps(rec(1.0, "tx", type="SetActuators", fields={"entries": 5})),
             json.dumps(set_(2.0, (1, 4, 0))), json.dumps(rec(4.0, "end", outcome="completed"))]
    records, malformed = parse_lines(lines)
    assert (len(records), malformed) == (4, 4)
    r = summarise(records, malformed)
    assert (r.records, r.malformed) == (3, 5)  # the SET whose entries are not a list is skipped too
    assert r.zones == (ZoneSummary("a", 2.0, 4),)
    assert r.outcome == "completed"


def test_unknown_zone_ids_are_named_by_id() -> None:
    r = summarise([rec(0.0, "session", zones="damaged"), set_(0.0, (9, 1, 0)), rec(1.0, "end", outcome="x")])
    assert r.zones == (ZoneSummary("zone 9", 1.0, 1),)
    assert r.intensity_max is None


@pytest.mark.parametrize("content", ["", "\n\n", "garbage\n{}\n"])
def test_a_log_with_no_records_is_a_clear_error(tmp_path: Path, content: str) -> None:
    log = tmp_path / "empty.jsonl"
    log.write_text(content)
    with pytest.raises(LogError, match="holds no session records"):
        load_report(log)


def test_a_missing_log_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="cannot read session log .*missing.jsonl"):
        load_report(tmp_path / "missing.jsonl")


# --- the command line -----------------------------------------------------------------------------

def test_cli_report_table() -> None:
    result = CliRunner().invoke(main, ["report", str(FAULT_LOG)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Circulation warm-up (circulation-warmup)" in out
    assert "FootMate Sim [simulator]" in out
    assert "01:30 of 02:00 planned" in out
    assert "fault at 01:15" in out
    assert "2, 00:25 in all" in out
    assert "7/10" in out
    for zone, active in (("heel", "00:20"), ("ankle", "00:29"), ("ball", "00:35")):
        assert any(zone in line and active in line for line in out.splitlines()), zone
    assert "FOOT_REMOVED (arg 1)" in out and "LinkClosed" in out


def test_cli_report_json() -> None:
    result = CliRunner().invoke(main, ["report", str(FAULT_LOG), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["zones"] == [{"zone": "heel", "active_s": 20.0, "peak_intensity": 3},
                             {"zone": "ankle", "active_s": 29.9, "peak_intensity": 6},
                             {"zone": "ball", "active_s": 35.0, "peak_intensity": 7}]
    assert (data["pauses"], data["paused_s"], data["outcome"]) == (2, 25.0, "fault")


@pytest.mark.parametrize("name", ["missing.jsonl", "garbage.jsonl"])
def test_cli_report_errors_are_one_line_and_non_zero(tmp_path: Path, name: str) -> None:
    (tmp_path / "garbage.jsonl").write_text("this is not a session log\n")
    result = CliRunner().invoke(main, ["report", str(tmp_path / name)])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("massagectl: ")
    assert "Traceback" not in result.output


def test_log_text_is_shown_as_is_never_as_markup(tmp_path: Path) -> None:
    log = tmp_path / "markup.jsonl"
    records = [rec(0.0, "session", program="[bold]p[/]", device={"model": "[/]"}),
               rec(1.0, "note", text="[/oops] [red]"), rec(2.0, "end", outcome="completed")]
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = CliRunner().invoke(main, ["report", str(log)])
    assert result.exit_code == 0, result.output
    assert "[bold]p[/]" in result.output and "[/oops] [red]" in result.output


def test_a_log_appended_to_twice_reports_the_last_session_or_the_one_asked_for(tmp_path: Path) -> None:
    log = tmp_path / "twice.jsonl"
    first = [rec(0.0, "session", program="first"), set_(0.0, (1, 2, 0)), rec(10.0, "end", outcome="stopped")]
    second = [rec(0.0, "session", program="second"), set_(0.0, (1, 3, 0)),
              rec(4.0, "end", outcome="completed")]
    log.write_text("".join(json.dumps(r) + "\n" for r in first + second))
    last = load_report(log)
    assert (last.program, last.duration_s, last.session, last.sessions) == ("second", 4.0, 2, 2)
    assert load_report(log, 1).zones == (ZoneSummary("zone 1", 10.0, 2),)
    with pytest.raises(LogError, match="holds 2 session"):
        load_report(log, 3)
    result = CliRunner().invoke(main, ["report", str(log), "--session", "1"])
    assert result.exit_code == 0, result.output
    assert "1 of 2 in this log" in result.output and "first" in result.output


def _real_log(tmp_path: Path, log: Path, program: str) -> None:
    """A log written by `massagectl run` itself: its handshake records come before its session record."""
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state")}
    result = CliRunner().invoke(main, ["run", program, "--sim", "--speed", "max", "--log", str(log),
                                       "--acknowledge"], env=env)
    assert result.exit_code == 0, result.output


def test_a_log_of_one_run_holds_one_session(tmp_path: Path) -> None:
    """Issue 14: the handshake before the session record made a phantom first session ("2 of 2")."""
    log = tmp_path / "one.jsonl"
    _real_log(tmp_path, log, "circulation-warmup")
    report = load_report(log)
    assert (report.session, report.sessions, report.program) == (1, 1, "circulation-warmup")
    assert report.outcome == "completed"
    result = CliRunner().invoke(main, ["report", str(log)])
    assert result.exit_code == 0 and "in this log" not in result.output, result.output


def test_a_log_appended_by_two_runs_holds_two_sessions_each_with_its_handshake(tmp_path: Path) -> None:
    log = tmp_path / "two.jsonl"
    _real_log(tmp_path, log, "circulation-warmup")
    _real_log(tmp_path, log, "sleep")
    first, second = load_report(log, 1), load_report(log, 2)
    assert (first.program, second.program, second.sessions) == ("circulation-warmup", "sleep", 2)
    assert first.outcome == second.outcome == "completed"
