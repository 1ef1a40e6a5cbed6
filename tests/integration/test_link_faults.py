"""The controller's link over a lossy line: every command applied exactly once and in order, or a typed error.

Each fault type at 5, 10 and 20 % of frames (both directions), 600 SETs so the 8-bit sequence number wraps
twice, on the virtual clock. Never a silent loss, never a double application.
"""

from __future__ import annotations

import pytest

from controller.clock import VirtualClock
from controller.errors import DeviceRejected, LinkTimeout
from controller.wire.link import Link
from controller.wire.protocol import NakCode, SetEntry
from sim import make_pair
from sim.faults import FaultPlan

COMMANDS = 600


def command(i: int) -> SetEntry:
    """The i-th command: a distinct absolute state, so every application is identifiable."""
    return SetEntry(zone=1 + i % 11, motion=1 + i % 9, intensity=1 + i % 10, speed=1 + i % 5, heat=0,
                    lease_ms=2000)


@pytest.mark.parametrize("rate", [0.05, 0.10, 0.20])
@pytest.mark.parametrize("fault", ["drop", "corrupt", "duplicate", "delay"])
def test_every_command_applied_exactly_once_in_order_or_a_typed_error(fault: str, rate: float) -> None:
    clock = VirtualClock()
    transport, device = make_pair(clock, faults=FaultPlan(**{fault: rate}, seed=int(rate * 100)))
    link = Link(transport, clock)
    _handshake(link)
    acknowledged: list[int] = []
    uncertain: set[int] = set()  # the link gave up: applied at most once, maybe not at all
    for i in range(COMMANDS):
        try:
            link.set_actuators((command(i),))
            acknowledged.append(i)
        except LinkTimeout:
            uncertain.add(i)
            _handshake(link)
        except DeviceRejected as err:  # the line was down past the watchdog: typed, then recover
            assert err.code == NakCode.NOT_READY
            uncertain.add(i)
            _handshake(link)
    applied = [next(i for i in range(COMMANDS) if (command(i),) == tuple(_host(e) for e in a.entries))
               for a in device.applied]
    assert len(applied) == len(set(applied)), "a command was applied twice"
    assert applied == sorted(applied), "commands were applied out of order"
    assert set(acknowledged) <= set(applied), "an acknowledged command was never applied"
    assert set(applied) - set(acknowledged) <= uncertain
    assert len(acknowledged) >= COMMANDS * 0.95
    if fault in ("drop", "corrupt"):
        assert link.counters.retransmits > 0


def _handshake(link: Link) -> None:
    """A host reconnects after a typed failure; on a line this bad that may itself take a few tries."""
    for _ in range(5):
        try:
            link.handshake()
            return
        except LinkTimeout:
            continue
    raise AssertionError("no handshake in 5 attempts")


def _host(entry: object) -> SetEntry:
    return SetEntry(**{f: getattr(entry, f) for f in ("zone", "motion", "intensity", "speed", "heat",
                                                      "lease_ms")})
