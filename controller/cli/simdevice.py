"""The built-in simulator as the command line sees it: its profiles, and their capabilities.

Only the command line (controller/cli/) may import the simulator; the core learns a device's capabilities
from its handshake alone.
"""

from __future__ import annotations

from controller.wire.capabilities import DeviceCapabilities, Zone


def sim_profile_capabilities(profile: str) -> DeviceCapabilities:
    """The capabilities the built-in simulator reports for `profile` ("foot" or "chair").

    Lets `show`, `validate` and `check` work without a device; the data is the simulator's own profile.
    """
    from sim.profiles import PROFILES  # the simulator's data, not its behaviour

    try:
        p = PROFILES[profile]
    except KeyError:
        choices = ", ".join(PROFILES)
        raise ValueError(f"unknown simulator profile {profile!r}; choose from {choices}") from None
    return DeviceCapabilities(
        model=p.model,
        firmware=p.firmware,
        serial=p.serial,
        simulator=True,
        protocol=(1, 0),
        zones=tuple(Zone(z.id, z.name, z.heated) for z in p.zones),
        motions=p.motions,
        intensity_max=p.intensity_max,
        speed_max=p.speed_max,
        heat_max=p.heat_max,
        max_temp_c=p.max_temp_dC / 10,
        max_session_s=p.max_session_s,
        watchdog_ms=p.watchdog_ms,
        max_lease_ms=p.max_lease_ms,
    )
