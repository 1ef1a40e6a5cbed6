"""How long a device's change takes to reach a page: command → supervisor → simulator → WebSocket.

Not a test (timings depend on the machine's load): run it to measure, on the real hub with simulators.

    .venv/bin/python -m tests.web.measure_latency [ROUNDS]

For each round it presses + or − (alternately) through the HTTP API of a real uvicorn server and waits on
the page's WebSocket for the status whose heel zone holds the new level (sent to the simulator and
acknowledged); it prints p50/p95/max of that round trip. Rises are held to the safety ramp (2 levels/s), so
only the − presses measure the path alone; the + presses are shown for what a user sees.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
import urllib.request
from pathlib import Path

import websockets

from controller.cli.serve_run import service_config, service_hub
from controller.web.app import WebConfig, create_app
from controller.web.server import WebServer, bind

PROGRAMS = Path(__file__).resolve().parent / "programs"


def _post(url: str, body: dict[str, object]) -> None:
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=5) as reply:
        reply.read()


async def _measure(base: str, rounds: int) -> dict[str, list[float]]:
    async with websockets.connect(base.replace("http", "ws") + "/ws") as socket:
        async def until(check: object) -> dict[str, object]:
            while True:
                message = json.loads(await socket.recv())
                if message["device"] == "sim-1" and check(message):  # type: ignore[operator]
                    return message  # type: ignore[no-any-return]

        await asyncio.to_thread(_post, f"{base}/api/devices/sim-1/command",
                                {"command": "start", "program": "web-test"})
        await until(lambda m: m["state"] == "running" and m["zones"])
        samples: dict[str, list[float]] = {"intensity_up": [], "intensity_down": []}
        for n in range(rounds):
            command, level = ("intensity_up", 5) if n % 2 == 0 else ("intensity_down", 4)
            sent = time.perf_counter()
            await asyncio.to_thread(_post, f"{base}/api/devices/sim-1/command", {"command": command})
            await until(lambda m, v=level: m["zones"] and m["zones"][0]["intensity"] == v)
            samples[command].append(time.perf_counter() - sent)
        await asyncio.to_thread(_post, f"{base}/api/devices/sim-1/command", {"command": "emergency_stop"})
        return samples


def main(rounds: int) -> None:
    hub = service_hub(service_config(None, 1, remote_start=True, broker=None, no_log=True, dirs=(PROGRAMS,)))
    server = WebServer(create_app(WebConfig(hub=hub)), bind("127.0.0.1", 0))
    hub.start()
    server.start()
    try:
        samples = asyncio.run(_measure(f"http://127.0.0.1:{server.port}", rounds))
    finally:
        hub.stop()
        server.stop()
    for command, seconds in samples.items():
        ms = sorted(s * 1000 for s in seconds)
        print(f"{command}: {len(ms)} presses, press → zone changed on the page: "
              f"p50 {statistics.median(ms):.1f} ms, p95 {ms[int(0.95 * (len(ms) - 1))]:.1f} ms, "
              f"max {ms[-1]:.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
