"""Acceptance rules as pure functions: a frame's header (§2.4 step 6), SET (§3.3) and RENEW (§3.10)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sim.messages import Nak, Renew, SetCmd, SetEntry
from sim.profiles import MOTION_IDS, Profile, SimZone
from sim.protocol import MAX_PAYLOAD, MIN_LEASE_MS, PROTOCOL_MAJOR, SET_MAX_ENTRIES, DeviceState, NakCode
from sim.wire import Frame

# §3.3 / §3.7: which state refuses SET (and SOFT_STOP, RENEW) with which code, in the document's order.
STATE_REFUSALS: dict[DeviceState, NakCode] = {
    DeviceState.WAITING: NakCode.NOT_READY,
    DeviceState.SAFE_STOP: NakCode.NOT_READY,
    DeviceState.ESTOP: NakCode.ESTOP_LATCHED,
    DeviceState.FAULT: NakCode.OVERHEAT,
    DeviceState.STOPPING: NakCode.BUSY,
}


@dataclass(frozen=True, slots=True)
class ProfileTables:
    """A profile's zones by id and its motion ids, worked out once per device."""

    profile: Profile
    zones: dict[int, SimZone]
    motions: frozenset[int]

    @classmethod
    def of(cls, profile: Profile) -> ProfileTables:
        motions = frozenset(MOTION_IDS[m] for m in profile.motions)
        return cls(profile, {z.id: z for z in profile.zones}, motions)


def entry_in_range(entry: SetEntry, zone: SimZone, profile: Profile) -> bool:
    """§3.3 value ranges, heat only on heated zones, and intensity > 0 only with a motion."""
    speed_min = 1 if entry.intensity > 0 else 0
    return (
        entry.intensity <= profile.intensity_max
        and speed_min <= entry.speed <= profile.speed_max
        and entry.heat <= profile.heat_max
        and (entry.heat == 0 or zone.heated)
        and lease_in_range(entry.lease_ms, profile)
        and (entry.intensity == 0 or entry.motion != 0)
    )


def lease_in_range(lease_ms: int, profile: Profile) -> bool:
    """§3.3, §3.10: 100 … max_lease_ms."""
    return MIN_LEASE_MS <= lease_ms <= profile.max_lease_ms


def clamp_entry(entry: SetEntry, zone: SimZone, profile: Profile) -> SetEntry:
    """Each value pulled into its §3.3 range — what a device that never NAKs OUT_OF_RANGE would apply."""
    intensity = min(entry.intensity, profile.intensity_max)
    return replace(
        entry, intensity=intensity,
        speed=max(1 if intensity > 0 else 0, min(entry.speed, profile.speed_max)),
        heat=min(entry.heat, profile.heat_max) if zone.heated else 0,
        lease_ms=max(MIN_LEASE_MS, min(entry.lease_ms, profile.max_lease_ms)),
    )


def check_entries(cmd: SetCmd, tables: ProfileTables, stuck_zone_id: int | None) -> Nak | None:
    """The first §3.3 entry error, checking each entry's rules in the document's order; None if clean."""
    if not 1 <= len(cmd.entries) <= SET_MAX_ENTRIES:
        return Nak(NakCode.OUT_OF_RANGE, 0)
    seen: set[int] = set()
    for index, entry in enumerate(cmd.entries):
        zone = tables.zones.get(entry.zone)
        if zone is None:
            return Nak(NakCode.UNSUPPORTED_ZONE, entry.zone)
        if entry.zone in seen:
            return Nak(NakCode.OUT_OF_RANGE, index)
        seen.add(entry.zone)
        if entry.motion != 0 and entry.motion not in tables.motions:
            return Nak(NakCode.UNSUPPORTED_MOTION, entry.motion)
        if not entry_in_range(entry, zone, tables.profile):
            return Nak(NakCode.OUT_OF_RANGE, index)
        if entry.zone == stuck_zone_id:
            return Nak(NakCode.ZONE_STUCK, entry.zone)
    return None


def check_renew(cmd: Renew, profile: Profile, zone_ids: list[int], on: set[int],
                stuck_zone_id: int | None) -> Nak | None:
    """§3.10 steps 2-3: the zone bits, the lease, then each named zone stuck or off; None if clean.

    `zone_ids` are the profile's zone ids in ZONE_INFO order, `on` the ids of the zones that are on.
    """
    if not cmd.zones or max(cmd.zones) >= len(zone_ids) or not lease_in_range(cmd.lease_ms, profile):
        return Nak(NakCode.OUT_OF_RANGE, 0)
    for index in sorted(cmd.zones):
        zone_id = zone_ids[index]
        if zone_id == stuck_zone_id:
            return Nak(NakCode.ZONE_STUCK, zone_id)
        if zone_id not in on:
            return Nak(NakCode.ZONE_OFF, zone_id)
    return None


def state_refusal(state: DeviceState, session_expired: bool) -> NakCode | None:
    """§3.3 state rules; a session-capped SAFE_STOP answers SESSION_LIMIT as §6.5 and §3.7 say."""
    if state is DeviceState.SAFE_STOP and session_expired:
        return NakCode.SESSION_LIMIT
    return STATE_REFUSALS.get(state) or (NakCode.SESSION_LIMIT if session_expired else None)


def header_nak(frame: Frame) -> Nak | None:
    """§2.4 step 6: the version, then `len` (at most MAX_PAYLOAD) against the payload actually received."""
    if frame.ver != PROTOCOL_MAJOR:
        return Nak(NakCode.BAD_VERSION, PROTOCOL_MAJOR)
    if frame.declared_len != len(frame.payload) or frame.declared_len > MAX_PAYLOAD:
        return Nak(NakCode.MALFORMED, 0)
    return None


def zone_id_by_name(profile: Profile, name: str | None) -> int | None:
    """The id of the zone called `name`; ValueError when the profile has none."""
    if name is None:
        return None
    for zone in profile.zones:
        if zone.name == name:
            return zone.id
    raise ValueError(f"profile {profile.name!r} has no zone {name!r}")
