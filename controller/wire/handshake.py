"""What a host refuses in a handshake: firmware_protocol.md §3.2 "What a host refuses", §3.5 and §9.

Pure checks of a HELLO_REPLY and the zones its ZONE_INFO replies described. The link (controller/wire/
link.py) runs them before it returns capabilities, so a device that breaks them gets no actuator frame: the
host says why in one line and exits 3. The zone and length limits the codec already enforces while
decoding (zone count 1…32, string lengths) are not repeated here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from controller.errors import ProtocolError
from controller.wire.capabilities import Zone
from controller.wire.protocol import MOTION_NAMES, HelloReply

WATCHDOG_MS = (100, 500)       # §3.2 watchdog_ms
MAX_LEASE_MS = (100, 2000)     # §3.2 max_lease_ms
RESERVED_ZONE_IDS = (0, 255)   # §3.8
_ZONE_NAME = re.compile(r"[a-z0-9_]+")  # §3.5: 1…24 lower-case ASCII letters, digits and _


def refuse_unusable(hello: HelloReply, zones: Sequence[Zone]) -> None:
    """ProtocolError naming every rule of §3.2 / §3.5 the device breaks; nothing when it breaks none."""
    problems = hello_problems(hello) + zone_problems(hello, zones)
    if problems:
        raise ProtocolError("the device breaks firmware_protocol.md, refusing it: " + "; ".join(problems))


def hello_problems(hello: HelloReply) -> list[str]:
    """What is wrong with the HELLO_REPLY's own fields."""
    problems = []
    for name, value, (low, high) in (("watchdog_ms", hello.watchdog_ms, WATCHDOG_MS),
                                     ("max_lease_ms", hello.max_lease_ms, MAX_LEASE_MS)):
        if not low <= value <= high:
            problems.append(f"{name} {value} is outside {low}…{high}")
    if hello.intensity_max < 1 or hello.speed_max < 1:
        problems.append(f"intensity_max {hello.intensity_max} and speed_max {hello.speed_max} must be ≥ 1")
    if not any(m in MOTION_NAMES and MOTION_NAMES[m] != "none" for m in hello.motions):
        problems.append("it reports no motion this host knows")
    problems += [f"its {name} is empty" for name, text in (("model", hello.model),
                                                           ("firmware", hello.firmware)) if not text]
    return problems


def zone_problems(hello: HelloReply, zones: Sequence[Zone]) -> list[str]:
    """What is wrong with the zones, and whether the three ways of saying "heater" agree."""
    problems = []
    seen: set[int] = set()
    for zone in zones:
        if zone.id in RESERVED_ZONE_IDS or zone.id in seen:
            problems.append(f"zone id {zone.id} "
                            + ("is reserved" if zone.id in RESERVED_ZONE_IDS else "appears twice"))
        seen.add(zone.id)
        if not _ZONE_NAME.fullmatch(zone.name):  # also keeps escape sequences off every screen
            problems.append(f"zone {zone.id} is named {zone.name!r}, not lower-case letters, digits and _")
    heated = any(z.heated for z in zones)
    if len({hello.has_heater, hello.heat_max > 0, heated}) > 1:
        problems.append(f"has_heater {hello.has_heater}, heat_max {hello.heat_max} and the zones' heated "
                        f"flags ({'some' if heated else 'none'}) disagree")
    return problems
