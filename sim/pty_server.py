"""The simulator behind a pseudo-terminal: pyserial opens the slave path as it would a USB adapter.

`disconnect()` closes the master so the host sees the port vanish; `reconnect()` makes a new pty and, if a
`link_path` is given, atomically re-points that symlink at it, as /dev/serial/by-id does for a replugged
device.
"""

from __future__ import annotations

import errno
import os
import tty
from collections.abc import Iterable
from pathlib import Path

from controller.clock import Clock, RealClock
from sim.defects import device_class
from sim.device import Device
from sim.faults import FaultPlan
from sim.profiles import Profile
from sim.serve import READ_CHUNK, ServeLoop


class PtyEndpoint:
    """A pty pair; we keep our own slave fd open so the master never reads EIO between host opens."""

    def __init__(self, link_path: Path | None) -> None:
        self._link_path = link_path
        self._master: int | None = None
        self._slave: int | None = None
        self.path = ""

    def open(self) -> str:
        """Make a fresh pty in raw mode (no echo, no newline translation) and point the link at it."""
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self.path = os.ttyname(slave)
        if self._link_path is not None:
            tmp = self._link_path.with_name(f".{self._link_path.name}.{os.getpid()}.tmp")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(self.path)
            tmp.replace(self._link_path)  # atomic: a reader never sees the link missing
        return self.path

    def read_fds(self) -> list[int]:
        return [] if self._master is None else [self._master]

    def read(self, fd: int) -> bytes:
        try:
            return os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return b""
        except OSError as err:
            if err.errno == errno.EIO:  # no slave open at all: nothing to read
                return b""
            raise

    def write_fd(self) -> int | None:
        return self._master

    def send(self, data: bytes) -> int:
        if self._master is None:
            raise OSError(errno.EBADF, "pty is disconnected")
        return os.write(self._master, data)

    def disconnect(self) -> None:
        """Close both our ends: the host's open slave gets a hang-up, as on a USB unplug."""
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None

    def reconnect(self) -> str:
        self.disconnect()
        return self.open()

    def close(self) -> None:
        self.disconnect()
        link = self._link_path
        if link is not None and link.is_symlink() and os.readlink(link) == self.path:
            link.unlink()


class PtyServer:
    """A simulated device served on a pseudo-terminal from a background thread."""

    def __init__(self, profile: Profile | str = "foot", faults: FaultPlan | None = None,
                 clock: Clock | None = None, record_path: str | Path | None = None,
                 link_path: str | Path | None = None, boot_count: int = 0,
                 defects: Iterable[str] = ()) -> None:
        self._profile = profile
        self._faults = faults
        self._clock = clock or RealClock()
        self._record_path = Path(record_path) if record_path else None
        self._endpoint = PtyEndpoint(Path(link_path) if link_path else None)
        self._boot_count = boot_count
        self._device_class = device_class(defects)  # NON-CONFORMING when any: conformance tests only
        self._loop: ServeLoop | None = None

    @property
    def device(self) -> Device:
        return self._running().device

    @property
    def path(self) -> str:
        """The present slave path (changes on reconnect)."""
        return self._endpoint.path

    def start(self) -> str:
        """Power the device up and serve it; returns the slave path to open with pyserial."""
        device = self._device_class(self._profile, self._clock.now(), self._boot_count, self._faults)
        path = self._endpoint.open()
        self._loop = ServeLoop(device, self._clock, self._endpoint, self._record_path)
        self._loop.start()
        return path

    def stop(self, *, power_off: bool = False) -> None:
        """Stop serving; `power_off` turns every actuator off first, as a simulator that exits does."""
        if self._loop is not None:
            self._loop.stop(power_off=power_off)
            self._loop = None
        else:  # never started, or failed to (its --record file): the pty and the link go too
            self._endpoint.close()

    def disconnect(self) -> None:
        """Unplug: the host's port vanishes; the device keeps running (and its watchdog trips)."""
        loop = self._running()
        loop.call(loop.disconnect)

    def reconnect(self) -> str:
        """Plug back in under a new pty (and the same link path, if any); returns the new path."""
        return self._running().call(self._endpoint.reconnect)

    def press_button(self, button: int) -> None:
        """Press the device's button: 1 stop, 2 pause, 3 intensity up, 4 intensity down (§3.6)."""
        self._running().press_button(button)

    def foot_sensor(self, removed: bool) -> None:
        """The foot sensor sees the foot removed (True) or back in place (False)."""
        self._running().foot_sensor(removed)

    def _running(self) -> ServeLoop:
        if self._loop is None:
            raise RuntimeError("PtyServer is not started")
        return self._loop

    def __enter__(self) -> PtyServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
