"""`ptyfd://N`: a pyserial port on an already open file descriptor, such as a pseudo-terminal master.

A pty master has no path of its own (opening /dev/ptmx makes a new pty), so a peer that serves on the master
side (pymodbus's server, here) gets the descriptor through this URL instead of a device path.
"""

from __future__ import annotations

import errno
import fcntl
import os

import serial
from serial.serialposix import Serial as PosixSerial


class Serial(PosixSerial):
    """pyserial's POSIX port, opened by duplicating a descriptor instead of opening a path."""

    def open(self) -> None:
        """Mirror PosixSerial.open, minus the os.open, so timeouts and select work unchanged."""
        if self.is_open:
            raise serial.SerialException("port already open")
        self.fd = os.dup(int(str(self.portstr).split("://", 1)[1]))
        os.set_blocking(self.fd, False)
        self._exclusive = None  # every pty master is the same ptmx inode: one flock would lock them all
        self._reconfigure_port(force_update=True)  # type: ignore[attr-defined]  # private in the stubs
        try:
            self._update_dtr_state()  # type: ignore[attr-defined]
            self._update_rts_state()  # type: ignore[attr-defined]
        except OSError as err:  # a pty has no modem lines
            if err.errno not in (errno.EINVAL, errno.ENOTTY):
                raise
        self.pipe_abort_read_r, self.pipe_abort_read_w = os.pipe()
        self.pipe_abort_write_r, self.pipe_abort_write_w = os.pipe()
        fcntl.fcntl(self.pipe_abort_read_r, fcntl.F_SETFL, os.O_NONBLOCK)
        fcntl.fcntl(self.pipe_abort_write_r, fcntl.F_SETFL, os.O_NONBLOCK)
        self.is_open = True
