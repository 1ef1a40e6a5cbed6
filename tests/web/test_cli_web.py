"""`massagectl web` as a user starts it: its own simulated device, its words at start, a clean stop."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets
from click.testing import CliRunner

from controller.cli import main
from tests.web.test_browser_live import eventually

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def web_sim(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_STATE_HOME": str(tmp_path / "state"), "HOME": str(tmp_path)}
    command = [sys.executable, "-m", "controller.cli", "web", "--sim", "--port", "0", "--no-log"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr or ()], daemon=True).start()

    def started() -> str | None:
        try:
            found = re.search(r"massagectl web: (http://127\.0\.0\.1:\d+)/ \(this machine only\)",
                              lines.get(timeout=0.05))
        except queue.Empty:
            return None
        return found.group(1) if found else None

    try:
        yield process, eventually(started, "the console's start line")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


async def _first_status(url: str) -> dict[str, object]:
    async with websockets.connect(url.replace("http", "ws") + "/ws") as socket:
        while True:
            message = json.loads(await socket.recv())
            if message["state"] == "ready":
                return message  # type: ignore[no-any-return]


def test_web_sim_drives_one_simulated_device_and_stops_on_sigterm(
        web_sim: tuple[subprocess.Popen[str], str]) -> None:
    process, url = web_sim
    status = asyncio.run(asyncio.wait_for(_first_status(url), timeout=20))
    assert status["device"] == "sim-1" and status["kind"] == "foot" and status["remote_start"] is False
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0


def test_sim_and_config_together_are_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["web", "--sim", "2", "--config", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2 and "give --sim N or --config FILE, not both" in result.output


def test_a_bad_configuration_is_reported_with_its_line(tmp_path: Path) -> None:
    config = tmp_path / "devices.yaml"
    config.write_text("devices:\n  - {id: Bad Id, name: x, sim: foot}\n")
    result = CliRunner().invoke(main, ["web", "--config", str(config), "--port", "0"])
    assert result.exit_code == 2 and f"{config}:2:" in result.output
