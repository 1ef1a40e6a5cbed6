"""What the host checks in a handshake, and how it paces one on a slow line (firmware_protocol.md §3.2, §9).

Pure: no I/O and no clock. The link (controller/wire/link.py) asks the questions; this module says whether
the answers describe a device the host may drive — every refusal a clear message, raised before a single
actuator frame — and when the next question may go out without taking more than its share of the line.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import replace

from controller.errors import ProtocolError, UnsupportedDevice, VersionMismatch
from controller.wire.capabilities import DeviceCapabilities, Zone
from controller.wire.protocol import (
    LEASE_MS_RANGE,
    MAX_SET_ENTRIES,
    MAX_ZONES,
    MOTION_NAMES,
    PROTOCOL_MAJOR,
    RESERVED_ZONE_IDS,
    WATCHDOG_MS_RANGE,
    ZONE_NAME_MAX,
    HelloReply,
    ZoneInfo,
)
from controller.wire.timing import (
    BITS_PER_BYTE,
    DEVICE_REPLY_S,
    HANDSHAKE_SHARE,
    RENEW_MARGIN_S,
    Cadence,
    cadence_for,
    line_s,
    reply_timeout_for,
)

ZONE_NAME = re.compile(rf"[a-z0-9_]{{1,{ZONE_NAME_MAX}}}")

# wire bytes (with the delimiter) of the frames the checks below reason about (§2.2, §3)
ACK_BYTES = 9
RENEW_BYTES = 14
GET_ZONE_BYTES = 8
KEEPALIVE_BYTES = 8  # a KEEPALIVE, or a 1.0 HEARTBEAT: a header and nothing more
GET_STATUS_BYTES = 8
ZONE_INFO_MAX_BYTES = 4 + 4 + ZONE_NAME_MAX + 2 + 2  # header, fixed fields + name, CRC, COBS + 0x00


def set_bytes(entries: int) -> int:
    """A SET of `entries` entries on the wire."""
    return 4 + 1 + 7 * entries + 2 + 2


def status_bytes(zones: int) -> int:
    """A STATUS listing `zones` zones on the wire."""
    return 4 + 15 + 5 * zones + 2 + 2


def check_hello(hello: HelloReply) -> None:
    """§3.2's rules for a HELLO_REPLY; VersionMismatch or ProtocolError, each saying what is wrong."""
    if hello.major != PROTOCOL_MAJOR:
        raise VersionMismatch(
            f"the device speaks protocol {hello.major}.{hello.minor}; this massagectl speaks "
            f"{PROTOCOL_MAJOR}.x: update the firmware or massagectl")
    problems = [
        *_outside("watchdog_ms", hello.watchdog_ms, WATCHDOG_MS_RANGE),
        *_outside("max_lease_ms", hello.max_lease_ms, LEASE_MS_RANGE),
        *_outside("zone count", hello.zone_count, (1, MAX_ZONES)),
        *(["intensity_max is 0"] if hello.intensity_max < 1 else []),
        *(["speed_max is 0"] if hello.speed_max < 1 else []),
        *(["no motion this host knows (motions 1-9)"] if not known_motions(hello.motions) else []),
        *(["an empty model name"] if not hello.model else []),
        *(["an empty firmware version"] if not hello.firmware else []),
        *(["has_heater and heat_max disagree"] if hello.has_heater != (hello.heat_max > 0) else []),
    ]
    if problems:
        raise ProtocolError(f"the device's handshake breaks the protocol (§3.2): {'; '.join(problems)}; "
                            "refusing to drive it — check the firmware")


def _outside(what: str, value: int, allowed: tuple[int, int]) -> list[str]:
    low, high = allowed
    return [] if low <= value <= high else [f"{what} {value} is outside {low}…{high}"]


def known_motions(motions: tuple[int, ...]) -> tuple[str, ...]:
    """The motions this host knows among the ids a device reports (ids 10-15 are ignored, §3.8)."""
    return tuple(MOTION_NAMES[m] for m in motions if m in MOTION_NAMES and m)


def check_zone(index: int, info: ZoneInfo, seen: set[int]) -> Zone:
    """One ZONE_INFO against §3.5 and the zones before it; ProtocolError naming what is wrong."""
    if info.index != index:
        raise ProtocolError(f"asked for zone {index}, the device described zone {info.index}")
    if info.zone in RESERVED_ZONE_IDS:
        raise ProtocolError(f"the device reports zone id {info.zone}, which is reserved (§3.8); "
                            "refusing to drive it — check the firmware")
    if info.zone in seen:
        raise ProtocolError(f"the device reports zone id {info.zone} twice (§3.8); refusing to drive it "
                            "— check the firmware")
    if not ZONE_NAME.fullmatch(info.name):
        raise ProtocolError(f"zone {info.zone}'s name {info.name!r} is not 1-{ZONE_NAME_MAX} lower-case "
                            "letters, digits or _ (§3.5); refusing to drive it — check the firmware")
    seen.add(info.zone)
    return Zone(info.zone, info.name, info.heated)


def capabilities(hello: HelloReply, zones: tuple[Zone, ...]) -> DeviceCapabilities:
    """What the device reported, once every check passed; ProtocolError when the heater sources disagree."""
    heated = any(z.heated for z in zones)
    if heated != hello.has_heater:
        raise ProtocolError(
            f"the device says {'it has' if hello.has_heater else 'it has no'} heater, but "
            f"{'no zone is' if not heated else 'a zone is'} heated (§3.2: all three must agree); "
            "refusing to drive it — check the firmware")
    return DeviceCapabilities(
        model=hello.model, firmware=hello.firmware, serial=hello.serial, simulator=hello.simulator,
        protocol=(hello.major, hello.minor), zones=zones, motions=known_motions(hello.motions),
        intensity_max=hello.intensity_max, speed_max=hello.speed_max, heat_max=hello.heat_max,
        max_temp_c=hello.max_temp_dC / 10, max_session_s=hello.max_session_s,
        watchdog_ms=hello.watchdog_ms, max_lease_ms=hello.max_lease_ms,
        boot_count=hello.boot_count, reset_cause=hello.reset_cause)


