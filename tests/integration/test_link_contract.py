"""One contract for every way to reach a device: in-process, a real pty, TCP, and real hardware.

Real hardware joins when MASSAGER_PORT names its port (as pySerial runs its suite on a real port).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from controller.clock import RealClock, VirtualClock
from controller.errors import DeviceRejected
from controller.wire.link import Link
from controller.wire.protocol import DeviceState, NakCode, SetEntry
from controller.wire.transport import SerialTransport
from sim import make_pair
from sim.pty_server import PtyServer
from sim.tcp_server import TcpServer

KINDS = ["in-process", "pty", "tcp"] + (["hardware"] if os.environ.get("MASSAGER_PORT") else [])


@pytest.fixture(params=KINDS)
def link(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Link]:
    kind = request.param
    if kind == "in-process":
        clock = VirtualClock()
        transport, _ = make_pair(clock)
        made = Link(transport, clock)
    elif kind == "pty":
        server = PtyServer("foot")
        request.addfinalizer(server.stop)
        made = Link(SerialTransport(server.start()), RealClock())
    elif kind == "tcp":
        tcp = TcpServer()
        request.addfinalizer(tcp.stop)
        made = Link(SerialTransport(tcp.start()), RealClock())
    else:
        made = Link(SerialTransport(os.environ["MASSAGER_PORT"]), RealClock())
    yield made
    made.close()


def test_handshake_reports_identity_and_zones(link: Link) -> None:
    caps = link.handshake()
    assert caps.protocol[0] == 1 and caps.zones and caps.intensity_max >= 1
    assert len({z.id for z in caps.zones}) == len(caps.zones)
    assert all(z.name for z in caps.zones)


def test_set_is_applied_and_reported_in_status(link: Link) -> None:
    caps = link.handshake()
    zone = caps.zones[0]
    link.set_actuators((SetEntry(zone.id, 1, 1, 1, 0, 500),))
    status = link.status()
    assert status.state == DeviceState.ACTIVE
    held = {z.zone: z for z in status.zones}
    assert held[zone.id].intensity == 1 and held[zone.id].motion == 1
    link.heartbeat()
    link.set_actuators((SetEntry(zone.id, 0, 0, 0, 0, 500),))
    assert link.status().state == DeviceState.READY


def test_emergency_stop_latches_until_a_new_handshake(link: Link) -> None:
    caps = link.handshake()
    zone = caps.zones[0]
    link.set_actuators((SetEntry(zone.id, 1, 1, 1, 0, 500),))
    link.emergency_stop()
    status = link.status()
    assert status.state == DeviceState.ESTOP and not any(z.intensity for z in status.zones)
    with pytest.raises(DeviceRejected, match="emergency stop is latched") as refused:
        link.set_actuators((SetEntry(zone.id, 1, 1, 1, 0, 500),))
    assert refused.value.code == NakCode.ESTOP_LATCHED
    link.handshake()
    link.set_actuators((SetEntry(zone.id, 1, 1, 1, 0, 500),))


def test_unsupported_zone_is_rejected_with_its_code(link: Link) -> None:
    link.handshake()
    with pytest.raises(DeviceRejected, match="no such zone") as refused:
        link.set_actuators((SetEntry(200, 1, 1, 1, 0, 500),))
    assert refused.value.code == NakCode.UNSUPPORTED_ZONE and refused.value.detail == 200
