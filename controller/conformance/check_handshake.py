"""The handshake: HELLO_REPLY and ZONE_INFO as §3.2 and §3.5 describe them, and the rules under which §9's
host refuses a device; HELLO's own behaviour in §3.1."""

from __future__ import annotations

from controller.conformance.context import DEFINED_MOTIONS, Caps, Ctx
from controller.conformance.dut import Dut, NoAnswer
from controller.conformance.frames import RxFrame
from controller.conformance.host_wire import (
    MAX_ZONES,
    PROTOCOL_MAJOR,
    DeviceState,
    HelloReply,
    MsgType,
    NakCode,
    ZoneInfo,
)
from controller.conformance.outcome import Failed
from controller.conformance.text import printable
from controller.wire.handshake import ZONE_NAME
from controller.wire.protocol import ZONE_NAME_MAX

# §3.8: zone ids below 128 follow this table
ZONE_TABLE = {
    1: "toe_tips", 2: "big_toe_pad", 3: "diaphragm", 4: "kidney", 5: "spine_arch", 6: "heel", 7: "ankle",
    8: "ball", 9: "outer_edge", 10: "instep", 11: "calf", 32: "neck", 33: "shoulders", 34: "upper_back",
    35: "lower_back", 36: "seat", 37: "calves", 38: "feet",
}
_HELLO_FLAGS = 0x03  # simulator, has_heater
_BAD_TEXT = "\ufffd"  # what the decoder puts for bytes that are not UTF-8
HELLO_TRIES = 5


def _first_hello(dut: Dut) -> RxFrame:
    """HELLO, resent as §4's host does (5 tries): a board that resets when its port opens (an Arduino's
    DTR) answers once its boot loader is done; noise meanwhile is skipped. NoAnswer when nothing replies."""
    dut.write(b"\x00")  # flush a half frame the device may hold (§2.2)
    sent = dut.send(MsgType.HELLO, bytes([PROTOCOL_MAJOR, 1]))
    for _ in range(HELLO_TRIES):
        frame = dut.answer_among_noise(sent, dut.reply_timeout_s)
        if frame is not None:
            return frame
        sent = dut.resend(sent)
    raise NoAnswer(f"no answer to HELLO after {HELLO_TRIES} tries of {1000 * dut.reply_timeout_s:.0f} ms")


def establish(dut: Dut) -> tuple[Caps, RxFrame, list[RxFrame]]:
    """HELLO 1.1 and one GET_ZONE per zone, as §9's host does; Failed when that cannot be done."""
    hello_frame = _first_hello(dut)
    hello = hello_frame.message
    if not isinstance(hello, HelloReply):
        raise Failed(f"HELLO was not answered with HELLO_REPLY: {hello_frame.describe()}")
    if hello.major != PROTOCOL_MAJOR:
        raise Failed(f"the device speaks protocol {hello.major}.{hello.minor}; this kit checks 1.x")
    if not 1 <= hello.zone_count <= MAX_ZONES:
        raise Failed(f"zone_count {hello.zone_count}, outside 1…{MAX_ZONES} (§3.2)")
    zone_frames = [dut.request(MsgType.GET_ZONE, bytes([i])) for i in range(hello.zone_count)]
    zones = []
    for i, frame in enumerate(zone_frames):
        if not isinstance(frame.message, ZoneInfo):
            raise Failed(f"GET_ZONE {i} was not answered with ZONE_INFO: {frame.describe()}")
        zones.append(frame.message)
    return Caps(hello, tuple(zones)), hello_frame, zone_frames


def hello_problems(hello: HelloReply, raw_flags: int, raw_motions: int) -> list[str]:
    """Every §3.2 rule the HELLO_REPLY breaks, as the host (§9) would refuse it."""
    checks = [
        (raw_flags & ~_HELLO_FLAGS == 0, f"flags 0x{raw_flags:02X} sets undefined bits"),
        (hello.reset_cause in (0, 1, 2), f"reset_cause {hello.reset_cause} is not 0, 1 or 2"),
        (hello.intensity_max >= 1, "intensity_max is 0"),
        (hello.speed_max >= 1, "speed_max is 0"),
        (100 <= hello.watchdog_ms <= 500, f"watchdog_ms {hello.watchdog_ms} outside 100…500"),
        (100 <= hello.max_lease_ms <= 2000, f"max_lease_ms {hello.max_lease_ms} outside 100…2000"),
        (raw_motions & 1 == 0, "motions bit 0 is set"),
        (raw_motions & 0xFC00 == 0, f"motions 0x{raw_motions:04X} sets bits 10…15, undefined in 1.x"),
        (any(m in DEFINED_MOTIONS for m in hello.motions), "no motion this protocol defines"),
        (bool(hello.model) and _BAD_TEXT not in hello.model, f"model {hello.model!r} empty or not UTF-8"),
        (bool(hello.firmware) and _BAD_TEXT not in hello.firmware,
         f"firmware {hello.firmware!r} empty or not UTF-8"),
        (_BAD_TEXT not in hello.serial, "serial is not UTF-8"),
    ]
    return [message for ok, message in checks if not ok]


