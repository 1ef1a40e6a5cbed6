"""What the device says about itself: the HELLO_REPLY (§3.2) built from a profile."""

from __future__ import annotations

from sim.messages import HelloReply
from sim.profiles import MOTION_IDS, Profile
from sim.protocol import PROTOCOL_MAJOR, PROTOCOL_MINOR


def hello_reply(profile: Profile, boot_count: int, reset_cause: int) -> HelloReply:
    """§3.2 for `profile`; flags say simulator, and heater exactly as the profile has one."""
    p = profile
    return HelloReply(
        major=PROTOCOL_MAJOR, minor=PROTOCOL_MINOR, simulator=True,
        has_heater=p.has_heater,
        boot_count=boot_count, reset_cause=reset_cause,
        intensity_max=p.intensity_max, speed_max=p.speed_max, heat_max=p.heat_max,
        max_temp_dC=p.max_temp_dC, max_session_s=p.max_session_s, watchdog_ms=p.watchdog_ms,
        max_lease_ms=p.max_lease_ms, motions=tuple(sorted(MOTION_IDS[m] for m in p.motions)),
        zone_count=len(p.zones), model=p.model, firmware=p.firmware, serial=p.serial,
    )
