"""An Arduino resets as its port opens (DTR auto-reset) and runs its bootloader for a second or two: the
handshake asks HELLO again until BOOT_GRACE_S after opening a serial port, instead of calling the board
"not a massager" after 5 × 100 ms (firmware/README.md, "Auto-reset")."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from controller.clock import VirtualClock
from controller.errors import NotAMassager
from controller.wire.link import Link
from controller.wire.ports import open_link
from controller.wire.timing import BOOT_GRACE_S
from sim import make_pair
from sim.pair import SimTransport


class Booting:
    """The host's end of a cable to a board that hears nothing until `boots_at` (its bootloader runs)."""

    def __init__(self, inner: SimTransport, clock: VirtualClock, boots_at: float) -> None:
        self.inner, self.clock, self.boots_at = inner, clock, boots_at
        self.dropped = 0

    def write(self, data: bytes) -> None:
        if self.clock.now() < self.boots_at:
            self.dropped += len(data)
            return
        self.inner.write(data)

    def read(self, max_bytes: int, timeout_s: float) -> bytes:
        return self.inner.read(max_bytes, timeout_s)

    def close(self) -> None:
        self.inner.close()


def _booting_link(boots_at: float, grace_s: float) -> tuple[Link, Booting, VirtualClock]:
    clock = VirtualClock()
    transport, _ = make_pair(clock)
    booting = Booting(transport, clock, boots_at)
    link = Link(booting, clock)
    link.boot_grace_s = grace_s
    return link, booting, clock


def test_a_board_that_boots_within_the_grace_is_found() -> None:
    link, booting, clock = _booting_link(boots_at=1.8, grace_s=BOOT_GRACE_S)
    caps = link.handshake()
    assert caps.zones and booting.dropped > 0  # HELLOs were lost to the bootloader, and asked again
    assert 1.8 <= clock.now() < BOOT_GRACE_S


def test_without_the_grace_the_same_board_is_not_a_massager() -> None:
    link, _, clock = _booting_link(boots_at=1.8, grace_s=0.0)
    with pytest.raises(NotAMassager, match="is this the right port"):
        link.handshake()
    assert clock.now() < 1.0  # 5 tries of 100 ms


def test_a_board_that_never_answers_is_given_up_on_after_the_grace() -> None:
    link, _, clock = _booting_link(boots_at=float("inf"), grace_s=BOOT_GRACE_S)
    with pytest.raises(NotAMassager, match=f"asked for {BOOT_GRACE_S:g} s after opening"):
        link.handshake()
    assert BOOT_GRACE_S <= clock.now() < BOOT_GRACE_S + 1.0


@pytest.fixture
def pty_path() -> Iterator[str]:
    controller_fd, device_fd = os.openpty()
    yield os.ttyname(device_fd)
    os.close(controller_fd)
    os.close(device_fd)


def test_a_serial_port_gets_the_grace_and_a_url_does_not(pty_path: str) -> None:
    serial_link = open_link(pty_path)
    try:
        assert serial_link.boot_grace_s == BOOT_GRACE_S
    finally:
        serial_link.close()
    url_link = open_link("loop://")
    try:
        assert url_link.boot_grace_s == 0.0
    finally:
        url_link.close()
