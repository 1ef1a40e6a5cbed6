"""Device profiles the simulator can play: identity, zones and limits, as plain data.

Zone and motion ids follow firmware_protocol.md §3.8.
"""

from __future__ import annotations

from dataclasses import dataclass

MOTION_IDS: dict[str, int] = {
    "roll": 1, "knead": 2, "swing": 3, "stroke": 4, "circle": 5,
    "press": 6, "pulse": 7, "compress": 8, "vibrate": 9,
}


@dataclass(frozen=True, slots=True)
class SimZone:
    id: int
    name: str
    heated: bool


@dataclass(frozen=True, slots=True)
class Profile:
    """Everything the simulated device reports in its handshake, plus its thermal constants."""

    name: str
    model: str
    firmware: str
    serial: str
    zones: tuple[SimZone, ...]
    motions: tuple[str, ...]
    intensity_max: int
    speed_max: int
    heat_max: int
    max_temp_dC: int            # heater cutoff, tenths of °C (§6.4)
    heat_targets_dC: tuple[int, ...]  # regulation target for heat level 1..heat_max, each <= 410
    max_session_s: int
    watchdog_ms: int
    max_lease_ms: int
    ambient_dC: int = 250
    thermal_tau_s: float = 60.0
    temp_sensor: bool = True  # without one: no heater, STATUS temp_dC -32768 (§6.4 "No sensor")

    def __post_init__(self) -> None:
        """§3.2: heat_max > 0 and "a zone is heated" must agree, and a heater needs a sensor (§6.4)."""
        if (self.heat_max > 0) != any(z.heated for z in self.zones):
            raise ValueError(f"profile {self.name!r}: heat_max and the heated zones disagree")
        if self.heat_max > 0 and not self.temp_sensor:
            raise ValueError(f"profile {self.name!r}: a heater needs a temperature sensor")

    @property
    def has_heater(self) -> bool:
        """HELLO_REPLY flags bit 1 `has_heater` (§3.2)."""
        return self.heat_max > 0


FOOT = Profile(
    name="foot",
    model="FootMate Sim",
    firmware="1.0.0",
    serial="SIM-FOOT-0001",
    zones=(
        SimZone(1, "toe_tips", False),
        SimZone(2, "big_toe_pad", False),
        SimZone(3, "diaphragm", True),
        SimZone(4, "kidney", True),
        SimZone(5, "spine_arch", True),
        SimZone(6, "heel", True),
        SimZone(7, "ankle", False),
        SimZone(8, "ball", True),
        SimZone(9, "outer_edge", False),
        SimZone(10, "instep", False),
        SimZone(11, "calf", False),
    ),
    motions=tuple(MOTION_IDS),
    intensity_max=10,
    speed_max=5,
    heat_max=2,
    max_temp_dC=450,
    heat_targets_dC=(380, 410),
    max_session_s=1800,
    watchdog_ms=400,
    max_lease_ms=2000,
)

CHAIR = Profile(
    name="chair",
    model="ReclineRelax Sim",
    firmware="1.0.0",
    serial="SIM-CHAIR-0001",
    zones=(
        SimZone(32, "neck", False),
        SimZone(33, "shoulders", False),
        SimZone(34, "upper_back", False),
        SimZone(35, "lower_back", True),
        SimZone(36, "seat", True),
        SimZone(37, "calves", False),
        SimZone(38, "feet", True),
    ),
    motions=("roll", "knead", "stroke", "circle", "press", "pulse", "compress", "vibrate"),
    intensity_max=5,
    speed_max=3,
    heat_max=2,
    max_temp_dC=450,
    heat_targets_dC=(380, 410),
    max_session_s=1800,
    watchdog_ms=400,
    max_lease_ms=2000,
)

PROFILES: dict[str, Profile] = {p.name: p for p in (FOOT, CHAIR)}
