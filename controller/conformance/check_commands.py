"""Commands and their answers: every NAK a SET or a bad type can provoke (§2.4 steps 11-12, §3.3, §3.6),
SET's value ranges, absolute SETs, sequence numbers wrapping (§4), and STATUS's contents (§3.4)."""

from __future__ import annotations

from dataclasses import replace

from controller.conformance import frames
from controller.conformance.context import DEFINED_MOTIONS, Ctx
from controller.conformance.host_wire import (
    MAX_SET_ENTRIES,
    DeviceState,
    MsgType,
    NakCode,
    SetEntry,
    Status,
)

# types §3 leaves undefined or gives the device: 0x3F, the last host type, is the least likely to be taken
_UNKNOWN_TYPES = (0x00, 0x3F, 0x40, 0x7F, 0x80, 0x85, 0xBF, 0xC0, 0xFF)
_WRONG_SIZES = (
    (MsgType.SET, b"", "SET of 0 bytes"),
    (MsgType.SET, b"\x01" + bytes(6), "SET count 1 with 6 entry bytes"),
    (MsgType.SET, b"\x02" + bytes(7), "SET count 2 with 7 entry bytes"),
    (MsgType.SOFT_STOP, b"\x01", "SOFT_STOP of 1 byte"),
    (MsgType.SOFT_STOP, b"\x01\x00\x00", "SOFT_STOP of 3 bytes"),
    (MsgType.HEARTBEAT, b"\x00", "HEARTBEAT of 1 byte"),
    (MsgType.GET_ZONE, b"", "GET_ZONE of 0 bytes"),
    (MsgType.GET_ZONE, b"\x00\x00", "GET_ZONE of 2 bytes"),
    (MsgType.GET_STATUS, b"\x00\x00", "GET_STATUS of 2 bytes"),
)


def _nothing_on(ctx: Ctx, what: str) -> None:
    status = ctx.status()
    ctx.require_state(status, DeviceState.READY, f"after {what} (§3.3: a NAKed SET changes nothing)")
    ctx.require_all_off(status, f"after {what}")


def check_nak_codes(ctx: Ctx) -> None:
    """UNKNOWN_TYPE and MALFORMED for valid frames (not counted as invalid), then SET's structure checks."""
    ctx.fresh()
    before = ctx.status().invalid_frames
    for type_ in _UNKNOWN_TYPES:
        ctx.command_nak(type_, b"", NakCode.UNKNOWN_TYPE, type_, f"type 0x{type_:02X}")
    for type_, payload, what in _WRONG_SIZES:
        ctx.command_nak(type_, payload, NakCode.MALFORMED, 0, what)
    after = ctx.status().invalid_frames
    ctx.require(after == before, f"NAKs to valid frames changed invalid_frames {before} → {after} (§2.4)")
    _set_structure(ctx)
    _set_order(ctx)
    _nothing_on(ctx, "every refused SET")


def _free_zone_id(ctx: Ctx) -> int:
    return next(i for i in range(1, 255) if i not in ctx.caps.ids)


def _set_structure(ctx: Ctx) -> None:
    """§3.3 step 1 (count) and step 2.1-2.3 (zone, repeated zone, motion)."""
    caps = ctx.caps
    a = caps.moving(caps.ids[0])
    ctx.command_nak(MsgType.SET, b"\x00", NakCode.OUT_OF_RANGE, 0, "SET count 0")
    ctx.set_nak([a] * (MAX_SET_ENTRIES + 1), NakCode.OUT_OF_RANGE, 0, f"SET count {MAX_SET_ENTRIES + 1}")
    for zone in (0, 255, _free_zone_id(ctx)):
        ctx.set_nak([replace(a, zone=zone)], NakCode.UNSUPPORTED_ZONE, zone, f"SET zone {zone}")
    ctx.set_nak([a, a], NakCode.OUT_OF_RANGE, 1, "SET naming one zone twice")
    unsupported = [m for m in DEFINED_MOTIONS if m not in caps.hello.motions] + [10, 15, 200]
    for motion in unsupported:
        ctx.set_nak([replace(a, motion=motion)], NakCode.UNSUPPORTED_MOTION, motion, f"SET motion {motion}")


