"""`python -m bench.serve [--quick] [--sizes 8,16,32]`: `massagectl serve` under load, through a real broker.

Three processes, as in use: Mosquitto (Debian's, on a free loopback port), `massagectl serve --config` with
N devices, and N simulators on ptys in one helper process (bench/peers/simfarm.py). This process plays Home
Assistant with a paho client. Measured:

1. round trip: publish `cmd/pause` (toggle) → the device pauses or resumes → the state message arrives,
   p50/p99 over alternating toggles on one running device;
2. capacity: for each N, every device plays a program of 1-second steps (alternating zones at intensity 1,
   so no ramp reshapes the onsets); over a window, each step's onset error on the simulator's record
   (first SET holding the step's zone minus origin + k s), watchdog trips and lease expiries (keep-alive),
   the service's CPU (utime+stime from /proc) per device, and its peak RSS (VmHWM).

Not a timed test: figures depend on the machine and its load; the load average is recorded with them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.procs import REPO, Peer, massagectl, python_env
from bench.stats import percentile
from tests.service.broker import Broker, HomeAssistant

ZONES = [("heel", 6), ("kidney", 4), ("ankle", 7), ("toe_tips", 1)]
STEPS = 240
ONSET_TARGET_MS = 1.0       # the single-device target of the main benchmark (README)
RESULTS = REPO / "bench" / "results"


def steps_program() -> str:
    lines = ["schema_version: 1", "id: bench-steps", "name: Bench steps",
             "description: One-second steps on alternating zones at intensity 1.", "intensity_class: light",
             "steps:"]
    for k in range(STEPS):
        zone = ZONES[k % len(ZONES)][0]
        lines.append(f"  - {{name: s{k}, duration: 1s, zones: [{zone}], motion: knead, intensity: 1, "
                     "speed: 2}")
    return "\n".join(lines) + "\n"


class Setup:
    """Broker, simulator farm and service for N devices, with a Home Assistant client."""

    def __init__(self, folder: Path, n: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.broker = Broker(folder)
        self.broker.start()
        self.farm = Peer("bench.peers.simfarm", str(n))
        self.ids = [f"d{i:02d}" for i in range(n)]
        programs = folder / "programs"
        programs.mkdir(exist_ok=True)
        (programs / "bench-steps.yaml").write_text(steps_program())
        config = folder / "serve.yaml"
        devices = "".join(f"  - {{id: {d}, name: {d}, port: '{p}', remote_start: true}}\n"
                          for d, p in zip(self.ids, self.farm.ask("paths"), strict=True))
        config.write_text(f"devices:\n{devices}broker: {{host: 127.0.0.1, port: {self.broker.port}}}\n"
                          f"program_dirs: ['{programs}']\nlogs: false\n")
        env = {**python_env(), "XDG_STATE_HOME": str(folder / "state")}
        self.service = subprocess.Popen([massagectl(), "serve", "--config", str(config)], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.ha = HomeAssistant(self.broker.port)
        for d in self.ids:
            self.ha.state(f"massagectl/{d}/state", lambda s: s["state"] == "ready" and bool(s["model"]),
                          timeout_s=120)

    def start_all(self) -> None:
        mark = self.ha.mark()
        for d in self.ids:
            self.ha.publish(f"massagectl/{d}/cmd", json.dumps({"command": "start", "program": "bench-steps"}))
        for d in self.ids:
            self.ha.state(f"massagectl/{d}/state", lambda s: s["state"] == "running", mark, timeout_s=120)

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.service.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.service.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        self.service.send_signal(signal.SIGTERM)
        try:
            self.service.wait(60)
        finally:
            self.service.kill()
            self.ha.close()
            self.farm.close()
            self.broker.kill()


def round_trip(folder: Path, samples: int) -> dict[str, Any]:
    setup = Setup(folder, 1)
    try:
        setup.start_all()
        times = []
        for i in range(samples):
            want = "paused" if i % 2 == 0 else "running"
            mark = setup.ha.mark()
            t0 = time.perf_counter()
            setup.ha.publish("massagectl/d00/cmd/pause", "PRESS")
            setup.ha.state("massagectl/d00/state", lambda s, w=want: s["state"] == w, mark)
            times.append(time.perf_counter() - t0)
            time.sleep(0.3)  # spacing, not synchronisation: let the state's progress interval pass
        ms = [t * 1000 for t in times]
        return {"samples": samples, "p50_ms": round(percentile(ms, 50), 3),
                "p99_ms": round(percentile(ms, 99), 3), "max_ms": round(max(ms), 3)}
    finally:
        setup.close()


def capacity(folder: Path, n: int, window_s: float) -> dict[str, Any]:
    setup = Setup(folder, n)
    try:
        setup.start_all()
        cpu0, t0 = setup.cpu_s(), time.monotonic()
        time.sleep(window_s)  # the measurement window
        cpu1, t1 = setup.cpu_s(), time.monotonic()
        applied = setup.farm.ask("applied")
        stops = setup.farm.ask("stops")
        errors = [e for device in applied for e in _onset_errors(device, t0, t1)]
        ms = [abs(e) * 1000 for e in errors]
        return {"devices": n, "window_s": window_s, "onsets": len(ms),
                "onset_p50_ms": round(percentile(ms, 50), 3) if ms else None,
                "onset_p99_ms": round(percentile(ms, 99), 3) if ms else None,
                "onset_max_ms": round(max(ms), 3) if ms else None,
                "watchdog_trips": sum(s["watchdog"] for s in stops),
                "lease_expiries": sum(s["lease"] for s in stops),
                "cpu_percent_core": round(100 * (cpu1 - cpu0) / (t1 - t0), 2),
                "cpu_percent_core_per_device": round(100 * (cpu1 - cpu0) / (t1 - t0) / n, 3),
                "peak_rss_mb": round(setup.peak_rss_mb(), 1),
                "peak_rss_mb_per_device": round(setup.peak_rss_mb() / n, 2)}
    finally:
        setup.close()


def _onset_errors(applied: list[list[Any]], t0: float, t1: float) -> list[float]:
    """Each step's onset minus its due time, for steps due inside the window."""
    sets = [(t, set(zones)) for t, zones in applied]
    origin = next((t for t, zones in sets if zones), None)
    if origin is None:
        return []
    errors = []
    for k in range(STEPS):
        due = origin + k
        if not t0 <= due <= t1 - 1:
            continue
        zone = ZONES[k % len(ZONES)][1]
        onset = next((t for t, zones in sets if t >= due - 0.5 and zone in zones), None)
        if onset is not None:
            errors.append(onset - due)
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", default="8,16,32,48")
    args = parser.parse_args()
    sizes = [4] if args.quick else [int(s) for s in args.sizes.split(",")]
    result: dict[str, Any] = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cores": os.cpu_count(),
                              "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    with tempfile.TemporaryDirectory() as tmp:
        result["round_trip"] = round_trip(Path(tmp) / "rt", 10 if args.quick else 100)
        print("round trip:", result["round_trip"], flush=True)
        result["capacity"] = []
        for n in sizes:
            row = capacity(Path(tmp) / f"n{n}", n, 5.0 if args.quick else 20.0)
            result["capacity"].append(row)
            print(row, flush=True)
    result["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    name = "serve-quick.json" if args.quick else "serve-latest.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to bench/results/{name}")


if __name__ == "__main__":
    main()
