"""The pyserial transport and the link's failure paths, over real pyserial URLs and ports."""

from __future__ import annotations

import os

import pytest

from controller.clock import RealClock
from controller.errors import NotAMassager, PortBusy, PortNotFound
from controller.wire.link import Link
from controller.wire.transport import SerialTransport


def test_missing_port_is_a_clear_error() -> None:
    with pytest.raises(PortNotFound, match="no such port"):
        SerialTransport("/dev/does-not-exist-massager")


def test_echoing_port_is_not_a_massager() -> None:
    """loop:// echoes our own HELLO back: a reply of the wrong type, never a handshake."""
    link = Link(SerialTransport("loop://"), RealClock(), reply_timeout_s=0.02)
    with pytest.raises(NotAMassager, match="no massager handshake reply"):
        link.handshake()
    assert link.counters.retransmits == link.tries - 1
    assert link.counters.stale_replies >= 1
    link.close()


def test_second_owner_of_a_port_fails_fast() -> None:
    master, slave = os.openpty()
    path = os.ttyname(slave)
    first = SerialTransport(path)
    try:
        with pytest.raises(PortBusy, match=f"in use by PID {os.getpid()}"):
            SerialTransport(path)
    finally:
        first.close()
        os.close(master)
        os.close(slave)