def _set_order(ctx: Ctx) -> None:
    """§3.3: the first entry that breaks a rule decides, through the first rule it breaks; all or nothing."""
    a = ctx.caps.moving(ctx.caps.ids[0])
    free = _free_zone_id(ctx)
    ctx.set_nak([a, replace(a, zone=free)], NakCode.UNSUPPORTED_ZONE, free, "a good entry, then a bad zone")
    ctx.set_nak([replace(a, motion=200), replace(a, zone=free)], NakCode.UNSUPPORTED_MOTION, 200,
                "a bad motion in entry 0, a bad zone in entry 1")
    ctx.set_nak([replace(a, zone=free, motion=200)], NakCode.UNSUPPORTED_ZONE, free,
                "an entry with a bad zone and a bad motion")
    ctx.set_nak([replace(a, motion=200, intensity=255)], NakCode.UNSUPPORTED_MOTION, 200,
                "an entry with a bad motion and intensity 255")
    ctx.set_nak([a, replace(a, motion=200)], NakCode.OUT_OF_RANGE, 1,
                "a zone named twice, the second time with a bad motion")


def _range_cases(ctx: Ctx) -> list[tuple[SetEntry, str]]:
    caps, hello = ctx.caps, ctx.caps.hello
    a = caps.moving(caps.ids[0])
    heated, unheated = caps.heated(), caps.unheated()
    cases = [
        (replace(a, intensity=hello.intensity_max + 1), f"intensity {hello.intensity_max + 1}"),
        (replace(a, speed=0), "speed 0 with intensity 1"),
        (replace(a, speed=hello.speed_max + 1), f"speed {hello.speed_max + 1}"),
        (replace(a, intensity=0, speed=hello.speed_max + 1), f"speed {hello.speed_max + 1} with intensity 0"),
        (replace(a, lease_ms=99), "lease_ms 99"),
        (replace(a, lease_ms=0), "lease_ms 0"),
        (replace(a, lease_ms=hello.max_lease_ms + 1), f"lease_ms {hello.max_lease_ms + 1}"),
        (replace(a, motion=0), "intensity 1 with motion 0"),
        (replace(a, zone=(heated or a).zone, heat=hello.heat_max + 1), f"heat {hello.heat_max + 1}"),
    ]
    if heated is not None and unheated is not None:
        cases.append((replace(a, zone=unheated.zone, heat=1), f"heat 1 on unheated zone {unheated.zone}"))
    return [(e, w) for e, w in cases if max(e.intensity, e.speed, e.heat) <= 255]


def check_set_ranges(ctx: Ctx) -> None:
    """§3.3 step 2.4: each value outside its range is NAK OUT_OF_RANGE with the entry's index, and the
    boundaries themselves are accepted."""
    ctx.fresh()
    other = ctx.caps.moving(ctx.caps.ids[-1])
    for entry, what in _range_cases(ctx):
        ctx.set_nak([entry], NakCode.OUT_OF_RANGE, 0, f"SET {what}")
        if entry.zone != other.zone:
            ctx.set_nak([other, entry], NakCode.OUT_OF_RANGE, 1, f"SET of a good entry, then {what}")
    _nothing_on(ctx, "every out-of-range SET")
    hello = ctx.caps.hello
    edge = ctx.caps.moving(ctx.caps.ids[0], hello.intensity_max, 100, hello.speed_max)
    ctx.set(edge, what=f"SET intensity {hello.intensity_max}, speed {hello.speed_max}, lease_ms 100")
    ctx.set(replace(edge, intensity=0, speed=0, lease_ms=hello.max_lease_ms),
            what=f"SET intensity 0 speed 0 lease_ms {hello.max_lease_ms}")
    heated = ctx.caps.heated()
    if heated is not None:
        ctx.set(SetEntry(heated.zone, 0, 0, 0, hello.heat_max, 100), what=f"SET heat {hello.heat_max}")
        ctx.set(frames.off(heated.zone, 100))


