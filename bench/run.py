"""`python -m bench [--quick] [--only NAME ...] [--out DIR]`: run everything, print the table, save JSON.

A complete run writes bench/results/latest.json and latest.md, appends its key figures to history.csv, and
keeps the whole JSON under history/ (not committed). --only runs some sections and writes partial.json;
--quick runs each measurement briefly (the test suite uses it so the harness cannot rot) and writes
quick.json. `firmware` (the reference firmware on the emulated chip) runs only when named in --only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import (
    history,
    idle,
    memory,
    report,
    roundtrip,
    schedule,
    serve,
    startup,
    stop,
    virtual,
    wire,
)
from bench.procs import REPO

RESULTS = Path(__file__).resolve().parent / "results"
SECTIONS = ("roundtrip", "schedule", "virtual", "idle", "stop", "startup", "wire", "memory", "serve")
OPTIONAL = ("firmware",)  # slow, needs the AVR toolchain and simavr, and measures another program


def machine() -> dict[str, Any]:
    """What the figures were measured on; a figure without its machine means little."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    return {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "cpu": cpu,
            "cores": os.cpu_count(), "python": platform.python_version(), "os": platform.platform(),
            "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "pyserial": version("pyserial"), "pymodbus": version("pymodbus"), "commit": _commit()}


def _commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    return out.stdout.strip()


def plan(quick: bool) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
    """Each section's run with full or quick parameters; memory reuses virtual's longest program."""
    q = quick
    return {
        "roundtrip": lambda _: roundtrip.run(roundtrip.RoundTripParams(100, 2) if q else
                                             roundtrip.RoundTripParams()),
        "schedule": lambda _: schedule.run(schedule.ScheduleParams(steps=20, reps=1) if q else
                                           schedule.ScheduleParams()),
        "virtual": lambda _: virtual.run(virtual.VirtualParams(1, 500, 1) if q else virtual.VirtualParams()),
        "idle": lambda _: idle.run(idle.IdleParams(1.0, 1) if q else idle.IdleParams()),
        "stop": lambda _: stop.run(stop.StopParams(2, 1) if q else stop.StopParams()),
        "startup": lambda _: startup.run(startup.StartupParams(2 if q else 10)),
        "wire": lambda _: wire.run(limit=2 if q else None),
        "memory": lambda done: memory.run(memory.MemoryParams(1, many=3) if q else memory.MemoryParams(),
                                                 _longest(done)),
        "serve": lambda _: serve.run(serve.QUICK if q else serve.ServeParams()),
        "firmware": lambda _: _firmware(q),
    }


def _firmware(quick: bool) -> dict[str, Any]:
    from bench import firmware  # imports the emulator harness: only when asked for

    return firmware.run(quick)


def _longest(done: dict[str, Any]) -> Path | None:
    programs = done.get("virtual", {}).get("programs")
    if not programs:
        return None
    from programs import PROGRAMS_DIR

    return PROGRAMS_DIR / f"{max(programs, key=lambda n: programs[n]['simulated_s'])}.yaml"


def run_all(sections: list[str], quick: bool) -> dict[str, Any]:
    """Run the chosen sections in order, timing each, and return their results."""
    steps = plan(quick)
    results: dict[str, Any] = {}
    for name in sections:
        t0 = time.perf_counter()
        print(f"running {name} …", file=sys.stderr, flush=True)
        try:
            results[name] = steps[name](results)
        except Exception as err:  # one broken measurement must not lose the others' figures
            traceback.print_exc()
            results[name] = {"error": f"{type(err).__name__}: {err}", "targets": []}
        results[name]["bench_wall_s"] = round(time.perf_counter() - t0, 2)
    return results


def save(doc: dict[str, Any], out: Path, complete: bool, md: str) -> list[Path]:
    """Write the JSON where the kind of run says (module docstring); returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, indent=1, sort_keys=False) + "\n"
    if doc["quick"] or not complete:
        paths = [out / ("quick.json" if doc["quick"] else "partial.json")]
    else:
        stamp = doc["machine"]["date"][:19].replace(":", "").replace("T", "-")
        paths = [out / "latest.json", out / "history" / f"{stamp}.json"]
        paths[1].parent.mkdir(exist_ok=True)
        (out / "latest.md").write_text(md)
        history.append(out / "history.csv", doc)
    for p in paths:
        p.write_text(text)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run, print the table, save."""
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="run each measurement briefly (for tests)")
    ap.add_argument("--only", nargs="+", choices=SECTIONS + OPTIONAL,
                    help="run only these measurements (firmware runs only when named here)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="folder for the JSON (default bench/results)")
    args = ap.parse_args(argv)
    info = machine()
    results = run_all(list(args.only or SECTIONS), args.quick)
    doc = {"machine": info, "quick": args.quick, "results": results}
    print(report.text(results, info))
    complete = set(SECTIONS) <= set(results)
    for path in save(doc, args.out, complete, report.markdown(results, info)):
        print(f"wrote {path}", file=sys.stderr)
    return 0
