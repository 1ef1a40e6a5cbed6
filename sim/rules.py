"""Acceptance rules as pure functions: a frame's header (§2.4 step 5) and SET (§3.3)."""

from __future__ import annotations

from sim.messages import Nak, SetCmd, SetEntry
from sim.profiles import MOTION_IDS, Profile, SimZone
from sim.protocol import MAX_PAYLOAD, MIN_LEASE_MS, PROTOCOL_MAJOR, SET_MAX_ENTRIES, DeviceState, NakCode
from sim.wire import Frame

# §3.3 / §3.7: which state refuses SET (and SOFT_STOP) with which code, in the document's order.
STATE_REFUSALS: dict[DeviceState, NakCode] = {
    DeviceState.WAITING: NakCode.NOT_READY,
    DeviceState.SAFE_STOP: NakCode.NOT_READY,
    DeviceState.ESTOP: NakCode.ESTOP_LATCHED,
    DeviceState.FAULT: NakCode.OVERHEAT,
    DeviceState.STOPPING: NakCode.BUSY,
}


def entry_in_range(entry: SetEntry, zone: SimZone, profile: Profile) -> bool:
    """§3.3 value ranges, heat only on heated zones, and intensity > 0 only with a motion."""
    speed_min = 1 if entry.intensity > 0 else 0
    return (
        entry.intensity <= profile.intensity_max
        and speed_min <= entry.speed <= profile.speed_max
        and entry.heat <= profile.heat_max
        and (entry.heat == 0 or zone.heated)
        and MIN_LEASE_MS <= entry.lease_ms <= profile.max_lease_ms
        and (entry.intensity == 0 or entry.motion != 0)
    )


_TABLES: dict[int, tuple[Profile, dict[int, SimZone], frozenset[int]]] = {}


def _profile_tables(profile: Profile) -> tuple[dict[int, SimZone], frozenset[int]]:
    """A profile's zones by id and its motion ids, worked out once per (frozen) profile object."""
    cached = _TABLES.get(id(profile))
    if cached is None or cached[0] is not profile:  # held by the cache, so its id cannot be reused
        motions = frozenset(MOTION_IDS[m] for m in profile.motions)
        cached = (profile, {z.id: z for z in profile.zones}, motions)
        _TABLES[id(profile)] = cached
    return cached[1], cached[2]


def check_entries(cmd: SetCmd, profile: Profile, stuck_zone_id: int | None) -> Nak | None:
    """The first §3.3 entry error, checking each entry's rules in the document's order; None if clean."""
    if not 1 <= len(cmd.entries) <= SET_MAX_ENTRIES:
        return Nak(NakCode.OUT_OF_RANGE, 0)
    zones, motions = _profile_tables(profile)
    seen: set[int] = set()
    for index, entry in enumerate(cmd.entries):
        zone = zones.get(entry.zone)
        if zone is None:
            return Nak(NakCode.UNSUPPORTED_ZONE, entry.zone)
        if entry.zone in seen:
            return Nak(NakCode.OUT_OF_RANGE, index)
        seen.add(entry.zone)
        if entry.motion != 0 and entry.motion not in motions:
            return Nak(NakCode.UNSUPPORTED_MOTION, entry.motion)
        if not entry_in_range(entry, zone, profile):
            return Nak(NakCode.OUT_OF_RANGE, index)
        if entry.zone == stuck_zone_id:
            return Nak(NakCode.ZONE_STUCK, entry.zone)
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
