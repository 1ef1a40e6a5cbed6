"""The pyserial transport and the link's failure paths, over real pyserial URLs and ports."""

from __future__ import annotations

import os
import time
import tty
from pathlib import Path

import pytest

from controller.clock import RealClock
from controller.errors import LinkClosed, NotAMassager, PortBusy, PortNotFound
from controller.wire.link import Link
from controller.wire.ports import open_link
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


def _pty() -> tuple[int, int, str]:
    master, slave = os.openpty()
    tty.setraw(slave)
    return master, slave, os.ttyname(slave)


def test_a_plain_port_reads_and_writes_its_descriptor_with_the_same_behaviour() -> None:
    master, slave, path = _pty()
    port = SerialTransport(path, 9600)
    try:
        assert port.line_baud == 9600
        port.write(b"\x04\x01\x07\x05\x03\x88\x11\x00")
        assert os.read(master, 100) == b"\x04\x01\x07\x05\x03\x88\x11\x00"
        t0 = time.monotonic()
        assert port.read(4096, 0.05) == b""  # nothing: after the timeout, not before
        assert time.monotonic() - t0 >= 0.045
        os.write(master, b"abc\x00def")
        got = port.read(4096, 1.0)
        while not got.endswith(b"def"):
            got += port.read(4096, 1.0)
        assert got == b"abc\x00def"
        os.write(master, b"x" * 10)
        assert port.read(4, 1.0) == b"xxxx"  # at most max_bytes; the rest waits
        assert port.read(4096, 1.0) == b"x" * 6
    finally:
        port.close()
        os.close(master)
        os.close(slave)


def test_a_port_whose_far_side_goes_away_is_link_closed() -> None:
    master, slave, path = _pty()
    port = SerialTransport(path)
    os.close(slave)
    os.close(master)  # the pty hangs up: readable, but a read fails
    try:
        with pytest.raises(LinkClosed, match="lost"):
            port.read(4096, 1.0)
    finally:
        port.close()


def test_a_port_that_stays_full_is_link_closed_after_the_write_timeout() -> None:
    master, slave, path = _pty()
    port = SerialTransport(path)
    try:
        with pytest.raises(LinkClosed, match="write timeout"):
            for _ in range(1000):  # nobody reads the master: the pty's buffer fills
                port.write(b"\x01" * 4096)
    finally:
        port.close()
        os.close(master)
        os.close(slave)


def test_urls_go_through_pyserials_own_methods(tmp_path: Path) -> None:
    loop = SerialTransport("loop://")
    assert loop.line_baud is None  # no serial line, no line rate (§2.1)
    loop.write(b"hello\x00")
    assert loop.read(4096, 0.5) == b"hello\x00"
    loop.close()
    master, slave, path = _pty()
    log = tmp_path / "spy.txt"
    spy = SerialTransport(f"spy://{path}?file={log}")  # a subclass of serial.Serial that logs its I/O
    try:
        spy.write(b"\x01\x02\x00")
        assert os.read(master, 100) == b"\x01\x02\x00"
        os.write(master, b"\x03\x00")
        assert spy.read(4096, 1.0) == b"\x03\x00"
    finally:
        spy.close()
        os.close(master)
        os.close(slave)
    text = log.read_text()
    assert "TX" in text and "RX" in text  # pyserial's spy saw both: its methods were used


def test_the_reply_timeout_follows_the_line_rate() -> None:
    clock = RealClock()
    assert Link(SerialTransport("loop://", 9600), clock).reply_timeout_s == 0.1  # no line: 115200's
    master, slave, path = _pty()
    try:
        for baud, timeout in ((9600, 0.3), (19200, 0.3), (115200, 0.1)):
            link = open_link(path, baud)
            assert link.line_baud == baud and link.reply_timeout_s == timeout
            link.close()
    finally:
        os.close(master)
        os.close(slave)
