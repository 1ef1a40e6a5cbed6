"""The benchmark harness in --quick mode: every section runs and reports sane figures (not their speed)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pymodbus  # noqa: F401 - in the test extra: the quick bench must run in CI, never be skipped
import pytest

from bench.roundtrip import FLOORS, PEERS
from bench.run import SECTIONS
from tests.parts import missing

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One quick run for the whole module, started as a user would start it."""
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(out)], cwd=REPO,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    if "Traceback" in done.stderr:  # a section raised: say why here, not as a missing key later
        print(done.stderr[-4000:])
    assert "target" in done.stdout
    return json.loads((out / "quick.json").read_text())


def positive(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


def test_every_section_and_the_machine(quick: dict[str, Any]) -> None:
    assert quick["quick"] is True
    assert set(quick["results"]) == set(SECTIONS)
    broken = {name: r["error"] for name, r in quick["results"].items() if "error" in r}
    assert not broken, broken  # a section that raised (its traceback is on the bench's stderr)
    for key in ("date", "cpu", "cores", "python", "os"):
        assert quick["machine"][key]


def test_round_trip(quick: dict[str, Any]) -> None:
    r = quick["results"]["roundtrip"]
    assert {"massagectl", "floor", "pymodbus_sync", "pymodbus_async"} <= set(r["contenders"])
    for f in r["contenders"].values():
        assert 0 < f["p50_us"] <= f["p99_us"] <= f["max_us"] < 1e6
        assert positive(f["per_s"])
    assert r["frame_bytes"] == {"set": 16, "ack": 9}


C_ROWS = {"c_client_c_echo", "python_os_c_echo", "pyserial_c_echo", "link_c_echo", "pymodbus_sync_c_echo",
          "pymodbus_async_c_echo"}


def test_round_trip_floors_each_ratio_naming_its_floor(quick: dict[str, Any]) -> None:
    r = quick["results"]["roundtrip"]
    if "c_echo" in r["skipped"]:  # no cc here: the reason says what to install; under CI=true a failure
        assert "gcc" in r["skipped"]["c_echo"] and not C_ROWS & set(r["contenders"])
        missing(r["skipped"]["c_echo"])
    # the pymodbus rows only exist if its clients accepted the C echo's canned reply (CRC and all)
    assert set(r["contenders"]) >= C_ROWS
    assert set(r["ratios"]) >= {key for key, *_ in FLOORS} | {key for key, *_ in PEERS}
    assert set(r["floors"]) == {key for key, *_ in FLOORS} | {key for key, *_ in PEERS}
    assert "the Python floor" in r["floors"]["link_to_python_floor"]
    assert "the physical floor" in r["floors"]["python_to_physical_floor"]
    for key, floor in r["floors"].items():
        ours, theirs = floor.split(" (")[0].split(" / ")
        assert theirs in r["contenders"] or theirs.startswith("min(")
        assert r["ratios"][key] > 0
    assert {t["issue"] for t in r["targets"]} == {"6", "12"}


def test_schedule(quick: dict[str, Any]) -> None:
    r = quick["results"]["schedule"]
    for f in r["contenders"].values():
        assert 0 <= f["p50_ms"] <= f["p99_ms"] <= f["max_ms"] < 1000


def test_virtual_time(quick: dict[str, Any]) -> None:
    r = quick["results"]["virtual"]
    assert len(r["programs"]) == len(list((REPO / "programs").glob("*.yaml")))
    assert all(p["outcome"] == "completed" and p["simulated_s"] > 60 for p in r["programs"].values())
    assert r["library"]["speedup"] > 1


def test_virtual_time_on_the_cli_path_with_the_log(quick: dict[str, Any]) -> None:
    r = quick["results"]["virtual"]
    cli = r["cli"]
    assert set(cli["programs"]) == set(r["programs"])
    for name, p in cli["programs"].items():  # the same run, the same simulated length, and a log written
        assert p["exit"] == 0 and p["log_bytes"] > 0
        assert p["simulated_s"] == pytest.approx(r["programs"][name]["simulated_s"], rel=1e-3)
    assert cli["library"]["slowest_program"] in cli["programs"]
    assert positive(cli["library"]["over_library"]) and positive(cli["library"]["process_wall_s"])


def test_idle_and_stop(quick: dict[str, Any]) -> None:
    idle = quick["results"]["idle"]["figures"]
    assert 0 < idle["controller_pct"] < 100 and 0 <= idle["simulator_pct"] < 100
    for f in quick["results"]["stop"]["contenders"].values():
        assert f["n"] >= 1 and 0 < f["p50_ms"] <= f["max_ms"] < 1000


def test_startup_wire_memory(quick: dict[str, Any]) -> None:
    startup = quick["results"]["startup"]["figures"]
    assert startup["python_c_pass"]["ratio_to_python"] == 1
    assert all(positive(f["ms"]) for f in startup.values())
    wire = quick["results"]["wire"]
    assert wire["frames"]["set_4zone"] > wire["frames"]["set_1zone"]
    assert all(0 < p["share_9600"] < 10 for p in wire["programs"].values())
    memory = quick["results"]["memory"]
    assert 5 < memory["figures"]["peak_rss_mib"] < 2000
    assert memory["figures"]["imports_only_mib"] < memory["figures"]["peak_rss_mib"]  # its own, not inherited
    many = memory["many"]
    assert many["figures"]["rss_many_mib"] > many["figures"]["rss_one_mib"] > 5
    assert 0 < many["figures"]["cpu_percent_core_per_device"] < 100
    assert [name for name, _ in many["ladder"]][0] == "interpreter" and many["top"]


def test_serve_through_a_real_broker(quick: dict[str, Any]) -> None:
    r = quick["results"]["serve"]
    if "serve" in r["skipped"]:  # no Mosquitto here: the reason names the package; under CI=true a failure
        assert "mosquitto" in r["skipped"]["serve"]
        missing(r["skipped"]["serve"])
    trip = r["round_trip"]
    assert trip["samples"] >= 2 and 0 < trip["p50_ms"] <= trip["p99_ms"] <= trip["max_ms"] < 10_000
    (size,) = r["capacity"]
    assert size["onsets"] > 0, "every device played steps inside the window"
    assert 0 < size["cpu_percent_core"] < 100 and size["peak_rss_mb"] > 5
    assert {t["issue"] for t in r["targets"]} == {"11"} and len(r["targets"]) == 2


def test_every_target_has_a_mark(quick: dict[str, Any]) -> None:
    targets = [t for r in quick["results"].values() for t in r["targets"]]
    assert len(targets) >= 16
    assert all(isinstance(t["met"], bool) and math.isfinite(t["value"]) for t in targets)


def test_wire_per_direction(quick: dict[str, Any]) -> None:
    wire = quick["results"]["wire"]
    assert set(wire["runs"]) == {"foot/115200", "foot/9600", "chair/115200", "chair/9600"}
    for key, programs in wire["runs"].items():
        for case in programs.values():
            assert case["outcome"] == "completed"
            for direction in ("tx", "rx"):
                shares = (case[direction]["handshake_share"], case[direction]["playing_share"])
                assert all(0 < s < 1 for s in shares), (key, direction, shares)
    assert wire["worst_direction_share_9600"]["handshake"] > 0
