"""The one seam to pyserial: open any device path or pyserial URL, exclusively, with errors a user can act on.

`socket://`, `loop://` and `spy://` come free from serial.serial_for_url. pyserial's exclusive flag is only
advisory on Linux, so device paths also take a lock file (RELIABILITY 27).

pyserial opens and configures every port. A plain POSIX port (a tty or pty: exactly `serial.Serial`) is
then read and written on its file descriptor directly: pyserial's read loop (select, read one byte, ioctl
for what is waiting, read again) and its write (write, then select) cost more than the round trip's
system calls themselves (issue 12). Every other port — URLs, `spy://`'s logging subclass — goes through
pyserial's own methods.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import select
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


_NO_LINE = ("socket://", "loop://")  # no serial line: a line rate does not apply (§2.1)
_READABLE = select.POLLIN | select.POLLERR | select.POLLHUP


class SerialTransport:
    """A byte pipe over a pyserial port: write, read with a timeout, close.

    `line_baud` is the line rate the link paces and times out for (§2.1, §5), None where no serial line
    is involved.
    """

    def __init__(self, port: str, baudrate: int = DEFAULT_BAUD) -> None:
        self.port_name = port
        self.baudrate = baudrate
        self.line_baud: int | None = None if port.startswith(_NO_LINE) else baudrate
        is_url = "://" in port
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
        self._fd: int | None = self._port.fd if type(self._port) is serial.Serial else None
        self._poll = select.poll()
        if self._fd is not None:
            self._poll.register(self._fd, _READABLE)

    def write(self, data: bytes) -> None:
        """Send bytes now; LinkClosed when the port is gone (device unplugged) or stays full for 1 s."""
        try:
            if self._fd is not None:
                self._write_fd(self._fd, data)
            else:
                self._port.write(data)
        except (serial.SerialException, OSError) as err:
            raise LinkClosed(f"lost {self.port_name}: {err} (device unplugged?)") from err

    def read(self, max_bytes: int, timeout_s: float) -> bytes:
        """Whatever arrives first, up to max_bytes; b"" after timeout_s with nothing."""
        try:
            if self._fd is not None:
                return self._read_fd(self._fd, max_bytes, timeout_s)
            return self._read_pyserial(max_bytes, timeout_s)
        except (serial.SerialException, OSError) as err:
            raise LinkClosed(f"lost {self.port_name}: {err} (device unplugged?)") from err

    def _write_fd(self, fd: int, data: bytes) -> None:
        """All of `data` on the descriptor (non-blocking, as pyserial opened it), waiting while it is full."""
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                if not select.select([], [fd], [], self._port.write_timeout)[1]:
                    raise serial.SerialTimeoutException("write timeout: the port stays full") from None

    def _read_fd(self, fd: int, max_bytes: int, timeout_s: float) -> bytes:
        """One poll and one read; a readable descriptor with nothing to read is a port that went away."""
        if not self._poll.poll(max(0.0, timeout_s) * 1000):
            return b""
        try:
            data = os.read(fd, max_bytes)
        except BlockingIOError:
            return b""
        if not data:
            raise serial.SerialException("the port reports data but has none (device disconnected?)")
        return data

    def _read_pyserial(self, max_bytes: int, timeout_s: float) -> bytes:
        """pyserial's own methods: what is waiting, else one byte with the timeout, then the rest."""
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
