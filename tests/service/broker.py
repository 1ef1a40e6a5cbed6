"""A real Mosquitto on a free loopback port, and a paho client that plays Home Assistant against it.

The broker runs from Debian's package with a generated configuration: loopback only, anonymous, no
persistence, no root paths, TCP_NODELAY. Nothing sleeps to synchronise: the broker says when it runs (its
log on stdout), and the client turns every message into an event the test waits on.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from tests.parts import need

WAIT_S = 20.0


def mosquitto_path() -> str:
    """/usr/sbin is often not on a user's PATH: look there first."""
    return need("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else shutil.which("mosquitto")
                or "mosquitto", "mosquitto")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Broker:
    """One Mosquitto process; `kill` and `start` again keep the same port, as a restarted broker does."""

    def __init__(self, folder: Path) -> None:
        self.program = mosquitto_path()
        self.port = free_port()
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
            "set_tcp_nodelay true\nlog_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\n"
            "log_type information\n")
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([self.program, "-c", str(self.conf)], stderr=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, text=True)
        assert self.proc.stderr is not None
        seen = []
        for line in self.proc.stderr:
            seen.append(line)
            if " running" in line:
                threading.Thread(target=self._drain, args=(self.proc,), daemon=True).start()
                return
        raise AssertionError("mosquitto did not start: " + "".join(seen))

    @staticmethod
    def _drain(proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None  # its log goes to stderr: unbuffered, so "running" comes at once
        for _ in proc.stderr:
            pass

    def kill(self) -> None:
        """SIGKILL: the broker vanishes as on a crash or a power cut, without goodbyes."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(WAIT_S)
            self.proc = None


class HomeAssistant:
    """A paho client subscribed to everything, keeping each topic's messages; waits on them by condition."""

    def __init__(self, port: int) -> None:
        self.messages: list[tuple[str, bytes, bool]] = []
        self._cond = threading.Condition()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="test-home-assistant")
        self.client.on_message = self._on_message
        self.client.on_connect = lambda c, u, f, r, p: c.subscribe("#", 1)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._cond:
            self.messages.append((message.topic, bytes(message.payload), bool(message.retain)))
            self._cond.notify_all()

    def publish(self, topic: str, payload: str | bytes, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(WAIT_S)

    def wait(self, topic: str, condition: Callable[[bytes], bool] = lambda p: True,
             timeout_s: float = WAIT_S, after: int = 0) -> bytes:
        """The first message on `topic` (from index `after`) whose payload satisfies `condition`."""
        def found() -> tuple[bytes] | None:  # in a tuple: an empty payload (b"") is found too
            return next(((p,) for t, p, _ in self.messages[after:] if t == topic and condition(p)), None)

        with self._cond:
            payload = self._cond.wait_for(found, timeout_s)
        assert payload is not None, f"nothing on {topic} within {timeout_s} s; last: {self.last(topic)!r}"
        return payload[0]

    def state(self, topic: str, condition: Callable[[dict[str, Any]], bool], after: int = 0,
              timeout_s: float = WAIT_S) -> dict[str, Any]:
        """The first JSON state on `topic` that satisfies `condition`."""
        payload = self.wait(topic, lambda p: bool(p) and condition(json.loads(p)), timeout_s, after)
        return dict(json.loads(payload))

    def last(self, topic: str) -> bytes | None:
        return next((p for t, p, _ in reversed(self.messages) if t == topic), None)

    def mark(self) -> int:
        with self._cond:
            return len(self.messages)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
