"""`massagectl serve --web`: MQTT and the web console in one process, over one hub. A program saved in the
web editor is offered in Home Assistant's select and started over MQTT without a restart; a stop pressed
on the console ends it, and MQTT sees it end. A real Mosquitto, a real uvicorn, the real command line."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from controller import exitcodes
from controller.service.discovery import discovery_topic
from tests.service.broker import WAIT_S, Broker, HomeAssistant

ROOT = Path(__file__).resolve().parents[2]
STATE = "massagectl/sim-1/state"
SAVED = """\
schema_version: 1
id: saved-on-web
name: Saved on the web
description: Written in the console's editor while the service runs.
intensity_class: light
steps:
  - {name: heel, duration: 2m, zones: [heel], motion: knead, intensity: 2, speed: 2}
"""


def post(url: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=WAIT_S) as reply:
        return dict(json.loads(reply.read()))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str, HomeAssistant]]:
    broker = Broker(tmp_path)
    broker.start()
    ha = HomeAssistant(broker.port)
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_STATE_HOME": str(tmp_path / "state"), "HOME": str(tmp_path)}
    command = [sys.executable, "-m", "controller.cli", "serve", "--sim", "1", "--remote-start", "--no-log",
               "--broker", f"127.0.0.1:{broker.port}", "--web", "--web-port", "0"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr or ()], daemon=True).start()
    try:
        url = None
        while url is None:
            found = re.search(r"massagectl web: (http://127\.0\.0\.1:\d+)/", lines.get(timeout=WAIT_S))
            url = found.group(1) if found else None
        yield process, url, ha
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        ha.close()
        broker.kill()


def test_one_process_serves_mqtt_and_the_console_over_one_hub(
        served: tuple[subprocess.Popen[str], str, HomeAssistant]) -> None:
    process, url, ha = served
    ha.state(STATE, lambda s: s["state"] == "ready")
    saved = post(f"{url}/api/save", {"text": SAVED, "file": "saved-on-web.yaml"})
    assert saved["id"] == "saved-on-web"
    config = discovery_topic("homeassistant", "massagectl", "sim-1")
    def offered(payload: bytes) -> bool:
        return bool(payload) and "saved-on-web" in json.loads(payload)["cmps"]["program"]["options"]

    ha.wait(config, offered)  # announced again: the saved program is in Home Assistant's select
    ha.publish("massagectl/sim-1/cmd/program", "saved-on-web")
    ha.publish("massagectl/sim-1/cmd/start", "PRESS")
    running = ha.state(STATE, lambda s: s["state"] == "running")
    assert running["program_id"] == "saved-on-web" and running["started_by"] == "mqtt"
    post(f"{url}/api/devices/sim-1/command", {"command": "stop"})  # the console, on the same device
    ended = ha.state(STATE, lambda s: s["state"] == "ready" and "stopped" in s["note"])
    assert ended["program_id"] == ""
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=WAIT_S) == exitcodes.OK
