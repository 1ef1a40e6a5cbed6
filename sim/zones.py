"""The device's actuators: each zone's present values and lease, logging every change to the timeline."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.messages import SetEntry, ZoneState
from sim.profiles import Profile, SimZone
from sim.protocol import RAMP_UPDATE_S
from sim.records import MOTION_NAMES, TimelineEntry


@dataclass(slots=True)
class Ramp:
    """A soft stop in progress (§6.7): each zone falls linearly from `initial` to 0 by `end_t`."""

    start_t: float
    end_t: float
    initial: dict[int, int]
    tick: int = 1

    @property
    def next_t(self) -> float:
        """The next update, every RAMP_UPDATE_S from the start, and exactly at the end."""
        return min(self.start_t + self.tick * RAMP_UPDATE_S, self.end_t)

    def levels_at(self, t: float) -> dict[int, int]:
        """Each zone's intensity at `t`, rounded up so no zone stops before the ramp ends."""
        remaining = max(0.0, (self.end_t - t) / (self.end_t - self.start_t))
        return {zid: math.ceil(start * remaining - 1e-9) for zid, start in self.initial.items()}


@dataclass(slots=True)
class _Zone:
    info: SimZone
    motion: int = 0
    intensity: int = 0
    speed: int = 0
    heat: int = 0
    lease_deadline: float | None = None

    @property
    def is_on(self) -> bool:
        return self.intensity > 0 or self.heat > 0


class ZoneBank:
    """Every zone of one device, in ZONE_INFO order; the only place actuator values change."""

    def __init__(self, profile: Profile) -> None:
        self._zones = [_Zone(z) for z in profile.zones]
        self._by_id = {z.info.id: z for z in self._zones}
        self.timeline: list[TimelineEntry] = []
        self._lease_min: float | None = None
        self._lease_stale = False  # a lease changed since _lease_min was worked out
        self._heat_levels: tuple[int, ...] | None = None  # None once a zone's heat changes
        self._on: set[int] = set()  # ids of the zones that are on (§3.3), kept by _change

    def _set_lease(self, zone: _Zone, deadline: float | None) -> None:
        """The only writer of `lease_deadline`, so the earliest lease can be cached."""
        zone.lease_deadline = deadline
        self._lease_stale = True

    def apply(self, entry: SetEntry, t: float, lease_deadline: float | None) -> None:
        """Set one zone absolutely (§3.3) with its lease deadline, ignored when the zone is now off (§6.2)."""
        zone = self._by_id[entry.zone]
        self._change(zone, t, "set", entry.motion, entry.intensity, entry.speed, entry.heat)
        self._set_lease(zone, None if entry.is_off else lease_deadline)

    def renew(self, indices: tuple[int, ...], lease_deadline: float | None) -> None:
        """RENEW (§3.10): restart the leases of the zones at these ZONE_INFO indices, nothing else."""
        for index in indices:
            self._set_lease(self._zones[index], lease_deadline)

    def id_at(self, index: int) -> int:
        """The zone id at a ZONE_INFO index."""
        return self._zones[index].info.id

    def on_ids(self) -> set[int]:
        """Ids of the zones that are on (the live set: do not change it)."""
        return self._on

    def all_off(self, t: float, cause: str) -> None:
        """Every actuator and the heater off at once; leases end with them."""
        for zone in self._zones:
            self._off(zone, t, cause)

    def heaters_off(self, t: float, cause: str) -> None:
        """Heat to 0 on every zone, motion untouched (soft stop §6.7)."""
        for z in self._zones:
            self._change(z, t, cause, z.motion, z.intensity, z.speed, 0)

    def set_intensity(self, zone_id: int, intensity: int, t: float, cause: str) -> None:
        """Lower one zone's intensity (ramp); at 0 the zone is off entirely."""
        z = self._by_id[zone_id]
        if intensity <= 0:
            self._off(z, t, cause)
        else:
            self._change(z, t, cause, z.motion, intensity, z.speed, z.heat)

    def clear_leases(self) -> None:
        """Leases do not apply during a soft stop (§6.7)."""
        for zone in self._zones:
            self._set_lease(zone, None)

    def next_lease_deadline(self) -> float | None:
        """The earliest running lease, or None."""
        if self._lease_stale:
            deadlines = [z.lease_deadline for z in self._zones if z.lease_deadline is not None]
            self._lease_min = min(deadlines) if deadlines else None
            self._lease_stale = False
        return self._lease_min

    def expire_leases(self, t: float) -> list[int]:
        """Turn off every zone whose lease ran out by `t`; returns their ids, in zone order."""
        expired = [z for z in self._zones if z.lease_deadline is not None and z.lease_deadline <= t]
        for zone in expired:
            self._off(zone, t, "lease")
        return [z.info.id for z in expired]

    def any_on(self) -> bool:
        return bool(self._on)

    def intensities(self) -> dict[int, int]:
        """Present intensity of every moving zone, by id."""
        return {z.info.id: z.intensity for z in self._zones if z.intensity > 0}

    def heat_levels(self) -> tuple[int, ...]:
        """Every zone's heat level; the same tuple object until one of them changes."""
        if self._heat_levels is None:
            self._heat_levels = tuple(z.heat for z in self._zones)
        return self._heat_levels

    def states(self, only_on: bool = False) -> tuple[ZoneState, ...]:
        """STATUS entries (§3.4), in ZONE_INFO order: every zone, or only those that are on (1.1)."""
        return tuple(
            ZoneState(z.info.id, z.motion, z.intensity, z.speed, z.heat) for z in self._zones
            if not only_on or z.info.id in self._on
        )

    def _off(self, zone: _Zone, t: float, cause: str) -> None:
        self._change(zone, t, cause, 0, 0, 0, 0)
        self._set_lease(zone, None)

    def _change(
        self, zone: _Zone, t: float, cause: str, motion: int, intensity: int, speed: int, heat: int
    ) -> None:
        """Write new values, logging a timeline entry only when something actually changed."""
        new = (motion, intensity, speed, heat)
        if new == (zone.motion, zone.intensity, zone.speed, zone.heat):
            return
        if heat != zone.heat:
            self._heat_levels = None
        zone.motion, zone.intensity, zone.speed, zone.heat = new
        if zone.is_on:
            self._on.add(zone.info.id)
        else:
            self._on.discard(zone.info.id)
        self.timeline.append(TimelineEntry(
            t=t, zone=zone.info.name, zone_id=zone.info.id, intensity=intensity,
            motion=MOTION_NAMES.get(motion, str(motion)), speed=speed, heat=heat, cause=cause,
        ))
