"""firmware_protocol.md §3.2 "What a host refuses", at its exact edges: the last legal value passes, the
first illegal one is refused (the hostile-device tests run the same rules end to end)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from controller.errors import ProtocolError
from controller.wire.capabilities import Zone
from controller.wire.handshake import hello_problems, refuse_unusable, zone_problems
from controller.wire.protocol import HelloReply

GOOD = HelloReply(major=1, minor=1, simulator=False, has_heater=True, boot_count=0, reset_cause=0,
                  intensity_max=1, speed_max=1, heat_max=1, max_temp_dC=450, max_session_s=60,
                  watchdog_ms=100, max_lease_ms=100, motions=(9,), zone_count=2, model="M",
                  firmware="F", serial="")
ZONES = (Zone(1, "toe_tips", True), Zone(254, "vendor_zone_9", False))


def test_the_smallest_legal_device_is_accepted() -> None:
    refuse_unusable(GOOD, ZONES)
    refuse_unusable(replace(GOOD, watchdog_ms=500, max_lease_ms=2000, intensity_max=255), ZONES)


@pytest.mark.parametrize(("change", "problem"), [
    ({"watchdog_ms": 99}, "watchdog_ms 99 is outside 100…500"),
    ({"watchdog_ms": 501}, "watchdog_ms 501 is outside 100…500"),
    ({"max_lease_ms": 99}, "max_lease_ms 99 is outside 100…2000"),
    ({"max_lease_ms": 2001}, "max_lease_ms 2001 is outside 100…2000"),
    ({"speed_max": 0}, "speed_max 0 must be ≥ 1"),
    ({"motions": (0, 10, 11, 12, 13, 14, 15)}, "no motion this host knows"),
    ({"firmware": ""}, "its firmware is empty"),
])
def test_one_step_past_an_edge_is_refused(change: dict[str, object], problem: str) -> None:
    hello = replace(GOOD, **change)  # type: ignore[arg-type]
    assert any(problem in p for p in hello_problems(hello))
    with pytest.raises(ProtocolError, match="refusing it: "):
        refuse_unusable(hello, ZONES)


@pytest.mark.parametrize(("zones", "problem"), [
    ((Zone(255, "a", True),), "zone id 255 is reserved"),
    ((Zone(3, "a", True), Zone(3, "b", False)), "zone id 3 appears twice"),
    ((Zone(3, "Heel", True),), "named 'Heel'"),
    ((Zone(3, "heel\x1b[2J", True),), "named 'heel\\x1b[2J'"),  # shown escaped, never raw
    ((Zone(3, "heel", False),), "disagree"),
])
def test_zone_problems(zones: tuple[Zone, ...], problem: str) -> None:
    assert any(problem in p for p in zone_problems(GOOD, zones))
