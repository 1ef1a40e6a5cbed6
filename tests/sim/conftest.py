"""Fixtures: a simulated device on a virtual clock, and a test host already through the handshake."""

from __future__ import annotations

import pytest

from controller.clock import VirtualClock
from sim import Device, SimTransport, make_pair
from sim.messages import Hello, HelloReply
from tests.sim.helpers import Host


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(start=100.0)


@pytest.fixture
def pair(clock: VirtualClock) -> tuple[SimTransport, Device]:
    return make_pair(clock, profile="foot")


@pytest.fixture
def device(pair: tuple[SimTransport, Device]) -> Device:
    return pair[1]


@pytest.fixture
def host(pair: tuple[SimTransport, Device]) -> Host:
    """A host that has said HELLO and seen the power-up EVENT RESET."""
    h = Host(pair[0])
    assert isinstance(h.command(Hello(1, 0)), HelloReply)
    return h
