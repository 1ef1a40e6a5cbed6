"""The simulator over a real pseudo-terminal and over TCP, opened with pyserial like a USB adapter.

Real time, so the waits are serial read timeouts on an expected reply, never sleeps.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from sim import FaultPlan
from sim.messages import Ack, Hello, HelloReply, SetCmd
from sim.protocol import DeviceState, EventCode, MsgType
from sim.pty_server import PtyServer
from sim.tcp_server import TcpServer
from tests.sim.helpers import Host, entry, set_cmd


class SerialPort:
    """pyserial behind the read(max_bytes, timeout_s) surface the test host expects."""

    def __init__(self, port: serial.Serial) -> None:
        self.port = port

    def write(self, data: bytes) -> None:
        self.port.write(data)

    def read(self, max_bytes: int, timeout_s: float) -> bytes:
        self.port.timeout = timeout_s
        data = self.port.read(1)
        while data and self.port.in_waiting and len(data) < max_bytes:  # socket:// says 1 or 0
            data += self.port.read(min(self.port.in_waiting, max_bytes - len(data)))
        return bytes(data)


@pytest.fixture
def pty_server(tmp_path: Path) -> Iterator[PtyServer]:
    server = PtyServer("foot", record_path=tmp_path / "rec.jsonl", link_path=tmp_path / "massager")
    server.start()
    yield server
    server.stop()


def test_pty_hello_round_trip(pty_server: PtyServer) -> None:
    with serial.Serial(pty_server.path, 115200, timeout=0.5) as port:
        reply = Host(SerialPort(port)).command(Hello(1, 0))
    assert isinstance(reply, HelloReply) and reply.simulator


def test_pty_set_is_recorded(pty_server: PtyServer, tmp_path: Path) -> None:
    with serial.Serial(str(tmp_path / "massager"), timeout=0.5) as port:
        host = Host(SerialPort(port))
        host.command(Hello(1, 0))
        assert host.command(set_cmd(entry(4, heat=1))) == Ack(MsgType.SET)
    pty_server.stop()
    lines = [json.loads(line) for line in (tmp_path / "rec.jsonl").read_text().splitlines()]
    actuators = [line for line in lines if line["kind"] == "actuator"]
    assert actuators[0]["zone"] == "kidney" and actuators[0]["cause"] == "set"
    assert {line["event"] for line in lines if line["kind"] == "event"} >= {"RESET"}
    assert [line["t"] for line in lines] == sorted(line["t"] for line in lines)


def test_pty_unplug_and_replug_behind_the_same_link(pty_server: PtyServer, tmp_path: Path) -> None:
    link = tmp_path / "massager"
    first = os.readlink(link)
    port = serial.Serial(str(link), timeout=1.0)
    host = Host(SerialPort(port))
    host.command(Hello(1, 0))
    pty_server.disconnect()
    with pytest.raises((serial.SerialException, OSError)):
        port.read(1)
    second = pty_server.reconnect()  # the host still holds the dead port, as after a real unplug
    port.close()
    assert os.readlink(link) == second != first
    with serial.Serial(str(link), timeout=0.5) as port2:
        reply = Host(SerialPort(port2)).command(Hello(1, 0))
    assert isinstance(reply, HelloReply) and reply.boot_count == 1  # unplug is not a reset


def test_pty_scheduled_disconnect_is_seen_by_the_host(tmp_path: Path) -> None:
    with PtyServer(faults=FaultPlan(disconnect_at=0.2)) as server, \
            serial.Serial(server.path, timeout=3.0) as port, pytest.raises((serial.SerialException, OSError)):
        for _ in range(100):
            port.read(4096)


def test_tcp_hello_and_reconnect() -> None:
    with TcpServer("127.0.0.1", 0) as server:
        assert server.port > 0 and server.url == f"socket://127.0.0.1:{server.port}"
        port = serial.serial_for_url(server.url, timeout=0.5)
        host = Host(SerialPort(port))
        assert isinstance(host.command(Hello(1, 0)), HelloReply)
        port.close()
        with serial.serial_for_url(server.url, timeout=0.5) as port2:
            host2 = Host(SerialPort(port2))
            assert isinstance(host2.command(Hello(1, 0)), HelloReply)
            assert host2.command(SetCmd((entry(1),))) == Ack(MsgType.SET)
            server.disconnect()
            with pytest.raises((serial.SerialException, OSError)):
                for _ in range(100):
                    if not port2.read(4096):
                        raise serial.SerialException("closed")


def test_pty_device_inputs_reach_the_host_as_events(pty_server: PtyServer) -> None:
    """BUTTON 2/3/4 and FOOT_REMOVED 1/0 are only reported; BUTTON 1 latches ESTOP (§3.6, §6.3)."""
    with serial.Serial(pty_server.path, 115200, timeout=0.5) as port:
        host = Host(SerialPort(port))
        host.command(Hello(1, 1))
        assert host.command(set_cmd(entry(4))) == Ack(MsgType.SET)
        for button in (2, 3, 4):
            pty_server.press_button(button)
        pty_server.foot_sensor(removed=True)
        pty_server.foot_sensor(removed=False)
        assert pty_server.device.state == DeviceState.ACTIVE  # the device did nothing itself
        pty_server.press_button(1)
        for _ in range(20):  # bounded: each poll waits at most 0.5 s for bytes
            if len([e for _, e in host.events if e.code != EventCode.RESET]) >= 6:
                break
            host.poll(0.5)
    assert [(e.code, e.arg) for _, e in host.events if e.code != EventCode.RESET] == [
        (EventCode.BUTTON, 2), (EventCode.BUTTON, 3), (EventCode.BUTTON, 4),
        (EventCode.FOOT_REMOVED, 1), (EventCode.FOOT_REMOVED, 0), (EventCode.BUTTON, 1)]
    assert pty_server.device.state == DeviceState.ESTOP


def test_pty_server_serves_a_defective_device() -> None:
    with PtyServer(defects=["no-lease"]) as server:
        assert server.device.defects == ("no-lease",)
