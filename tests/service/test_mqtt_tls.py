"""The service on a broker that wants TLS and a password, as a household's Mosquitto often does: a CA and a
server certificate made with openssl for the test, a password file made with mosquitto_passwd, and the
bridge's socket with TCP_NODELAY (state changes go out at once, not after Nagle's delay)."""

from __future__ import annotations

import getpass
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from controller.cli.run_session import link_factory
from controller.clock import RealClock
from controller.service.config import BrokerConfig, sim_config
from controller.service.hub import ServiceHub
from controller.service.mqtt import MqttBridge
from tests.parts import need
from tests.service.broker import WAIT_S, Broker

USER, PASSWORD = "massagectl", "correct horse"


def _certificates(folder: Path) -> Path:
    """A CA, and a server certificate it signed for 127.0.0.1; the CA's path."""
    openssl = need("openssl", "openssl")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    for args in (
        ["req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=test CA"],
        ["req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
         "-out", "server.crt", "-days", "1", "-extfile", "san.ext"],
    ):
        done = subprocess.run([openssl, *args], cwd=folder, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    return folder / "ca.crt"


@pytest.fixture
def secure_broker(tmp_path: Path) -> Iterator[tuple[Broker, Path]]:
    """Mosquitto with TLS only and a password; yields it and the CA to trust."""
    ca = _certificates(tmp_path)
    passwd = need("mosquitto_passwd", "mosquitto")
    done = subprocess.run([passwd, "-b", "-c", str(tmp_path / "passwd"), USER, PASSWORD], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    broker = Broker(tmp_path)
    broker.conf.write_text(
        f"listener {broker.port} 127.0.0.1\nallow_anonymous false\npassword_file {tmp_path / 'passwd'}\n"
        f"cafile {ca}\ncertfile {tmp_path / 'server.crt'}\nkeyfile {tmp_path / 'server.key'}\n"
        f"user {getpass.getuser()}\n"  # root: else Mosquitto drops to `mosquitto`
        "persistence false\nlog_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\n"
        "log_type information\n")
    broker.start()
    try:
        yield broker, ca
    finally:
        broker.kill()


def _bridge(broker: Broker, ca: Path, password_file: Path, tmp_path: Path) -> tuple[ServiceHub, MqttBridge]:
    clock = RealClock()
    hub = ServiceHub(sim_config(1), clock=clock, sim_opener=lambda d: link_factory(None, "foot", clock, None))
    config = BrokerConfig(host="127.0.0.1", port=broker.port, ca_file=ca, username=USER,
                          password_file=password_file)
    return hub, MqttBridge(hub, config, clock=clock, record=tmp_path / "announced.json")


def _online(broker: Broker, ca: Path) -> threading.Event:
    """A second client, over TLS with the password, that sets the event when the service says online."""
    seen = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.tls_set(ca_certs=str(ca))
    client.username_pw_set(USER, PASSWORD)
    client.on_connect = lambda c, u, f, rc, p: c.subscribe("massagectl/status")
    client.on_message = lambda c, u, m: seen.set() if m.payload == b"online" else None
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    seen.client = client  # type: ignore[attr-defined]
    return seen


def test_the_service_connects_over_tls_with_a_password_and_without_nagle(
        secure_broker: tuple[Broker, Path], tmp_path: Path) -> None:
    broker, ca = secure_broker
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n")
    online = _online(broker, ca)
    hub, bridge = _bridge(broker, ca, password_file, tmp_path)
    hub.start()
    bridge.start()
    try:
        assert online.wait(WAIT_S), "the service never said online over TLS"
        sock = bridge.client.socket()
        assert isinstance(sock, ssl.SSLSocket), "the connection is encrypted"
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        assert hub.stop() == []
        bridge.stop()
        online.client.loop_stop()  # type: ignore[attr-defined]


def test_a_wrong_password_is_refused(secure_broker: tuple[Broker, Path],
                                                            tmp_path: Path) -> None:
    broker, ca = secure_broker
    password_file = tmp_path / "password"
    password_file.write_text("wrong\n")
    refused = threading.Event()
    hub, bridge = _bridge(broker, ca, password_file, tmp_path)
    bridge.client.on_connect = lambda c, u, f, rc, p: refused.set() if rc.is_failure else None
    hub.start()
    bridge.start()
    try:
        assert refused.wait(WAIT_S), "the broker never answered the connection"
        assert not bridge._connected.is_set()
    finally:
        assert hub.stop() == []
        bridge.stop()