def zone_problems(caps: Caps, zone_frames: list[RxFrame]) -> list[str]:
    """§3.5 and §3.8 for every ZONE_INFO, and §3.2's three heater sources agreeing."""
    problems = []
    seen: set[int] = set()
    for i, (zone, frame) in enumerate(zip(caps.zones, zone_frames, strict=True)):
        problems += _one_zone(i, zone, frame.payload[2] if len(frame.payload) > 2 else 0, seen)
        seen.add(zone.zone)
    hello = caps.hello
    sources = {hello.has_heater, hello.heat_max > 0, any(z.heated for z in caps.zones)}
    if len(sources) > 1:
        problems.append(f"heater sources disagree: has_heater {hello.has_heater}, heat_max {hello.heat_max}, "
                        f"heated zones {[z.zone for z in caps.zones if z.heated]} (§3.2)")
    return problems


def _one_zone(index: int, zone: ZoneInfo, raw_flags: int, seen: set[int]) -> list[str]:
    checks = [
        (zone.index == index, f"GET_ZONE {index} answered for index {zone.index}"),
        (zone.zone not in (0, 255), f"zone id {zone.zone} is reserved (§3.8)"),
        (zone.zone not in seen, f"zone id {zone.zone} reported twice"),
        (bool(ZONE_NAME.fullmatch(zone.name)),
         f"zone name {printable(zone.name)!r} is not 1…{ZONE_NAME_MAX} of a-z 0-9 _"),
        (raw_flags & ~1 == 0, f"zone {zone.zone} flags 0x{raw_flags:02X} set undefined bits"),
        (zone.zone >= 128 or ZONE_TABLE.get(zone.zone) == zone.name,
         f"zone id {zone.zone} is named {printable(zone.name)!r}, §3.8's table says "
         f"{ZONE_TABLE.get(zone.zone, 'nothing (ids below 128 follow the table)')}"),
    ]
    return [message for ok, message in checks if not ok]


def check_handshake(ctx: Ctx) -> None:
    hello_frame, zone_frames = _handshake_again(ctx)
    hello = ctx.caps.hello
    raw = hello_frame.payload
    problems = hello_problems(hello, raw[2], int.from_bytes(raw[17:19], "little"))
    problems += zone_problems(ctx.caps, zone_frames)
    if problems:
        raise Failed("; ".join(problems))
    ctx.note(f"protocol 1.{hello.minor}, {len(ctx.caps.zones)} zones, motions {list(hello.motions)}, "
             f"heater {'yes' if hello.has_heater else 'no'}, watchdog {hello.watchdog_ms} ms")
    ctx.command_nak(MsgType.GET_ZONE, bytes([hello.zone_count]), NakCode.OUT_OF_RANGE, 0,
                    "GET_ZONE index = zone_count (§3.5)")
    _hello_rules(ctx)


def _handshake_again(ctx: Ctx) -> tuple[RxFrame, list[RxFrame]]:
    ctx.dut.drain(ctx.quiet_s)
    caps, hello_frame, zone_frames = establish(ctx.dut)
    if caps != ctx.caps:
        raise Failed("a second handshake described the device differently from the first")
    ctx.require_state(ctx.status(), DeviceState.READY, "after HELLO (§3.1)")
    return hello_frame, zone_frames


def _hello_rules(ctx: Ctx) -> None:
    """§3.1: any minor is answered with the device's own; another major, or a wrong size, changes nothing;
    HELLO turns everything off."""
    caps = ctx.caps
    ctx.require(ctx.hello(1, 0) == caps.hello, "HELLO 1.0 got a different HELLO_REPLY from HELLO 1.1 (§3.1: "
                "the device answers with its own minor whatever minor the HELLO carried)")
    zone = caps.ids[0]
    ctx.set(caps.moving(zone))
    other = ctx.hello(2, 0)
    ctx.require(other.major == PROTOCOL_MAJOR, f"HELLO 2.0 answered with major {other.major}, not the "
                "device's own 1 (§3.1)")
    _still_on(ctx, zone, "after HELLO 2.0 (§3.1: answered, and changes nothing)")
    for payload in (b"\x01", b"\x01\x01\x00"):
        ctx.command_nak(MsgType.HELLO, payload, NakCode.MALFORMED, 0, f"HELLO of {len(payload)} bytes (§3.1)")
    _still_on(ctx, zone, "after HELLO of the wrong size (§3.1: changes nothing)")
    ctx.hello()
    status = ctx.status()
    ctx.require_state(status, DeviceState.READY, "after HELLO 1.1 while ACTIVE")
    ctx.require_all_off(status, "after HELLO (§3.1: every actuator off)")
    ctx.require(status.session_s == 0 and status.faults & 0x17 == 0,
                f"after HELLO: session_s {status.session_s}, faults 0x{status.faults:02X}, expected 0 (§3.1)")


def _still_on(ctx: Ctx, zone: int, when: str) -> None:
    status = ctx.status()
    ctx.require_state(status, DeviceState.ACTIVE, when)
    ctx.require(ctx.zone_state(status, zone)[1] == 1, f"{when}: zone {zone} is no longer on")