def plan_cadence(hello: HelloReply, minor: int, line_baud: int | None) -> Cadence:
    """The cadence for this device, or UnsupportedDevice when the line cannot carry it.

    A renewal (RENEW, or a SET naming every zone for a 1.0 device) and its ACK must come back — frames at
    the line rate plus the device's 20 ms reply time — within one renewal period. The reply timeout is the
    line's (§5), shortened where a lease is short, so that a renewal lost on the way is sent again before
    the lease it renews runs out (§5: one lost renewal never lets a lease run out); every exchange must
    fit in it. A 1.0 device hears nothing while the host waits for an answer, so its longest exchange must
    also fit in one keep-alive period; a 1.1 device is sent KEEPALIVEs during the wait. On a line with a
    rate, the keep-alives its watchdog needs and one GET_ZONE must fit in the handshake's share of a
    second (§9), or the paced handshake could never ask for the next zone.
    """
    cadence = cadence_for(hello.watchdog_ms, hello.max_lease_ms)
    entries = min(hello.zone_count, MAX_SET_ENTRIES)
    renewal = _round_trip((RENEW_BYTES if minor else set_bytes(entries)) + ACK_BYTES, line_baud)
    longest = _round_trip(max(set_bytes(entries) + ACK_BYTES, GET_ZONE_BYTES + ZONE_INFO_MAX_BYTES,
                              GET_STATUS_BYTES + status_bytes(hello.zone_count)), line_baud)
    timeout = min(reply_timeout_for(line_baud), cadence.lease_ms / 1000 - cadence.renew_s - RENEW_MARGIN_S)
    needs = [(renewal, cadence.renew_s, f"a lease renewal every {cadence.renew_s * 1000:.0f} ms"),
             (longest, timeout, f"every answer within {timeout * 1000:.0f} ms, so that a lost renewal is "
                                "sent again before its lease runs out")]
    if not minor:
        needs.append((longest, cadence.keepalive_s,
                      f"every answer within one keep-alive period ({cadence.keepalive_s * 1000:.0f} ms)"))
    share = HANDSHAKE_SHARE * line_baud / BITS_PER_BYTE if line_baud else float("inf")
    if _handshake_load(minor, cadence.keepalive_s) > share:
        raise UnsupportedDevice(
            f"cannot keep this device's limits at {line_baud} baud: its watchdog_ms {hello.watchdog_ms} "
            f"needs a keep-alive every {cadence.keepalive_s * 1000:.1f} ms, which leaves no room in "
            f"{HANDSHAKE_SHARE:.1%} of the line for its handshake (§9); use a faster line rate "
            "(--baud 115200) or a device with a longer watchdog")
    for takes, every, what in needs:
        if takes > every:
            rate = f" at {line_baud} baud" if line_baud else ""
            raise UnsupportedDevice(
                f"cannot keep this device's limits{rate}: its watchdog_ms {hello.watchdog_ms} and "
                f"max_lease_ms {hello.max_lease_ms} need {what}, which takes up to {takes * 1000:.0f} ms "
                "(frames plus the device's 20 ms reply time); use a faster line rate (--baud 115200) "
                "or a device with longer limits")
    return replace(cadence, reply_timeout_s=timeout)


def _handshake_load(minor: int, keepalive_s: float) -> float:
    """Bytes a second, in the busier direction, of keep-alives at `keepalive_s` plus one GET_ZONE and its
    largest answer: a KEEPALIVE has no answer; a 1.0 HEARTBEAT is ACKed."""
    per_s = 1 / keepalive_s
    tx = KEEPALIVE_BYTES * per_s + GET_ZONE_BYTES
    rx = (0 if minor else ACK_BYTES * per_s) + ZONE_INFO_MAX_BYTES
    return max(tx, rx)


def _round_trip(n_bytes: int, line_baud: int | None) -> float:
    """An exchange of `n_bytes` (both frames) at the line rate, plus the device's reply time (§5)."""
    return DEVICE_REPLY_S + line_s(n_bytes, line_baud)


class Pacer:
    """Keeps a handshake within `share` of a line in each direction, over any one-second window (§9).

    The link notes every frame's bytes while it handshakes; `ready_at` says when the next question and
    its largest answer fit.
    """

    def __init__(self, line_baud: int, share: float = HANDSHAKE_SHARE) -> None:
        self.budget = share * line_baud / BITS_PER_BYTE  # bytes per second, each direction
        self.sent: deque[tuple[float, int]] = deque()
        self.received: deque[tuple[float, int]] = deque()

    def note(self, direction: str, t: float, n_bytes: int) -> None:
        """`n_bytes` went out ("tx") or came in ("rx") at `t`."""
        (self.sent if direction == "tx" else self.received).append((t, n_bytes))

    def ready_at(self, now: float, ask_bytes: int, answer_bytes: int) -> float:
        """The earliest moment ≥ now when both directions have room for one more exchange."""
        return max(self._room_at(self.sent, now, ask_bytes), self._room_at(self.received, now, answer_bytes))

    def _room_at(self, log: deque[tuple[float, int]], now: float, need: int) -> float:
        while log and log[0][0] <= now - 1.0:
            log.popleft()
        total = sum(n for _t, n in log) + need
        at = now
        for t, n in log:
            if total <= self.budget:
                break
            total -= n
            at = t + 1.0
        return at
