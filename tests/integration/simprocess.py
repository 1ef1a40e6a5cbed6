"""A simulator in its own process on a pty, as a user runs one, with its --record read back."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

MASSAGECTL = [sys.executable, "-m", "controller.cli"]
SIM_SHUTDOWN = "shutdown"  # the cause the simulator records for what it turns off as it exits


class SimProcess:
    """`massagectl sim --pty --record FILE` in its own process."""

    def __init__(self, record: Path, *extra: str) -> None:
        self.record = record
        self.proc = subprocess.Popen([*MASSAGECTL, "sim", "--pty", "--record", str(record), *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.path = self.proc.stdout.readline().strip()
        assert self.path.startswith("/dev/"), self.proc.stderr.read() if self.proc.stderr else ""

    def stop(self, sig: int = signal.SIGINT) -> int:
        """Signal it and wait: every record line is then written. Returns its exit code."""
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=10)

    def records(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.record.read_text().splitlines() if line.strip()]

    def actuators(self) -> list[dict[str, object]]:
        return [r for r in self.records() if r["kind"] == "actuator"]


def left_on(actuators: list[dict[str, object]]) -> dict[object, object]:
    """Zones still on at the end of `actuators` (zone id → intensity or heat)."""
    on: dict[object, object] = {}
    for r in actuators:
        on[r["zone_id"]] = r["intensity"] or r["heat"]
    return {zone: level for zone, level in on.items() if level}
