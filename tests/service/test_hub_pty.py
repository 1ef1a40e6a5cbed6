"""Several devices over real pseudo-terminals in real time: one unplugged faults alone and comes back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from controller.service.api import Command
from controller.service.config import DeviceConfig, ServiceConfig
from sim.pty_server import PtyServer
from tests.integration.harness import state_at
from tests.integration.test_pty_realtime import SHORT_PROGRAM
from tests.service.helpers import running_hub


@pytest.fixture
def programs(tmp_path: Path) -> Path:
    folder = tmp_path / "programs"
    folder.mkdir()
    (folder / "pty-short.yaml").write_text(SHORT_PROGRAM)  # four 1-second steps
    return folder


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[dict[str, PtyServer]]:
    found = {name: PtyServer("foot", link_path=tmp_path / name) for name in ("left", "right")}
    for server in found.values():
        server.start()
    yield found
    for server in found.values():
        server.stop()


def test_an_unplugged_device_faults_alone_and_is_reconnected(tmp_path: Path, programs: Path,
                                                             servers: dict[str, PtyServer]) -> None:
    devices = [DeviceConfig(id=name, name=name.title(), port=str(tmp_path / name)) for name in servers]
    config = ServiceConfig(devices=devices, program_dirs=[programs], logs=False)
    with running_hub(config) as (hub, watchers):
        for w in watchers.values():
            w.wait(lambda s: s.state == "ready")
        for handle in hub.devices():
            handle.command(Command.START, program="pty-short")
        watchers["left"].wait(lambda s: s.state == "running" and s.position_s >= 1)
        servers["left"].disconnect()
        lost = watchers["left"].wait(lambda s: bool(s.fault))
        assert "lost" in lost.fault
        retrying = watchers["left"].wait(lambda s: "retrying in" in s.note)
        assert retrying.state == "disconnected", "the backoff is visible"
        watchers["left"].clear()
        servers["left"].reconnect()
        back = watchers["left"].wait(lambda s: s.state == "ready")
        assert back.fault, "the fault stays visible until a new start or a clear"
        done = watchers["right"].wait(lambda s: s.note.endswith(": completed"))
        assert not done.fault and done.state == "ready", "the other device played on to the end"
    left = servers["left"].device
    watchdog = [e for e in left.timeline if e.cause == "watchdog"]
    assert watchdog and state_at(left.timeline, watchdog[0].t) == {}, "the unplugged device stopped itself"
