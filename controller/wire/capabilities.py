"""What a device says it can do: the plain data the compiler, safety policy and runner work from.

Built from the handshake (HELLO_REPLY plus one ZONE_INFO per zone, firmware_protocol.md §3.2, §3.5), never
guessed; the compiler takes it as data so programs can be checked without a device.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Zone:
    """One actuator zone as the device reported it."""

    id: int
    name: str
    heated: bool


@dataclass(frozen=True, slots=True)
class DeviceCapabilities:
    """Identity and limits of one device."""

    model: str
    firmware: str
    serial: str
    simulator: bool
    protocol: tuple[int, int]
    zones: tuple[Zone, ...]
    motions: tuple[str, ...]
    intensity_max: int
    speed_max: int
    heat_max: int
    max_temp_c: float
    max_session_s: int
    watchdog_ms: int
    max_lease_ms: int
    boot_count: int = 0
    reset_cause: int = 0

    @property
    def has_heater(self) -> bool:
        return self.heat_max > 0

    def zone(self, name: str) -> Zone | None:
        """The zone called `name`, or None when the device lacks it."""
        return next((z for z in self.zones if z.name == name), None)

    def zone_by_id(self, zone_id: int) -> Zone | None:
        return next((z for z in self.zones if z.id == zone_id), None)

    @property
    def zone_names(self) -> tuple[str, ...]:
        return tuple(z.name for z in self.zones)
