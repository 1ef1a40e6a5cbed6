"""The built-in simulator as the command line sees it: its profile names, and their capabilities.

Only the command line (controller/cli/) may import the simulator. Like any device, the simulator's
capabilities come from its handshake, done here in-process on a virtual clock, so `show`, `validate` and
`check` work without a device and the core learns capabilities one way only.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from controller.wire.capabilities import DeviceCapabilities

from controller.simnames import DEFAULT_PROFILE, SIM_PROFILES

__all__ = ["DEFAULT_PROFILE", "SIM_PROFILES", "sim_profile_capabilities"]


@cache
def sim_profile_capabilities(profile: str) -> DeviceCapabilities:
    """What the built-in simulator reports for `profile` in its handshake; ValueError for an unknown one."""
    from controller.clock import VirtualClock
    from controller.wire.link import Link
    from sim import make_pair

    if profile not in SIM_PROFILES:
        raise ValueError(f"unknown simulator profile {profile!r}; choose from {', '.join(SIM_PROFILES)}")
    clock = VirtualClock()
    link = Link(make_pair(clock, profile=profile)[0], clock)
    try:
        return link.handshake()
    finally:
        link.close()


def sim_profiles() -> dict[str, DeviceCapabilities]:
    """Every simulator profile's capabilities by name: the devices the web console authors against."""
    return {profile: sim_profile_capabilities(profile) for profile in SIM_PROFILES}
