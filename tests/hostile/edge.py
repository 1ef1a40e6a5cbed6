"""A legal device at every edge firmware_protocol.md §3.2 allows, for the simulator to play.

100 ms host-silence watchdog and 100 ms longest lease (the smallest allowed), 32 zones (the most), 255
intensity, speed and heat levels, the longest session cap a u16 holds, and vendor zones (ids 128…254)
beside the registry's.
"""

from __future__ import annotations

from sim.profiles import FOOT, MOTION_IDS, Profile, SimZone

REGISTRY = [(1, "toe_tips"), (2, "big_toe_pad"), (3, "diaphragm"), (4, "kidney"), (5, "spine_arch"),
            (6, "heel"), (7, "ankle"), (8, "ball"), (9, "outer_edge"), (10, "instep"), (11, "calf"),
            (32, "neck"), (33, "shoulders"), (34, "upper_back"), (35, "lower_back"), (36, "seat"),
            (37, "calves"), (38, "feet")]


def edge_profile() -> Profile:
    zones = [SimZone(zone_id, name, heated=zone_id in (5, 6, 8)) for zone_id, name in REGISTRY]
    zones += [SimZone(128 + k, f"vendor_{k}", heated=False) for k in range(32 - len(zones))]
    return Profile(
        name="edge", model="E" * 24, firmware="F" * 16, serial="", zones=tuple(zones),
        motions=tuple(MOTION_IDS), intensity_max=255, speed_max=255, heat_max=255,
        max_temp_dC=FOOT.max_temp_dC, heat_targets_dC=tuple(300 + k * 110 // 255 for k in range(1, 256)),
        max_session_s=0xFFFF, watchdog_ms=100, max_lease_ms=100)
