"""Names a program file may use for zones, motions and heat, and the ids firmware_protocol.md gives them.

Zone and motion names follow the registry of firmware_protocol.md §3.8 so every host and device spell them
alike; a program is checked against this vocabulary without a device, and against a device's own zones when
it is compiled.
"""

from __future__ import annotations

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

MotionName = Literal[
    "roll", "knead", "swing", "stroke", "circle", "press", "pulse", "compress", "vibrate"
]
MOTION_NAMES: tuple[str, ...] = get_args(MotionName)

# firmware_protocol.md §3.8: motion ids are fixed by the protocol (0 is "none").
MOTION_IDS: dict[str, int] = {name: i for i, name in enumerate(MOTION_NAMES, start=1)}

HeatName = Literal["off", "low", "high"]
HEAT_NAMES: tuple[str, ...] = get_args(HeatName)

IntensityClass = Literal["light", "medium", "deep"]

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
