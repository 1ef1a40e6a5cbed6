"""Names a program file may use for zones, motions and heat, and the ids firmware_protocol.md gives them.

Zone and motion names follow the registry of firmware_protocol.md §3.8 so every host and device spell them
alike; a program is checked against this vocabulary without a device, and against a device's own zones when
it is compiled. Zone names are the registry's (controller/zones.py, which health profiles share), motion
names and their ids the protocol's (controller/wire/protocol.py `MOTIONS`), heat level names the program
scale's (controller/safety/limits.py): named there once, used here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from controller.safety.limits import PROGRAM_HEAT_LEVELS
from controller.wire.protocol import MOTIONS

# A program's id, and so the name it is picked by: what `massagectl run NAME` and a file's `id:` accept.
PROGRAM_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
PROGRAM_ID_RE = re.compile(PROGRAM_ID_PATTERN)

MOTION_NAMES: tuple[str, ...] = tuple(name for name, motion_id in MOTIONS.items() if motion_id)  # not "none"
HEAT_NAMES: tuple[str, ...] = PROGRAM_HEAT_LEVELS

if TYPE_CHECKING:  # the type checker sees names; pydantic and the schema see the exact choices
    MotionName = str
    HeatName = str
else:
    MotionName = Literal[MOTION_NAMES]
    HeatName = Literal[HEAT_NAMES]

IntensityClass = Literal["light", "medium", "deep"]
