"""Fixtures: the firmware's core on the host (the library, a fresh device, a test host), and the whole
firmware on an emulated Uno (built once; a fresh board per test)."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.emulator import Emulator
from sim.messages import Hello, HelloReply
from tests.firmware.core import Firmware, FirmwarePort, _bind, build_firmware, build_library
from tests.sim.helpers import Host


@pytest.fixture(scope="session")
def lib() -> ctypes.CDLL:
    """The core as a shared library (`make -C firmware host`)."""
    return _bind(ctypes.CDLL(str(build_library())))


@pytest.fixture
def fw(lib: ctypes.CDLL) -> Firmware:
    """A device just powered up (first boot: boot_count 0), plate at 25 °C."""
    return Firmware(lib)


@pytest.fixture
def port(fw: Firmware) -> FirmwarePort:
    return FirmwarePort(fw)


@pytest.fixture
def host(port: FirmwarePort) -> Host:
    """A host that has said HELLO (and seen the power-up EVENT RESET)."""
    h = Host(port)
    assert isinstance(h.command(Hello(1, 0)), HelloReply)
    return h


@pytest.fixture(scope="session")
def firmware_elf() -> Path:
    """massager.elf and the emulator harness (`make -C firmware firmware emulator`)."""
    return build_firmware()


@pytest.fixture
def board(firmware_elf: Path) -> Iterator[Emulator]:
    """The firmware running on an emulated Uno behind a fresh pty, its outputs on the monitor."""
    with Emulator(firmware_elf, monitor=True) as emulator:
        yield emulator
