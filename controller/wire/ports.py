"""Opening a real device: a link on a serial port (or a pyserial URL) with the timing its line rate needs."""

from __future__ import annotations

from controller.clock import RealClock
from controller.wire.capabilities import DeviceCapabilities
from controller.wire.link import Link
from controller.wire.protocol import DEFAULT_BAUD
from controller.wire.timing import BOOT_GRACE_S
from controller.wire.transport import SerialTransport


def open_link(port: str, baud: int = DEFAULT_BAUD, *, tries: int | None = None) -> Link:
    """A link on `port` at `baud`; its reply timeout and handshake pace follow the line rate (§5, §9). On a
    serial port (not a pyserial URL) the handshake asks HELLO again for BOOT_GRACE_S after opening, since
    an Arduino resets as its port is opened and runs its bootloader first.

    Raises PortNotFound, PortPermission or PortBusy (LinkError) when the port cannot be opened.
    """
    link = Link(SerialTransport(port, baud), RealClock())
    if tries is not None:
        link.tries = tries
    if "://" not in port:  # a serial port: the board may reset as it opens (an Uno's DTR auto-reset)
        link.boot_grace_s = BOOT_GRACE_S
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
