"""The device contract (issue 10 item 6), shared with the conformance kit: every rule a device shows on the
wire — e-stop latch, duplicate resend, soft-stop ramp and STOPPED, watchdog, lease expiry, NAK codes, and the
rest of the kit — checked against every backend, as pySerial runs one suite on loop:// and on a real port.

The kit runs once per backend (it starts every check from a fresh HELLO); each check is then its own test.
In-process runs include the long checks (a virtual clock makes 30 minutes free); real-time ones do not.
"""

from __future__ import annotations

import pytest

from controller.conformance import CHECKS
from tests.conformance.backends import BACKENDS, Report, checks

_reports: dict[str, Report] = {}
LONG = {c.id for c in CHECKS if c.long}


@pytest.fixture(scope="module", params=sorted(BACKENDS))
def report(request: pytest.FixtureRequest) -> Report:
    name = request.param
    if name not in _reports:
        _reports[name] = BACKENDS[name]()
    return _reports[name]


@pytest.mark.parametrize("check_id", [c.id for c in CHECKS])
def test_the_device_keeps_the_rule(report: Report, check_id: str) -> None:
    result = checks(report)[check_id]
    if check_id in LONG and report["clock"] != "virtual clock":
        assert result["status"] == "not run" and "needs --long" in str(result["reason"])
        return
    assert result["status"] == "pass", f"{check_id}: {result['reason']} {result['notes']}"


def test_the_device_was_left_stopped_and_the_run_passed(report: Report) -> None:
    assert report["left_stopped"] is True, report["stop_problem"]
    assert report["exit_code"] == 0
    assert report.get("cli_exit", 0) == 0


def test_real_time_timings_are_reported_within_bounds(report: Report) -> None:
    if report["clock"] == "virtual clock":
        figures = {f["name"]: f["ms"] for c in checks(report).values() for f in c["figures"]}
        assert figures["watchdog trip, host silence after a SET"] == pytest.approx(400.0)
        assert figures["e-stop latency, median"] == pytest.approx(0.0)
        return
    for check in checks(report).values():
        for figure in check["figures"]:
            assert figure["ok"], figure
