"""The hub: every device one host drives, each under its own supervisor thread, and the programs they run.

Built from a validated ServiceConfig. Devices are independent: one unplugged, faulting or crashing device
leaves the others running. `stop()` stops every device (a running program halts at once, as Ctrl-C does in
`run`) and waits for each to leave its device off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from controller.clock import Clock, RealClock
from controller.paths import logs_dir
from controller.safety.health import HealthProfile, load_profile
from controller.service.api import CommandRefused, DeviceHandle
from controller.service.catalog import ProgramCatalog
from controller.service.config import DeviceConfig, ServiceConfig
from controller.service.device import DeviceSetup
from controller.service.supervisor import DeviceSupervisor
from controller.wire.link import Link
from controller.wire.ports import open_link

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 10.0  # per device, far above a halt's few round trips; the device's watchdog backs it up
SimOpener = Callable[[DeviceConfig], Callable[[], Link]]


def port_opener(port: str, baud: int) -> Callable[[], Link]:
    """Opens a real port (device path or socket:// URL) on each connect attempt."""
    return lambda: open_link(port, baud)


class ServiceHub:
    """Implements Hub (controller/service/api.py)."""

    def __init__(self, config: ServiceConfig, *, clock: Clock | None = None,
                 sim_opener: SimOpener | None = None) -> None:
        self.config = config
        self.clock = clock or RealClock()
        self.catalog = ProgramCatalog(config.program_dirs)
        log_dir = (config.log_dir or logs_dir()) if config.logs else None
        health = {d.id: _health(d) for d in config.devices}  # every profile read before anything starts
        self._supervisors = [
            DeviceSupervisor(DeviceSetup(d, self._opener(d, sim_opener), health[d.id], self.catalog, log_dir),
                             self.clock)
            for d in config.devices]
        self._by_id = {s.device_id: s for s in self._supervisors}

    def _opener(self, device: DeviceConfig, sim_opener: SimOpener | None) -> Callable[[], Link]:
        if device.port is not None:
            return port_opener(device.port, device.baud)
        if sim_opener is None:
            raise CommandRefused(f"device {device.id}: simulators need the command line's simulator support")
        return sim_opener(device)

    # --- Hub ----------------------------------------------------------------------------------

    def devices(self) -> Sequence[DeviceHandle]:
        return tuple(self._supervisors)

    def device(self, device_id: str) -> DeviceHandle:
        try:
            return self._by_id[device_id]
        except KeyError:
            raise CommandRefused(f"no device {device_id!r}") from None

    def programs(self) -> Sequence[tuple[str, str]]:
        return self.catalog.names()

    def refresh_programs(self) -> None:
        self.catalog.refresh()

    # --- lifetime -----------------------------------------------------------------------------

    def supervisors(self) -> Sequence[DeviceSupervisor]:
        return tuple(self._supervisors)

    def start(self) -> None:
        for supervisor in self._supervisors:
            supervisor.start()

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> list[str]:
        """Stop every device at once, then wait for each; returns the ids of any that did not finish."""
        for supervisor in self._supervisors:
            supervisor.request_stop()
        return [s.device_id for s in self._supervisors if not s.join(timeout_s)]


def _health(device: DeviceConfig) -> HealthProfile | None:
    return load_profile(device.health_profile)
