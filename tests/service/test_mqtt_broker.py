"""The service against a real Mosquitto, driven by a second paho client as Home Assistant would drive it.

Devices are simulators behind real pseudo-terminals; what they recorded is the judge of what happened.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from controller.clock import RealClock
from controller.service.config import BrokerConfig, DeviceConfig, ServiceConfig
from controller.service.discovery import MAX_PAYLOAD_BYTES, discovery_topic
from controller.service.hub import ServiceHub
from controller.service.mqtt import MqttBridge
from sim.protocol import DeviceState
from sim.pty_server import PtyServer
from tests.integration.harness import state_at
from tests.integration.test_pty_realtime import SHORT_PROGRAM
from tests.service.broker import Broker, HomeAssistant
from tests.service.helpers import Watcher

LONG = "circulation-warmup"   # 6 minutes: long enough for anything a test does mid-session


@dataclass
class Service:
    broker: Broker
    hub: ServiceHub
    bridge: MqttBridge
    ha: HomeAssistant
    servers: dict[str, PtyServer]
    watchers: dict[str, Watcher]

    def topic(self, dev: str, leaf: str) -> str:
        return f"massagectl/{dev}/{leaf}"

    def send(self, dev: str, command: str, payload: str | bytes = "PRESS") -> None:
        self.ha.publish(self.topic(dev, f"cmd/{command}" if command else "cmd"), payload)

    def state(self, dev: str, condition: object, after: int = 0) -> dict[str, object]:
        return self.ha.state(self.topic(dev, "state"), condition, after)  # type: ignore[arg-type]


def make_service(tmp_path: Path, devices: list[dict[str, object]]) -> Iterator[Service]:
    broker = Broker(tmp_path)
    broker.start()
    folder = tmp_path / "programs"
    folder.mkdir(exist_ok=True)
    (folder / "pty-short.yaml").write_text(SHORT_PROGRAM)
    servers = {str(d["id"]): PtyServer("foot", link_path=tmp_path / str(d["id"])) for d in devices}
    for server in servers.values():
        server.start()
    configs = [DeviceConfig.model_validate({"name": f"Massager {d['id']}",
                                            "port": str(tmp_path / str(d["id"])), **d}) for d in devices]
    config = ServiceConfig(devices=configs, program_dirs=[folder], logs=False,
                           broker=BrokerConfig(host="127.0.0.1", port=broker.port))
    hub = ServiceHub(config)
    assert config.broker is not None
    bridge = MqttBridge(hub, config.broker, record=tmp_path / "announced.json")
    watchers = {h.device_id: Watcher() for h in hub.devices()}
    for h in hub.devices():
        h.subscribe(watchers[h.device_id])
    ha = HomeAssistant(broker.port)
    hub.start()
    bridge.start()
    service = Service(broker, hub, bridge, ha, servers, watchers)
    try:
        for dev in servers:
            service.state(dev, lambda s: s["state"] == "ready" and bool(s["model"]))
        yield service
    finally:
        assert hub.stop() == []
        bridge.stop()
        ha.close()
        for server in servers.values():
            server.stop()
        broker.kill()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    yield from make_service(tmp_path, [{"id": "left", "remote_start": True},
                                       {"id": "right", "remote_start": True}, {"id": "shy"}])


def all_off(server: PtyServer) -> bool:
    timeline = server.device.timeline
    return bool(timeline) and state_at(timeline, timeline[-1].t) == {}


def test_discovery_arrives_well_formed_and_retained(service: Service) -> None:
    late = HomeAssistant(service.broker.port)  # joins after the announcement: gets it from the broker
    try:
        config = json.loads(late.wait(discovery_topic("homeassistant", "massagectl", "left")))
        retained = [r for t, _, r in late.messages if t.startswith("homeassistant/device/")]
        assert retained and all(retained), "discovery is retained"
        assert late.wait("massagectl/left/availability") == b"online"
        assert json.loads(late.wait("massagectl/left/state"))["state"] == "ready"
    finally:
        late.close()
    assert config["dev"]["ids"] == ["massagectl_left"] and config["dev"]["name"] == "Massager left"
    assert config["dev"]["mdl"] == "FootMate Sim" and config["o"]["name"] == "massagectl"
    assert [a["t"] for a in config["avty"]] == ["massagectl/status", "massagectl/left/availability"]
    platforms = {key: cmp["p"] for key, cmp in config["cmps"].items()}
    assert platforms == {"program": "select", "intensity": "number", "state": "sensor", "step": "sensor",
                         "remaining": "sensor", "temperature": "sensor", "fault": "binary_sensor",
                         "start": "button", "pause": "button", "stop": "button", "emergency_stop": "button",
                         "clear": "button"}
    for key, cmp in config["cmps"].items():
        assert cmp["uniq_id"] == f"massagectl_left_{key}"
        assert cmp["default_entity_id"] == f"{cmp['p']}.massagectl_left_{key}"
        assert "object_id" not in cmp and "obj_id" not in cmp, "removed from Home Assistant"
    assert "circulation-warmup" in config["cmps"]["program"]["options"]
    assert service.ha.wait("massagectl/status") == b"online"


def test_select_start_state_updates_stop(service: Service) -> None:
    service.send("left", "program", "pty-short")
    assert service.ha.wait("massagectl/left/program", lambda p: p == b"pty-short") == b"pty-short"
    mark = service.ha.mark()
    service.send("left", "start")
    first = service.state("left", lambda s: s["state"] == "running", mark)
    assert first["program_id"] == "pty-short" and first["started_by"] == "mqtt"
    later = service.state("left", lambda s: s["state"] == "running" and s["position_s"] >= 2, mark)
    assert later["step"] > first["step"] and later["remaining_s"] < first["remaining_s"]
    service.send("left", "stop")
    end = service.state("left", lambda s: s["note"] == "Short pty check: stopped", mark)
    assert end["state"] == "ready" and end["fault"] == "", "no flicker through disconnected after a session"
    assert all_off(service.servers["left"])


def test_emergency_stop_from_mqtt_reaches_all_off(service: Service) -> None:
    mark = service.ha.mark()
    service.send("left", "", json.dumps({"command": "start", "program": LONG}))
    service.state("left", lambda s: s["state"] == "running" and s["zones"], mark)
    service.send("left", "emergency_stop")
    service.state("left", lambda s: s["state"] == "emergency_stop", mark)
    device = service.servers["left"].device
    assert all_off(service.servers["left"])
    assert device.timeline[-1].cause == "estop", "an ESTOP turned it off, not a SET or a soft stop"
    assert device.state == DeviceState.ESTOP, "latched until the next handshake (§6.3)"


def test_remote_start_is_refused_on_the_error_topic_unless_allowed(service: Service) -> None:
    service.send("shy", "start")
    error = json.loads(service.ha.wait("massagectl/shy/error"))
    assert "remote start is off" in error["error"] and error["topic"] == "massagectl/shy/cmd/start"
    service.send("shy", "stop")  # a stop is honoured whatever the state, and with nothing to stop, says so
    service.state("shy", lambda s: s["note"] == "stop: nothing is running")
    assert not service.servers["shy"].device.applied, "the refused device never moved"


def test_an_intensity_above_the_limits_is_clamped_visibly(service: Service) -> None:
    mark = service.ha.mark()
    service.send("left", "", json.dumps({"command": "start", "program": LONG}))
    service.state("left", lambda s: s["state"] == "running", mark)
    service.send("left", "intensity", "15")
    clamped = service.state("left", lambda s: s["intensity_offset"] == 9, mark)
    assert "asked +15" in str(clamped["note"]) and "held at 8/10" in str(clamped["note"])
    service.send("left", "stop")
    service.state("left", lambda s: str(s["note"]).endswith(": stopped"), mark)
    assert max(e.intensity for e in service.servers["left"].device.timeline) <= 8


def test_an_unplugged_device_faults_alone(service: Service) -> None:
    mark = service.ha.mark()
    for dev in ("left", "right"):
        service.send(dev, "", json.dumps({"command": "start", "program": LONG}))
        service.state(dev, lambda s: s["state"] == "running", mark)
    service.servers["left"].disconnect()
    fault = service.state("left", lambda s: bool(s["fault"]), mark)
    assert "lost" in str(fault["fault"])
    after = service.ha.mark()
    going = service.state("right", lambda s: s["state"] == "running", after)
    service.state("right", lambda s: s["state"] == "running" and s["position_s"] >= going["position_s"] + 2,
                  after)
    service.send("right", "stop")
    service.state("right", lambda s: str(s["note"]).endswith(": stopped"), after)


@pytest.mark.parametrize(("topic", "payload", "expected"), [
    ("cmd/intensity", "abc", "whole number"),
    ("cmd/intensity", "NaN", "whole number"),
    ("cmd/intensity", "1e999", "whole number"),
    ("cmd/intensity", "5.5", "whole number"),
    ("cmd/program", "no-such-program", "no program 'no-such-program'"),
    ("cmd", "{not json", "not JSON"),
    ("cmd", "[1, 2]", "JSON object"),
    ("cmd", '{"command": "fly"}', "no command 'fly'"),
    ("cmd", '{"command": "stop", "and": "more"}', "unknown keys: and"),
    ("cmd", '{"command": "set_intensity", "level": NaN}', "not JSON"),
    ("cmd", "[" * 600 + "]" * 600, f"commands are at most {MAX_PAYLOAD_BYTES}"),
    ("cmd/start", b"x" * 100_000, "payload of 100000 bytes"),
    ("cmd/stop", b"\xff\xfe\x00", "not UTF-8"),
    ("cmd/launch", "PRESS", "no command 'launch'"),
    ("cmd/pause", "PRESS", "nothing is running"),
])
def test_malformed_and_hostile_payloads_get_an_answer(service: Service, topic: str, payload: str | bytes,
                                                      expected: str) -> None:
    mark = service.ha.mark()
    service.ha.publish(f"massagectl/left/{topic}", payload)
    error = json.loads(service.ha.wait("massagectl/left/error", after=mark))
    assert expected in error["error"], error
    service.send("left", "emergency_stop")  # and the service still answers
    service.state("left", lambda s: s["state"] == "emergency_stop", mark)


def test_a_command_for_an_unknown_device_is_answered(service: Service) -> None:
    service.ha.publish("massagectl/nosuch/cmd/start", "PRESS")
    assert "no device 'nosuch'" in json.loads(service.ha.wait("massagectl/error"))["error"]


def test_home_assistant_coming_online_gets_discovery_again(service: Service) -> None:
    topic = discovery_topic("homeassistant", "massagectl", "right")
    mark = service.ha.mark()
    service.ha.publish("homeassistant/status", "online")
    assert json.loads(service.ha.wait(topic, after=mark))["dev"]["name"] == "Massager right"


def test_a_device_that_left_the_configuration_is_removed(tmp_path: Path) -> None:
    (tmp_path / "announced.json").write_text(json.dumps({"devices": ["left", "gone"]}))
    for service in make_service(tmp_path, [{"id": "left"}]):
        topic = discovery_topic("homeassistant", "massagectl", "gone")
        assert service.ha.wait(topic) == b"", "an empty retained config removes it"
        assert json.loads((tmp_path / "announced.json").read_text()) == {"devices": ["left"]}


def test_the_broker_killed_and_restarted_mid_session(tmp_path: Path) -> None:
    devices: list[dict[str, object]] = [{"id": "plays-on", "remote_start": True},
                                        {"id": "stops", "remote_start": True, "broker_loss_stop_s": 5}]
    for service in make_service(tmp_path, devices):
        mark = service.ha.mark()
        for dev in ("plays-on", "stops"):
            service.send(dev, "", json.dumps({"command": "start", "program": LONG}))
            service.state(dev, lambda s: s["state"] == "running", mark)
        service.broker.kill()
        stopped = service.watchers["stops"].wait(lambda s: s.note.endswith(": stopped"))
        assert stopped.state == "ready", "a remote session stops once the broker is gone 5 s, if configured"
        assert all_off(service.servers["stops"])
        assert service.hub.device("plays-on").status().state == "running", "the other massage carries on"
        service.watchers["plays-on"].clear()
        mark = service.ha.mark()
        service.broker.start()  # same port, nothing retained: the service must announce itself again
        topic = discovery_topic("homeassistant", "massagectl", "plays-on")
        announced = json.loads(service.ha.wait(topic, timeout_s=40, after=mark))
        assert announced["dev"]["name"] == "Massager plays-on"
        assert service.ha.wait("massagectl/plays-on/availability", timeout_s=40, after=mark) == b"online"
        assert service.ha.wait("massagectl/status", timeout_s=40, after=mark) == b"online"
        running = service.state("plays-on", lambda s: s["state"] == "running", mark)
        assert running["started_by"] == "mqtt"
        assert not any(s.state != "running" for s in service.watchers["plays-on"].seen), "never interrupted"
        service.send("plays-on", "stop")  # the service has subscribed again: it published after that
        service.state("plays-on", lambda s: str(s["note"]).endswith(": stopped"), mark)


Served = tuple[subprocess.Popen[str], dict[str, PtyServer], HomeAssistant]


@contextmanager
def serving(tmp_path: Path, ids: list[str]) -> Iterator[Served]:
    """`massagectl serve --config` in its own process over simulators on ptys (one per id), each playing a
    program started over MQTT; yields the process, the simulators and the Home Assistant client."""
    broker = Broker(tmp_path)
    broker.start()
    servers = {dev: PtyServer("foot", link_path=tmp_path / dev) for dev in ids}
    for server in servers.values():
        server.start()
    config = tmp_path / "serve.yaml"
    config.write_text("devices:\n" + "".join(
        f"  - {{id: {dev}, name: {dev}, port: '{tmp_path / dev}', remote_start: true}}\n" for dev in ids)
        + f"broker: {{host: 127.0.0.1, port: {broker.port}}}\nlogs: false\n")
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    proc = subprocess.Popen([sys.executable, "-m", "controller.cli", "serve", "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    ha = HomeAssistant(broker.port)
    try:
        for dev in ids:
            ha.state(f"massagectl/{dev}/state", lambda s: s["state"] == "ready" and bool(s["model"]))
            ha.publish(f"massagectl/{dev}/cmd", json.dumps({"command": "start", "program": LONG}))
        for dev in ids:
            ha.state(f"massagectl/{dev}/state", lambda s: s["state"] == "running" and bool(s["zones"]))
        yield proc, servers, ha
    finally:
        proc.kill()
        ha.close()
        for server in servers.values():
            server.stop()
        broker.kill()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT])
def test_a_signal_stops_every_running_massage_before_the_service_exits(tmp_path: Path,
                                                                       sig: signal.Signals) -> None:
    with serving(tmp_path, ["one", "two"]) as (proc, servers, ha):
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        for dev, server in servers.items():
            assert all_off(server), f"{dev}: every actuator off before the service exited"
            assert server.device.timeline[-1].cause != "watchdog", f"{dev}: the host stopped it"
            assert ha.wait(f"massagectl/{dev}/availability", lambda p: p == b"offline") == b"offline"


def test_a_service_killed_outright_is_reported_offline_by_its_last_will(tmp_path: Path) -> None:
    """SIGKILL leaves no goodbye: the broker publishes the will, and each device's watchdog stops it."""
    with serving(tmp_path, ["dev"]) as (proc, servers, ha):
        device = servers["dev"].device
        assert ha.wait("massagectl/status", lambda p: p == b"online") == b"online"
        mark = ha.mark()
        proc.kill()
        proc.wait(30)
        killed = RealClock().now()
        assert ha.wait("massagectl/status", lambda p: p == b"offline", after=mark) == b"offline"
        servers["dev"].stop()  # the simulated device's own time goes on: its watchdog ends the massage
        device.advance(killed + 1.0)
        assert state_at(device.timeline, killed + 1.0) == {}
        assert device.timeline[-1].cause == "watchdog"


def test_a_burst_of_progress_is_published_once_per_interval_only_the_latest(service: Service) -> None:
    """MIN_STATE_INTERVAL_S: progress (position, temperature) is rate-limited per device and older updates
    are dropped, never queued, so a chatty device cannot flood the broker."""
    latest = service.watchers["left"].seen[-1]
    mark = service.ha.mark()
    burst = 50
    for k in range(1, burst + 1):
        service.bridge._on_status(dataclasses.replace(latest, position_s=1000.0 + k))
    service.state("left", lambda s: s["position_s"] == 1000.0 + burst, mark)
    topic = service.topic("left", "state")
    published = [json.loads(p)["position_s"] for t, p, _ in service.ha.messages[mark:] if t == topic]
    assert len(published) <= 2, published  # at most one at once, then the latest after the interval
    assert published[-1] == 1000.0 + burst
