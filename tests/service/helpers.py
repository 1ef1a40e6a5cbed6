"""Hubs over simulators for the service tests: in-process on a virtual clock, or over real ptys."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from controller.clock import Clock
from controller.service.api import DeviceStatus
from controller.service.config import DeviceConfig, ServiceConfig
from controller.service.hub import ServiceHub
from controller.wire.link import Link
from sim import make_pair
from sim.device import Device
from sim.faults import FaultPlan

WAIT_S = 20.0  # generous: the machine is shared; every wait ends as soon as its event comes


@dataclass
class SimBench:
    """In-process simulators, one per simulated device, reachable by device id."""

    clock: Clock
    faults: dict[str, FaultPlan] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)

    def opener(self, config: DeviceConfig) -> Callable[[], Link]:
        faults = self.faults.get(config.id)
        transport, device = make_pair(self.clock, profile=config.sim or "foot", faults=faults)
        self.devices[config.id] = device
        transports = [transport]

        def open_link() -> Link:
            if len(transports) > 1 or transports[0].device.counters.frames_received:
                transports.append(transports[-1].reopen())  # a reconnect: the same device, replugged
            return Link(transports[-1], self.clock)

        return open_link


class Watcher:
    """Every status a device publishes, and a wait for the first that satisfies a condition."""

    def __init__(self) -> None:
        self.seen: list[DeviceStatus] = []
        self._cond = threading.Condition()
        self.actions: list[tuple[Callable[[DeviceStatus], bool], Callable[[DeviceStatus], None]]] = []

    def __call__(self, status: DeviceStatus) -> None:
        for condition, action in list(self.actions):
            if condition(status):  # runs in the device's thread: on a virtual clock, time stands still here
                self.actions.remove((condition, action))
                action(status)
        with self._cond:
            self.seen.append(status)
            self._cond.notify_all()

    def when(self, condition: Callable[[DeviceStatus], bool], action: Callable[[DeviceStatus], None]) -> None:
        """Run `action` in the device's thread at the first status that satisfies `condition`."""
        self.actions.append((condition, action))

    def wait(self, condition: Callable[[DeviceStatus], bool], timeout_s: float = WAIT_S) -> DeviceStatus:
        with self._cond:
            found = self._cond.wait_for(lambda: next((s for s in self.seen if condition(s)), None),
                                        timeout_s)
            assert found, f"no such status within {timeout_s} s; last: {self.seen[-1] if self.seen else None}"
            return next(s for s in self.seen if condition(s))

    def clear(self) -> None:
        with self._cond:
            self.seen.clear()


@contextmanager
def running_hub(config: ServiceConfig,
                bench: SimBench | None = None) -> Iterator[tuple[ServiceHub, dict[str, Watcher]]]:
    hub = ServiceHub(config, clock=bench.clock if bench else None, sim_opener=bench.opener if bench else None)
    watchers = {}
    for handle in hub.devices():
        watchers[handle.device_id] = Watcher()
        handle.subscribe(watchers[handle.device_id])
    hub.start()
    try:
        yield hub, watchers
    finally:
        assert hub.stop() == []


def device(device_id: str = "dev", **fields: object) -> DeviceConfig:
    base: dict[str, object] = {"id": device_id, "name": f"Device {device_id}", "sim": "foot"}
    return DeviceConfig.model_validate({**base, **fields})


def config(*devices: DeviceConfig, log_dir: Path | None = None) -> ServiceConfig:
    return ServiceConfig(devices=list(devices), logs=log_dir is not None, log_dir=log_dir)
