"""Zone names of firmware_protocol.md §3.8's registry, so programs, profiles and devices spell them alike.

Defined here, below every layer, because programs (controller/program/vocabulary.py) and health profiles'
per-zone limits (controller/safety/) both name zones. Which zones stand for one another — the foot and
chair names of the calf, and a chair's single `feet` zone that plays every sole zone — is here too, so a
limit on one reaches the zone that plays it (`limit_names`).
"""

from __future__ import annotations

from functools import cache
from typing import Literal, get_args

ZoneName = Literal[
    # foot (reflexology map, DOMAIN.md)
    "toe_tips",
    "big_toe_pad",
    "diaphragm",
    "kidney",
    "spine_arch",
    "heel",
    "ankle",
    "ball",
    "outer_edge",
    "instep",
    "calf",
    # chair
    "neck",
    "shoulders",
    "upper_back",
    "lower_back",
    "seat",
    "calves",
    "feet",
]
ZONE_NAMES: tuple[str, ...] = get_args(ZoneName)

# The sole and toe zones a chair's single `feet` zone covers: a foot program runs on a chair by
# mapping each of them onto `feet` when the device lacks the zone itself.
FOOT_SOLE_ZONES: frozenset[str] = frozenset(
    {
        "toe_tips", "big_toe_pad", "diaphragm", "kidney", "spine_arch",
        "heel", "ankle", "ball", "outer_edge", "instep",
    }
)
# The same body part under the foot and the chair registry's names.
ZONE_EQUIVALENTS: dict[str, str] = {"calf": "calves", "calves": "calf"}


@cache  # the safety gate asks on every SET; the answer never changes
def limit_names(zone: str) -> frozenset[str]:
    """Every zone name whose per-zone limit applies to the device zone `zone`.

    Its own name, its equivalent (calf/calves), and between `feet` and the sole zones both ways: `feet`
    plays every sole zone on a chair, and on a foot device each sole zone is part of the feet.
    """
    names = {zone}
    if zone in ZONE_EQUIVALENTS:
        names.add(ZONE_EQUIVALENTS[zone])
    if zone == "feet":
        names |= FOOT_SOLE_ZONES
    elif zone in FOOT_SOLE_ZONES:
        names.add("feet")
    return frozenset(names)
