"""The MQTT front end: Home Assistant discovery, state, and commands, over paho-mqtt's own network thread.

Commands arrive on paho's thread, are parsed (discovery.py) and handed to the hub with origin "mqtt"; a
refusal or a bad payload is answered on the error topic, never raised. The hub never blocks on the device,
so neither does this. State is published by one publisher thread, the latest status only (older ones are
dropped, never queued), never while disconnected: a change of state at once, progress (position,
temperature) at most every MIN_STATE_INTERVAL_S per device.

Broker loss: paho reconnects with backoff; nothing stops a massage in progress (the device's stop button,
a signal to the service and the session limit remain local ways to stop). A device whose configuration
sets `broker_loss_stop_s` soft-stops a session that was started over MQTT once the broker has been gone
that long. On reconnect the service announces itself again: discovery, states, availability.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from controller.clock import Clock, RealClock
from controller.errors import MassagerError
from controller.paths import state_dir
from controller.service.api import Command, DeviceStatus
from controller.service.config import BrokerConfig, DeviceConfig
from controller.service.discovery import (
    BadCommand,
    discovery_payload,
    discovery_topic,
    parse_command,
    state_payload,
)
from controller.service.hub import ServiceHub

log = logging.getLogger(__name__)

MIN_STATE_INTERVAL_S = 0.25    # per device: progress at most 4 times a second (a new state goes at once)
RECONNECT_MIN_S, RECONNECT_MAX_S = 1, 30
ORIGIN = "mqtt"
QOS = 1


def announced_file(base_topic: str) -> Path:
    """Where the devices announced to Home Assistant are remembered, to remove those that left."""
    return state_dir() / f"mqtt-announced-{base_topic.replace('/', '_')}.json"


class MqttBridge:
    """Connects the hub to one broker; `start` returns at once, paho connects (and reconnects) by itself."""

    def __init__(self, hub: ServiceHub, broker: BrokerConfig, *, clock: Clock | None = None,
                 record: Path | None = None) -> None:
        self.hub = hub
        self.broker = broker
        self.base = broker.base_topic
        self.clock = clock or RealClock()
        self.record = record or announced_file(self.base)
        self.selected = {h.device_id: self.programs[0] if self.programs else "" for h in hub.devices()}
        self._configs: dict[str, DeviceConfig] = {d.id: d for d in hub.config.devices}
        self._lock = threading.Lock()
        self._pending: dict[str, DeviceStatus] = {}
        self._published_at: dict[str, float] = {}
        self._published_state: dict[str, str] = {}
        self._wake = threading.Event()
        self._stopping = False
        self._connected = threading.Event()
        self._lost_at: float | None = None
        self._loss_stopped: set[str] = set()
        self._described: dict[str, tuple[str, str]] = {}  # what discovery said of each device's model
        self.client = self._client(broker)
        self._publisher = threading.Thread(target=self._publish_loop, name="mqtt-state", daemon=True)

    def _client(self, broker: BrokerConfig) -> mqtt.Client:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=broker.client_id or "",
                             protocol=mqtt.MQTTv311)
        if broker.username is not None:
            client.username_pw_set(broker.username, broker.password())
        if broker.uses_tls:
            client.tls_set(ca_certs=str(broker.ca_file) if broker.ca_file else None)
        client.will_set(f"{self.base}/status", "offline", qos=QOS, retain=True)
        client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
        client.on_socket_open = _nodelay
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_connect_fail = lambda c, u: log.warning(
            "cannot reach the MQTT broker at %s:%s; retrying (the devices run meanwhile)", broker.host,
            broker.effective_port)
        client.on_message = self._on_message
        return client

    # --- lifetime -----------------------------------------------------------------------------

    @property
    def programs(self) -> list[str]:
        """The ids a start may name now (the hub reads its folders again when they change)."""
        return [pid for pid, _ in self.hub.programs()]

    def start(self) -> None:
        for handle in self.hub.devices():
            handle.subscribe(self._on_status)
        self.hub.catalog.subscribe(self._programs_changed)
        self._publisher.start()
        self.client.connect_async(self.broker.host, self.broker.effective_port, self.broker.keepalive_s)
        self.client.loop_start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Say offline (the devices, then the service), disconnect cleanly, stop the threads."""
        self._stopping = True
        self._wake.set()
        self._publisher.join(timeout_s)
        if self._connected.is_set():
            with self._lock:
                last, self._pending = list(self._pending.values()), {}
            infos = [self._publish(f"{self.base}/{s.device_id}/state", state_payload(s), retain=True)
                     for s in last]
            infos += [self._publish(f"{self.base}/{h.device_id}/availability", "offline", retain=True)
                      for h in self.hub.devices()]
            infos.append(self._publish(f"{self.base}/status", "offline", retain=True))
            for info in infos:
                if info is not None:
                    info.wait_for_publish(timeout_s)
        self.client.disconnect()
        self.client.loop_stop()

    def wait_connected(self, timeout_s: float) -> bool:
        return self._connected.wait(timeout_s)

    # --- paho callbacks (paho's thread) -------------------------------------------------------

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            log.warning("the broker refused the connection: %s", reason)
            return
        client.subscribe([(f"{self.base}/+/cmd", QOS), (f"{self.base}/+/cmd/+", QOS),
                          (f"{self.broker.discovery_prefix}/status", QOS)])
        self._connected.set()
        self._lost_at = None
        self._loss_stopped.clear()
        self._publish(f"{self.base}/status", "online", retain=True)
        self._remove_departed()
        self.announce()

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        self._connected.clear()
        if not self._stopping:
            self._lost_at = self.clock.now()
            log.warning("lost the broker (%s); reconnecting, the devices carry on", reason)
            self._wake.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            self._dispatch(message.topic, bytes(message.payload))
        except Exception:  # nothing a client sends may stop the service
            log.exception("while handling %r", message.topic)

    # --- announcing ---------------------------------------------------------------------------

    def _programs_changed(self) -> None:
        """A program saved, added or removed: the select of every device lists them again."""
        if self._connected.is_set():
            self.announce()

    def announce(self) -> None:
        """Discovery, availability, selection and state of every device (at connect, and when HA is back)."""
        for handle in self.hub.devices():
            self._announce(handle.status())
        ids = sorted(self.selected)
        try:
            self.record.parent.mkdir(parents=True, exist_ok=True)
            self.record.write_text(json.dumps({"devices": ids}) + "\n")
        except OSError as err:
            log.warning("cannot record the announced devices in %s: %s", self.record, err)

    def _announce(self, status: DeviceStatus) -> None:
        dev = status.device_id
        self._described[dev] = (status.model, status.firmware)
        payload = discovery_payload(self.base, status, self.programs)
        self._publish(discovery_topic(self.broker.discovery_prefix, self.base, dev), json.dumps(payload),
                      retain=True)
        self._publish(f"{self.base}/{dev}/availability", "online", retain=True)
        self._publish(f"{self.base}/{dev}/program", self.selected[dev], retain=True)
        self._publish(f"{self.base}/{dev}/state", state_payload(status), retain=True)

    def _remove_departed(self) -> None:
        """An empty retained config removes a device announced before that has left the configuration."""
        try:
            before = json.loads(self.record.read_text())["devices"]
        except (OSError, ValueError, KeyError, TypeError):
            return
        for dev in before:
            if isinstance(dev, str) and dev not in self.selected and dev.isprintable():
                self._publish(discovery_topic(self.broker.discovery_prefix, self.base, dev), "", retain=True)
                for leaf in ("availability", "program", "state"):
                    self._publish(f"{self.base}/{dev}/{leaf}", "", retain=True)

    # --- state --------------------------------------------------------------------------------

    def _on_status(self, status: DeviceStatus) -> None:
        """From a device's thread: keep only the latest; the publisher thread sends it."""
        with self._lock:
            self._pending[status.device_id] = status
        self._wake.set()

    def _publish_loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            wait_s = self._publish_due()
            self._broker_loss_policy()
            self.clock.wait_until(self.clock.now() + wait_s, self._wake)

    def _publish_due(self) -> float:
        """Publish each pending state whose interval has passed; the seconds until the next one is due."""
        now = self.clock.now()
        soonest = 1.0
        with self._lock:  # a new state (running → paused) goes at once; progress waits for its interval
            due = [s for d, s in self._pending.items() if s.state != self._published_state.get(d)
                   or now >= self._published_at.get(d, float("-inf")) + MIN_STATE_INTERVAL_S]
            for status in due:
                del self._pending[status.device_id]
            if self._pending:
                soonest = min(self._published_at[d] + MIN_STATE_INTERVAL_S - now for d in self._pending)
        for status in due:
            if not self._connected.is_set():
                continue
            self._published_at[status.device_id] = now
            self._published_state[status.device_id] = status.state
            if self._described.get(status.device_id) != (status.model, status.firmware):
                self._announce(status)  # the first handshake told the model: say it in discovery too
            else:
                self._publish(f"{self.base}/{status.device_id}/state", state_payload(status), retain=True)
        return max(0.01, soonest)

    def _broker_loss_policy(self) -> None:
        """Soft-stop sessions started over MQTT on devices that ask for it, once the broker is gone long."""
        lost_at = self._lost_at
        if lost_at is None:
            return
        gone_s = self.clock.now() - lost_at
        for handle in self.hub.devices():
            limit = self._configs[handle.device_id].broker_loss_stop_s
            status = handle.status()
            if limit is None or handle.device_id in self._loss_stopped or status.started_by != ORIGIN:
                continue
            if gone_s >= limit and status.state in ("running", "paused"):
                self._loss_stopped.add(handle.device_id)
                handle.command(Command.STOP, origin="broker-loss")

    # --- commands -----------------------------------------------------------------------------

    def _dispatch(self, topic: str, payload: bytes) -> None:
        if topic == f"{self.broker.discovery_prefix}/status":
            if payload.strip() == b"online":  # Home Assistant restarted: tell it everything again
                self.announce()
            return
        parts = topic[len(self.base) + 1:].split("/")
        dev, name = parts[0], (parts[2] if len(parts) == 3 else None)
        if dev not in self.selected:
            self._error(f"{self.base}/error", topic, f"no device {dev[:40]!r}")
            return
        try:
            if name in ("program", "start", None):  # a program saved or added since: selectable now
                self.hub.refresh_programs()
            command, program, level = parse_command(name, payload, set(self.programs))
            if name == "program":
                self._select(dev, program or "")
                return
            if command == Command.START and program is None:
                program = self.selected[dev]
            self.hub.device(dev).command(command, program=program, level=level, origin=ORIGIN)
        except (BadCommand, MassagerError) as err:
            self._error(f"{self.base}/{dev}/error", topic, str(err))

    def _select(self, dev: str, program: str) -> None:
        self.selected[dev] = program
        self._publish(f"{self.base}/{dev}/program", program, retain=True)

    def _error(self, error_topic: str, topic: str, message: str) -> None:
        self._publish(error_topic, json.dumps({"topic": topic, "error": message}, ensure_ascii=False))

    def _publish(self, topic: str, payload: str, *, retain: bool = False) -> mqtt.MQTTMessageInfo | None:
        if not self._connected.is_set():
            return None  # everything is announced again on reconnect; nothing piles up meanwhile
        return self.client.publish(topic, payload, qos=QOS, retain=retain)


def _nodelay(client: mqtt.Client, userdata: Any, sock: Any) -> None:
    """paho leaves Nagle on: a command's round trip through the broker would wait 40 ms or more for it."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError) as err:  # a unix or websocket transport has no such option
        log.debug("TCP_NODELAY not set: %s", err)
