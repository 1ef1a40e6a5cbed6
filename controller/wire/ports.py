"""Opening a real device: a link on a serial port (or a pyserial URL) with the timing its line rate needs."""

from __future__ import annotations

from controller.clock import RealClock
from controller.wire.capabilities import DeviceCapabilities
from controller.wire.link import Link
from controller.wire.protocol import DEFAULT_BAUD
from controller.wire.timing import REPLY_TIMEOUT_S, REPLY_TIMEOUT_SLOW_S
from controller.wire.transport import SerialTransport


def open_link(port: str, baud: int = DEFAULT_BAUD, *, tries: int | None = None) -> Link:
    """A link on `port` with the reply timeout the line rate needs (firmware_protocol.md §5).

    Raises PortNotFound, PortPermission or PortBusy (LinkError) when the port cannot be opened.
    """
    timeout = REPLY_TIMEOUT_SLOW_S if baud < 57600 else REPLY_TIMEOUT_S
    link = Link(SerialTransport(port, baud), RealClock(), reply_timeout_s=timeout)
    if tries is not None:
        link.tries = tries
    return link


def probe(port: str, baud: int = DEFAULT_BAUD, *, tries: int | None = None) -> DeviceCapabilities:
    """Handshake with the device on `port` and return what it reported; the port is closed again.

    Raises LinkError when the port cannot be opened or nothing answers (NotAMassager), ProtocolError
    (VersionMismatch) when something answers in another protocol.
    """
    link = open_link(port, baud, tries=tries)
    try:
        return link.handshake()
    finally:
        link.close()
