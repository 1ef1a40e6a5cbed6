"""The hub: every device one host drives, each under its own supervisor thread, and the programs they run.

Built from a validated ServiceConfig. Devices are independent: one unplugged, faulting or crashing device
leaves the others running. `stop()` stops every device (a running program halts at once, as Ctrl-C does in
`run`) and waits for each to leave its device off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from controller.clock import Clock, RealClock
from controller.health import HealthProfile, load_profile
from controller.link import Link
from controller.program.library import program_folders, scan_folder
from controller.program.loader import LoadedProgram
from controller.service.api import CommandRefused, DeviceHandle
from controller.service.config import DeviceConfig, ServiceConfig
from controller.service.device import DeviceSetup
from controller.service.supervisor import DeviceSupervisor, port_opener
from controller.sessionlog import default_log_dir

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 10.0  # per device, far above a halt's few round trips; the device's watchdog backs it up
SimOpener = Callable[[DeviceConfig], Callable[[], Link]]


def load_catalog(extra_dirs: Sequence[Path]) -> dict[str, LoadedProgram]:
    """Every valid program by id; a folder earlier in the search order wins, as for `run PROGRAM`."""
    catalog: dict[str, LoadedProgram] = {}
    for folder in program_folders(list(extra_dirs)):
        for entry in scan_folder(folder):
            if entry.loaded is None:
                log.warning("skipping %s: %s", entry.file, "; ".join(str(e) for e in entry.errors))
            elif entry.loaded.program.id not in catalog:
                catalog[entry.loaded.program.id] = entry.loaded
    return dict(sorted(catalog.items()))


class ServiceHub:
    """Implements Hub (controller/service/api.py)."""

    def __init__(self, config: ServiceConfig, *, clock: Clock | None = None,
                 sim_opener: SimOpener | None = None,
                 catalog: dict[str, LoadedProgram] | None = None) -> None:
        self.config = config
        self.clock = clock or RealClock()
        self.catalog = catalog if catalog is not None else load_catalog(config.program_dirs)
        log_dir = (config.log_dir or default_log_dir()) if config.logs else None
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
        return tuple((pid, loaded.program.name) for pid, loaded in self.catalog.items())

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
