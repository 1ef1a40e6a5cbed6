"""The benchmark's own parts, without a run: the C peers answer exactly, skips name what to install, and
results land where bench/README.md says."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymodbus.framer.rtu import FramerRTU

from bench import firmware, history, modbus, native
from bench.roundtrip import ack_frames, raw_with_timeout, set_frames
from bench.run import save
from tests.parts import need, need_file

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cfloor() -> Path:
    need("cc", "gcc")
    return native.build()


@pytest.fixture
def tty_of() -> Iterator[Any]:
    """Opens a pty's slave side raw, reads bounded to a second; closes what it opened."""
    fds: list[int] = []

    def open_raw(path: str) -> int:
        fds.append(os.open(path, os.O_RDWR | os.O_NOCTTY))
        raw_with_timeout(fds[-1])
        return fds[-1]

    yield open_raw
    for fd in fds:
        os.close(fd)


def read_frame(fd: int, end: bytes = b"\x00", size: int | None = None) -> bytes:
    got = b""
    while not (got.endswith(end) if size is None else len(got) >= size):
        more = os.read(fd, 4096)
        assert more, f"no answer; got {got!r}"
        got += more
    return got


def test_without_a_compiler_the_c_rows_skip_naming_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC", "no-such-compiler-here")
    with pytest.raises(native.Unavailable, match="apt-get install gcc"):
        native.build()


def test_the_c_echo_answers_each_frame_with_the_ack_of_its_seq(cfloor: Path, tty_of: Any) -> None:
    with native.echo_peer(cfloor, ack_frames()) as echo:
        fd = tty_of(echo.path)
        for seq in (0, 1, 7, 255):
            os.write(fd, b"\x01\x00" + set_frames()[seq])  # a too-short frame first: no answer to it
            assert read_frame(fd) == ack_frames()[seq]


def test_the_c_echo_answers_pymodbus_with_a_crc_correct_reply(cfloor: Path, tty_of: Any) -> None:
    request, reply = modbus.write_register_request(), modbus.write_register_reply()
    assert FramerRTU.compute_CRC(request[:-2]).to_bytes(2, "big") == request[-2:]
    with native.fixed_peer(cfloor, request, reply) as peer:
        fd = tty_of(peer.path)
        os.write(fd, b"\xff" + request)  # a stray byte first: the peer skips to the request
        assert read_frame(fd, size=len(reply)) == reply


def test_the_c_client_times_round_trips_to_the_echo(cfloor: Path) -> None:
    with native.echo_peer(cfloor, ack_frames()) as echo:
        client = native.CClient(cfloor, echo.path, set_frames())
        try:
            took = client.batch(50)
        finally:
            client.close()
    assert len(took) == 50 and all(0 < t < 1 for t in took)


def test_firmware_section_skips_naming_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    parts = (("no-such-avr-gcc", "gcc-avr"), ("/no/such/sim_avr.h", "simavr-x"), ("sh", "dash"))
    monkeypatch.setattr(firmware, "PARTS", parts)
    result = firmware.run(quick=True)
    assert result["skipped"]["firmware"] == ("needs the Debian packages gcc-avr simavr-x "
                                             "(apt-get install gcc-avr simavr-x)")
    assert result["targets"] == []


def doc(quick: bool, date: str) -> dict[str, Any]:
    target = {"name": "round trip p50 / echo floor p50", "value": 2.5, "goal": "<= 2 x", "unit": "x",
              "met": False, "issue": "6"}
    return {"machine": {"date": date, "commit": "abc1234", "load_before": "1.00 1.00 1.00"}, "quick": quick,
            "results": {"roundtrip": {"targets": [target], "contenders": {"floor": {"p50_us": 30.0}},
                                      "ratios": {"to_floor": 2.5, "link_cost_us": 9.0}}}}


def test_results_go_where_the_readme_says(tmp_path: Path) -> None:
    def names(paths: list[Path]) -> list[str]:
        return [p.name for p in paths]

    assert names(save(doc(True, "2026-01-01T00:00:00"), tmp_path, True, "md")) == ["quick.json"]
    assert names(save(doc(False, "2026-01-01T00:00:01"), tmp_path, False, "md")) == ["partial.json"]
    assert not (tmp_path / "latest.json").exists() and not (tmp_path / "history.csv").exists()
    for second in (2, 3):
        save(doc(False, f"2026-01-01T00:00:0{second}"), tmp_path, True, "the table")
    assert json.loads((tmp_path / "latest.json").read_text())["machine"]["date"].endswith("03")
    assert (tmp_path / "latest.md").read_text() == "the table"
    assert sorted(p.name for p in (tmp_path / "history").iterdir()) == ["2026-01-01-000002.json",
                                                                       "2026-01-01-000003.json"]
    with (tmp_path / "history.csv").open(encoding="utf-8") as f:
        lines = list(csv.DictReader(f))
    assert [tuple(line.values()) for line in lines[:4]] == [
        ("2026-01-01T00:00:02", "abc1234", "1.00 1.00 1.00", "roundtrip", "round trip p50 / echo floor p50",
         "2.5", "x"),
        ("2026-01-01T00:00:02", "abc1234", "1.00 1.00 1.00", "roundtrip", "floor p50", "30", "µs"),
        ("2026-01-01T00:00:02", "abc1234", "1.00 1.00 1.00", "roundtrip", "to_floor", "2.5", "x"),
        ("2026-01-01T00:00:02", "abc1234", "1.00 1.00 1.00", "roundtrip", "link_cost_us", "9", "µs")]
    assert len(lines) == 2 * len(history.rows(doc(False, "x")))  # one header, each run's lines once


def test_firmware_section_measures_the_emulated_chip(tmp_path: Path) -> None:
    for part, package in firmware.PARTS:
        (need_file if part.startswith("/") else need)(part, package)
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--only", "firmware", "--out",
                           str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads((tmp_path / "quick.json").read_text())["results"]["firmware"]["figures"]
    assert 0 < figures["round_trip"]["chip"]["p50_us"] < figures["round_trip"]["wall"]["p50_us"]
    assert 0 < figures["estop_to_off"]["max_us"] < 5000
    assert "9 firmware" in done.stdout and "ESTOP" in done.stdout
