"""The project's simulator on a pty in its own process, answering questions about what it recorded on stdin.

Prints one JSON line {"path", "pid"} once serving; then each stdin line is a request answered by one JSON
line: `timeline` (every actuator change as [t, zone_id, intensity, heat, cause], t on the system-wide
monotonic clock), `cpu` (this process's CPU seconds, all threads), `quit`. Timestamps share
time.monotonic with every other process on the machine, so the bench can compare them with when it acted.
"""

from __future__ import annotations

import json
import os
import sys
import time

from sim.pty_server import PtyServer


def answer(server: PtyServer, request: str) -> object:
    """One reply to one request line."""
    if request == "timeline":
        return [[e.t, e.zone_id, e.intensity, e.heat, e.cause] for e in list(server.device.timeline)]
    if request == "cpu":
        return {"cpu_s": time.process_time()}  # every thread, at clock_gettime resolution
    return {"error": f"unknown request {request!r}"}


def main() -> None:
    """Serve until stdin closes or says quit."""
    server = PtyServer(profile=sys.argv[1] if len(sys.argv) > 1 else "foot")
    path = server.start()
    print(json.dumps({"path": path, "pid": os.getpid()}), flush=True)
    try:
        for line in sys.stdin:
            if line.strip() == "quit":
                break
            print(json.dumps(answer(server, line.strip())), flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
