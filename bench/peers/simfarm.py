"""N simulators, each on its own pty, in one process: the far side of `massagectl serve` for bench/serve.py.

Prints one JSON line {"path": "", "pid"} once serving; then each stdin line is a request answered by
one JSON line: `paths` (the ptys, in order), `applied` (per device, every applied SET as
[t, [zone ids on]], t on the system-wide monotonic clock), `stops` (per device, how many watchdog trips
and lease expiries it saw), `quit`.
"""

from __future__ import annotations

import json
import os
import sys

from sim.pty_server import PtyServer


def answer(servers: list[PtyServer], request: str) -> object:
    if request == "paths":
        return [s.path for s in servers]
    if request == "applied":
        return [[[a.t, [e.zone for e in a.entries if e.intensity or e.heat]] for a in list(s.device.applied)]
                for s in servers]
    if request == "stops":
        return [{"watchdog": sum(e.cause == "watchdog" for e in list(s.device.timeline)),
                 "lease": sum(e.cause == "lease" for e in list(s.device.timeline))} for s in servers]
    return {"error": f"unknown request {request!r}"}


def main() -> None:
    servers = [PtyServer("foot") for _ in range(int(sys.argv[1]))]
    for server in servers:
        server.start()
    print(json.dumps({"path": "", "pid": os.getpid()}), flush=True)
    try:
        for line in sys.stdin:
            if line.strip() == "quit":
                break
            print(json.dumps(answer(servers, line.strip())), flush=True)
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
