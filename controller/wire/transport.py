"""The one seam to pyserial: open any device path or pyserial URL, exclusively, with errors a user can act on.

`socket://`, `loop://` and `spy://` come free from serial.serial_for_url. pyserial's exclusive flag is only
advisory on Linux, so device paths also take a lock file (RELIABILITY 27).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from typing import IO

import serial

from controller.errors import LinkClosed, LinkError, PortBusy, PortNotFound, PortPermission
from controller.paths import lock_dir
from controller.wire.protocol import DEFAULT_BAUD


class PortLock:
    """An flock'ed file naming the PID that owns a port; released on close or process death."""

    def __init__(self, port: str) -> None:
        real = os.path.realpath(port)
        self.path = lock_dir() / f"massagectl-{real.strip('/').replace('/', '_')}.lock"
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock; PortBusy, naming the owner's PID, when another process holds it."""
        handle = open(self.path, "a+", encoding="ascii")  # noqa: SIM115 - held for the port's lifetime
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "unknown"
            handle.close()
            raise PortBusy(f"the port is in use by PID {owner} (lock {self.path})") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _open_error(port: str, err: Exception) -> LinkError:
    code = getattr(err, "errno", None)
    text = str(err)
    if code == errno.ENOENT or "No such file" in text or "[Errno 2]" in text:
        return PortNotFound(f"no such port {port!r}: check the cable, or run `massagectl ports`")
    if code == errno.EACCES or "Permission denied" in text:
        return PortPermission(
            f"permission denied opening {port!r}: add yourself to the dialout group "
            "(sudo usermod -aG dialout $USER, then log in again) or install the udev rule in udev/")
    if code == errno.EBUSY or "multiple access" in text or "exclusively lock" in text:
        return PortBusy(f"{port!r} is in use by another program")
    if "Connection refused" in text or code == errno.ECONNREFUSED:
        return PortNotFound(f"nothing is listening at {port!r}")
    return LinkError(f"cannot open {port!r}: {text}")


class SerialTransport:
    """A byte pipe over a pyserial port: write, read with a timeout, close."""

    def __init__(self, port: str, baudrate: int = DEFAULT_BAUD) -> None:
        self.port_name = port
        self.baudrate = baudrate
        is_url = "://" in port
        if not is_url and not os.path.exists(port):  # before the lock: a missing port leaves no lock file
            raise _open_error(port, FileNotFoundError(errno.ENOENT, "No such file or directory", port))
        self._lock = None if is_url else PortLock(port)
        if self._lock is not None:
            self._lock.acquire()
        try:
            self._port = serial.serial_for_url(port, baudrate=baudrate, timeout=0.1, write_timeout=1.0,
                                               exclusive=None if is_url else True)
        except (serial.SerialException, OSError, ValueError) as err:
            self._release_lock()
            raise _open_error(port, err) from err
        self._timeout = 0.1

    def write(self, data: bytes) -> None:
        """Send bytes now; LinkClosed when the port is gone (device unplugged)."""
        try:
            self._port.write(data)
        except (serial.SerialException, OSError) as err:
            raise LinkClosed(f"lost {self.port_name}: {err} (device unplugged?)") from err

    def read(self, max_bytes: int, timeout_s: float) -> bytes:
        """Whatever arrives first, up to max_bytes; b"" after timeout_s with nothing."""
        try:
            waiting = self._port.in_waiting
            if waiting:
                return bytes(self._port.read(min(waiting, max_bytes)))
            if timeout_s != self._timeout:
                self._port.timeout = self._timeout = timeout_s
            first = bytes(self._port.read(1))
            if not first:
                return b""
            more = self._port.in_waiting
            return first + (bytes(self._port.read(min(more, max_bytes - 1))) if more else b"")
        except (serial.SerialException, OSError) as err:
            raise LinkClosed(f"lost {self.port_name}: {err} (device unplugged?)") from err

    def close(self) -> None:
        with contextlib.suppress(serial.SerialException, OSError):
            self._port.close()
        self._release_lock()

    def _release_lock(self) -> None:
        if self._lock is not None:
            self._lock.release()


def list_ports() -> list[tuple[str, str, str]]:
    """(device, description, hardware id) for every serial port the OS reports."""
    from serial.tools import list_ports as lp

    return [(p.device, p.description or "", p.hwid or "") for p in sorted(lp.comports())]
