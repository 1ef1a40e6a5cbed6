"""The live page, its WebSocket and device commands, over a hub in memory (the web layer alone)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from controller.cli.simdevice import sim_profiles
from controller.service.api import Command
from controller.web.app import WebConfig, create_app
from tests.web.fakehub import FakeHandle, FakeHub, idle, zone


@pytest.fixture
def foot() -> FakeHandle:
    return FakeHandle(idle("foot-1", remote_start=True))


@pytest.fixture
def chair() -> FakeHandle:
    return FakeHandle(idle("chair-1", "chair"))


@pytest.fixture
def live(foot: FakeHandle, chair: FakeHandle, env: dict[str, str]) -> Iterator[TestClient]:
    app = create_app(WebConfig(env=env, hub=FakeHub(foot, chair), hosts=("testserver",),
                               profiles=sim_profiles()))
    with TestClient(app) as client:
        yield client


def test_the_live_page_shows_every_device_with_its_map_and_controls(live: TestClient) -> None:
    page = live.get("/live")
    assert page.status_code == 200
    for device in ("foot-1", "chair-1"):
        assert f'id="device-{device}"' in page.text
        assert f'aria-label="Emergency stop: Massager {device}"' in page.text
    assert 'data-zone="big_toe_pad"' in page.text and 'data-zone="lower_back"' in page.text
    assert 'aria-label="Emergency stop every device"' in page.text
    for button in re.findall(r"<button[^>]*>.*?</button>", page.text, flags=re.S):
        assert 'aria-label="' in button, f"a button without a label: {button}"
    assert "remote_start" in page.text  # why the chair cannot be started from here


def test_the_socket_sends_every_device_then_each_change_within_100_ms(live: TestClient,
                                                                      foot: FakeHandle) -> None:
    with live.websocket_connect("/ws") as socket:
        first = {m["device"]: m for m in (socket.receive_json(), socket.receive_json())}
        assert set(first) == {"foot-1", "chair-1"} and first["foot-1"]["state"] == "ready"
        latencies = []
        for level in range(1, 6):
            sent = time.perf_counter()
            foot.change(state="running", zones=(zone("heel", level), zone("calf_x", 2)), program_name="Sleep",
                        step=2, step_name="strokes", total_s=600.0, position_s=61.0, temperature_c=36.04)
            message = socket.receive_json()
            latencies.append(time.perf_counter() - sent)
            assert message["zones"][0] == {"zone": "heel", "motion": "knead", "intensity": level, "speed": 2,
                                           "heat": 0, "on_map": True}
        assert message["zones"][1]["on_map"] is False  # a zone the map lacks is still listed
        assert message["remaining_text"] == "08:59" and message["elapsed_text"] == "01:01"
        assert message["temperature_c"] == 36.0 and message["state_text"] == "▶ running"
        assert max(latencies) < 0.1, latencies
    assert foot.subscribers == 0  # a closed page leaves no subscription behind


def test_a_burst_of_changes_ends_on_the_newest(live: TestClient, foot: FakeHandle) -> None:
    with live.websocket_connect("/ws") as socket:
        socket.receive_json(), socket.receive_json()
        for position in range(50):
            last = foot.change(position_s=float(position))
        seen = []
        while not seen or seen[-1] < last.revision:
            seen.append(socket.receive_json()["revision"])
        assert seen == sorted(seen) and seen[-1] == last.revision


def _command(live: TestClient, device: str, body: object) -> tuple[int, dict[str, object]]:
    reply = live.post(f"/api/devices/{device}/command", json=body)
    return reply.status_code, reply.json()


@pytest.mark.parametrize("command", [c.value for c in Command if c is not Command.START])
def test_every_command_reaches_the_device_as_from_the_web(live: TestClient, foot: FakeHandle,
                                                          command: str) -> None:
    status, body = _command(live, "foot-1", {"command": command, "level": 2})
    assert status == 200 and body == {"ok": True, "device": "foot-1", "command": command}
    assert foot.commands == [(Command(command), None, 2, "web")]


def test_a_refused_start_says_why(live: TestClient, chair: FakeHandle, foot: FakeHandle) -> None:
    status, body = _command(live, "chair-1", {"command": "start", "program": "sleep"})
    assert status == 409 and body["error"] == "chair-1: starting remotely is off for this device"
    assert _command(live, "foot-1", {"command": "start", "program": "sleep"})[0] == 200
    assert foot.commands == [(Command.START, "sleep", None, "web")]


@pytest.mark.parametrize(("device", "body", "status", "words"), [
    ("foot-1", {"command": "explode"}, 400, "unknown command 'explode'; expected one of: start,"),
    ("foot-1", {"command": 3}, 400, "'command' must be a string"),
    ("foot-1", {}, 400, "'command' is missing"),
    ("foot-1", {"command": "start", "program": ["x"]}, 400, "'program' must be a program id"),
    ("foot-1", {"command": "set_intensity", "level": "high"}, 400, "'level' must be a whole number"),
    ("foot-1", {"command": "set_intensity", "level": True}, 400, "'level' must be a whole number"),
    ("nobody", {"command": "stop"}, 404, "no device 'nobody'"),
    ("*", {"command": "start", "program": "sleep"}, 400, "only stop and emergency_stop"),
])
def test_bad_commands_get_a_clear_error_and_reach_no_device(live: TestClient, foot: FakeHandle, device: str,
                                                            body: dict[str, object], status: int,
                                                            words: str) -> None:
    got, reply = _command(live, device, body)
    assert got == status and words in str(reply["error"])
    assert foot.commands == []


def test_emergency_stop_all_reaches_every_device(live: TestClient, foot: FakeHandle,
                                                 chair: FakeHandle) -> None:
    status, body = _command(live, "*", {"command": "emergency_stop"})
    assert status == 200 and body["ok"] is True
    assert foot.commands == chair.commands == [(Command.EMERGENCY_STOP, None, None, "web")]


def test_a_command_or_socket_from_another_site_is_refused(live: TestClient, foot: FakeHandle) -> None:
    reply = live.post("/api/devices/foot-1/command", json={"command": "stop"},
                      headers={"origin": "http://attacker.example"})
    assert reply.status_code == 403 and foot.commands == []
    with pytest.raises(WebSocketDisconnect), \
            live.websocket_connect("/ws", headers={"origin": "http://attacker.example"}) as socket:
        socket.receive_json()
    assert foot.subscribers == 0


def test_without_devices_there_is_no_live_page(client: TestClient) -> None:
    assert client.get("/live").status_code == 404
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/programs"