def check_set_absolute(ctx: Ctx) -> None:
    """§3.3: entries set their zones absolutely; zones not named keep their state; 'on' is intensity or
    heat above 0, and READY/ACTIVE follow it (§3.7)."""
    ctx.fresh()
    caps = ctx.caps
    a = caps.moving(caps.ids[0], min(2, caps.hello.intensity_max))
    ctx.set(a)
    first = ctx.status()
    ctx.set(a, what="the same SET again")
    second = ctx.status()
    ctx.require(first.zones == second.zones, "the same SET applied twice left a different state (§3.3)")
    _mirrors(ctx, second, a)
    if len(caps.ids) > 1:
        b = caps.moving(caps.ids[1])
        ctx.set(b)
        _mirrors(ctx, ctx.status(), a)
        ctx.set(frames.off(a.zone, 100))
        status = ctx.status()
        ctx.require_state(status, DeviceState.ACTIVE, "with one zone still on")
        _mirrors(ctx, status, b)
        ctx.set(frames.off(b.zone, 100))
    else:
        ctx.set(frames.off(a.zone, 100))
    ctx.require_state(ctx.status(), DeviceState.READY, "after every zone was set off")
    _off_but_held(ctx, a)
    _all_zones(ctx)


def _mirrors(ctx: Ctx, status: Status, entry: SetEntry) -> None:
    want = (entry.motion, entry.intensity, entry.speed, entry.heat)
    got = ctx.zone_state(status, entry.zone)
    ctx.require(got == want, f"STATUS zone {entry.zone} is {got}, the SET said {want} (motion, intensity, "
                "speed, heat)")


def _off_but_held(ctx: Ctx, a: SetEntry) -> None:
    """Motion and speed with intensity 0 are accepted and reported; the zone is off. Heat alone is on."""
    held = replace(a, intensity=0, speed=min(2, ctx.caps.hello.speed_max))
    ctx.set(held, what="SET motion with intensity 0")
    status = ctx.status()
    _mirrors(ctx, status, held)
    ctx.require_state(status, DeviceState.READY, "with a motion but intensity 0 and heat 0 (off, §3.3)")
    heated = ctx.caps.heated()
    if heated is not None:
        warm = SetEntry(heated.zone, 0, 0, 0, 1, ctx.caps.hello.max_lease_ms)
        ctx.set(warm, what="SET heat 1 with intensity 0")
        ctx.require_state(ctx.status(), DeviceState.ACTIVE, "with heat 1 and intensity 0 (on, §3.3)")
        ctx.set(frames.off(heated.zone, 100))


def _all_zones(ctx: Ctx) -> None:
    entries = [ctx.caps.moving(z) for z in ctx.caps.ids[:MAX_SET_ENTRIES]]
    ctx.set(*entries, what=f"SET of {len(entries)} entries")
    status = ctx.status()
    for entry in entries:
        _mirrors(ctx, status, entry)
    ctx.hello()


def check_seq_wrap(ctx: Ctx) -> None:
    """§4: seq 255 is followed by 0; every answer echoes its command's seq; the same seq with another type
    is a new command."""
    ctx.fresh()
    zone = ctx.caps.ids[0]
    ctx.dut.set_next_seq(253)
    for _ in range(2):
        ctx.status()
    ctx.set(ctx.caps.moving(zone), what="SET with seq 255")
    ctx.set(frames.off(zone, 100), what="SET with seq 0 after 255")
    seq_zero = ctx.dut.send(MsgType.HEARTBEAT, seq=0)
    ctx.ack(ctx.dut.reply(seq_zero), MsgType.HEARTBEAT, "HEARTBEAT with the seq (0) of the SET just answered "
            "(§4: the same seq with another type is a new command)")
    ctx.require(ctx.zone_state(ctx.status(), zone)[1] == 0, "the SET with seq 0 was not applied")
