"""The kit can fail: each deliberately non-conforming simulator (sim/defects.py) fails its own check and no
other, on both profiles, with the long checks included (a virtual clock makes them free)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sim.defects import DEFECTS
from sim.profiles import CHAIR, FOOT, SimZone
from tests.conformance.backends import checks, in_process

CAUGHT_BY = {
    "no-watchdog": "watchdog",
    "no-lease": "leases",
    "dup-reapply": "duplicates",
    "slow-estop": "estop-latency",
    "bad-crc-accept": "crc",
    "no-nak-range": "set-ranges",
}


def test_every_defect_has_the_check_that_catches_it() -> None:
    assert set(CAUGHT_BY) == set(DEFECTS)


@pytest.mark.parametrize("profile", ["foot", "chair"])
def test_a_conforming_simulator_passes_every_check(profile: str) -> None:
    report = in_process(profile)
    assert {c["status"] for c in checks(report).values()} == {"pass"}
    assert report["exit_code"] == 0 and report["left_stopped"] is True


@pytest.mark.parametrize("profile", ["foot", "chair"])
@pytest.mark.parametrize("defect", sorted(CAUGHT_BY))
def test_a_defect_fails_its_check_and_only_that_check(defect: str, profile: str) -> None:
    report = in_process(profile, (defect,))
    failed = [i for i, c in checks(report).items() if c["status"] != "pass"]
    assert failed == [CAUGHT_BY[defect]]
    assert checks(report)[CAUGHT_BY[defect]]["status"] == "fail"
    assert report["exit_code"] == 4 and report["left_stopped"] is True


def test_the_failures_say_what_the_device_did() -> None:
    reasons = {d: str(checks(in_process("foot", (d,), long=False))[check]["reason"])
               for d, check in CAUGHT_BY.items()}
    assert "no EVENT WATCHDOG" in reasons["no-watchdog"]
    assert "no EVENT LEASE_EXPIRED" in reasons["no-lease"]
    assert "byte for byte" in reasons["dup-reapply"]
    assert "e-stop latency, median: 500.0 ms" in reasons["slow-estop"]
    assert "expected NAK BAD_CRC" in reasons["bad-crc-accept"] and "got ACK" in reasons["bad-crc-accept"]
    assert "expected NAK OUT_OF_RANGE" in reasons["no-nak-range"]


def test_a_check_that_cannot_see_a_rule_says_so_rather_than_passing_silently() -> None:
    """Without leases the duplicate check cannot see a SET applied twice: it notes that (the lease check
    fails); it does not claim to have seen the SET applied once."""
    notes = checks(in_process("foot", ("no-lease",)))["duplicates"]["notes"]
    assert any("not observable" in str(n) for n in notes)


EDGES = {  # devices at the edges of what §3.2 allows: the kit must pass them when they conform
    "watchdog 100 ms": replace(FOOT, watchdog_ms=100),
    "watchdog 500 ms": replace(FOOT, watchdog_ms=500),
    "leases up to 100 ms": replace(FOOT, max_lease_ms=100),
    "intensity and speed 1": replace(FOOT, intensity_max=1, speed_max=1),
    "intensity and speed 255": replace(FOOT, intensity_max=255, speed_max=255),
    "no heater, no sensor": replace(CHAIR, heat_max=0, temp_sensor=False,
                                    zones=tuple(replace(z, heated=False) for z in CHAIR.zones)),
    "one zone": replace(FOOT, zones=(SimZone(4, "kidney", True),)),
    "one motion": replace(FOOT, motions=("press",)),
    "32 vendor zones": replace(FOOT, zones=tuple(SimZone(128 + i, f"z{i}", i % 2 == 0) for i in range(32))),
    "session cap 60 s": replace(FOOT, max_session_s=60),
}


@pytest.mark.parametrize("edge", sorted(EDGES))
def test_a_conforming_device_at_the_edges_of_its_ranges_passes(edge: str) -> None:
    report = in_process(EDGES[edge])
    statuses = {i: c["status"] for i, c in checks(report).items()}
    assert set(statuses.values()) <= {"pass", "not run"}, statuses
    assert report["exit_code"] == 0


@pytest.mark.parametrize("edge", ["watchdog 100 ms", "leases up to 100 ms"])
@pytest.mark.parametrize("defect", sorted(CAUGHT_BY))
def test_defects_are_caught_with_the_shortest_timers_too(defect: str, edge: str) -> None:
    report = in_process(EDGES[edge], (defect,), long=False)
    assert [i for i, c in checks(report).items() if c["status"] == "fail"] == [CAUGHT_BY[defect]]
