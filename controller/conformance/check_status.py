"""STATUS's contents (§3.4), and the messages 1.1 adds (§3.9 KEEPALIVE, §3.10 RENEW, §3.4 GET_STATUS flags),
checked only on a device whose HELLO_REPLY says minor ≥ 1."""

from __future__ import annotations

import math

from controller.conformance import frames
from controller.conformance.context import Ctx
from controller.conformance.dut import Sent
from controller.conformance.frames import RxFrame
from controller.conformance.host_wire import (
    KEEPALIVE,
    MAX_ZONES,
    NAK_ZONE_OFF,
    RENEW,
    STATUS_ONLY_ON,
    DeviceState,
    EventCode,
    FaultFlag,
    MsgType,
    NakCode,
    Status,
)
from controller.conformance.outcome import NotRun

NO_READING = -32768  # §3.4 temp_dC "no reading"
_PLAUSIBLE_DC = range(-400, 1501)  # −40.0 … 150.0 °C


def _timed_status(ctx: Ctx) -> tuple[Sent, RxFrame, Status]:
    sent = ctx.dut.send(MsgType.GET_STATUS)
    reply = ctx.dut.reply(sent)
    return sent, reply, ctx.expect(reply, Status, "GET_STATUS")


def check_status(ctx: Ctx) -> None:
    ctx.fresh()
    _, reply, status = _timed_status(ctx)
    _layout(ctx, reply, status)
    _uptime(ctx)
    _session(ctx)


def _layout(ctx: Ctx, reply: RxFrame, status: Status) -> None:
    hello = ctx.caps.hello
    ctx.require(len(reply.payload) == 15 + 5 * len(status.zones), "STATUS payload size is not 15 + 5 × count")
    ids = [z.zone for z in status.zones]
    ctx.require(ids == ctx.caps.ids, f"STATUS lists zones {ids}, expected every zone in ZONE_INFO order "
                f"{ctx.caps.ids} (§3.4)")
    ctx.require_state(status, DeviceState.READY, "after HELLO")
    ctx.require(status.faults & ~FaultFlag.ZONE_STUCK == 0, f"after HELLO: faults 0x{status.faults:02X}")
    ctx.require(status.boot_count == hello.boot_count, f"STATUS boot_count {status.boot_count}, HELLO_REPLY "
                f"said {hello.boot_count}")
    ctx.require(status.session_s == 0, f"session_s {status.session_s} with no session (§3.4)")
    if status.temp_dC == NO_READING:
        ctx.require(not hello.has_heater, "a device with a heater reports no temperature reading (§6.4: a "
                    "heater needs a sensor)")
        ctx.note("temp_dC: no reading")
    else:
        ctx.require(status.temp_dC in _PLAUSIBLE_DC, f"temp_dC {status.temp_dC} is not a plausible reading")
        ctx.note(f"plate at {status.temp_dC / 10:.1f} °C")


def _uptime(ctx: Ctx) -> None:
    """uptime_ms advances with time: its step between two STATUS matches the time between them."""
    first_sent, first_reply, first = _timed_status(ctx)
    ctx.idle(0.3)
    second_sent, second_reply, second = _timed_status(ctx)
    low = 1000 * (second_sent.t - first_reply.t) - 1
    high = 1000 * (second_reply.t - first_sent.t) + 1
    step = ((second.uptime_ms - first.uptime_ms) & 0xFFFFFFFF) / 1000
    ctx.timed("uptime_ms step over about 300 ms", step, low, high, "§3.4: milliseconds since power-up")


def _session(ctx: Ctx) -> None:
    """session_s counts whole seconds from the SET that started the session, on through zones going off,
    until HELLO (§3.4, §6.5)."""
    zone = ctx.caps.ids[0]
    started = ctx.set(ctx.caps.moving(zone))
    ctx.set(frames.off(zone, 100))
    ctx.idle(1.2)
    sent, reply, status = _timed_status(ctx)
    low = math.floor(sent.t - started.t - 0.05 - ctx.tolerance_s)
    high = math.floor(reply.t - started.t + ctx.tolerance_s)
    ctx.require(low <= status.session_s <= high, f"session_s {status.session_s} about 1.2 s after the "
                f"session started (with every zone off since), expected {low}…{high} (§3.4, §6.5)")
    ctx.hello()
    ctx.require(ctx.status().session_s == 0, "session_s not 0 after HELLO ended the session (§6.5)")


def check_v11(ctx: Ctx) -> None:
    if not ctx.caps.v11:
        raise NotRun("the device reports protocol 1.0 (HELLO_REPLY minor 0): KEEPALIVE, RENEW and GET_STATUS "
                     "flags are 1.1 messages a host never sends it (§3)")
    ctx.fresh()
    _keepalive(ctx)
    _renew(ctx)
    _status_flags(ctx)


def _keepalive(ctx: Ctx) -> None:
    """§3.9: never answered, whatever its payload; it feeds the watchdog."""
    for payload in (b"", b"\x01\x02\x03"):
        ctx.dut.send(KEEPALIVE, payload)
        extra = ctx.dut.quiet(ctx.quiet_s)
        ctx.require(not extra, f"KEEPALIVE of {len(payload)} bytes was answered: "
                    f"{extra[0].describe() if extra else ''} (§3.9: never)")
    ctx.no_event({EventCode.WATCHDOG}, 2.5 * ctx.caps.watchdog_s, "with only KEEPALIVE frames coming (§3.9: "
                 "they feed the watchdog)", feed=ctx.keepalive)
    ctx.require_state(ctx.status(), DeviceState.READY, "after only KEEPALIVE frames")


def _renew(ctx: Ctx) -> None:
    """§3.10's checks in order, and an accepted RENEW changing no actuator value."""
    caps = ctx.caps
    a, b = caps.ids[0], caps.ids[-1]
    ctx.set(caps.moving(a, caps.hello.intensity_max))
    before = ctx.status()
    bit = 1 << caps.index(a)
    ctx.ack(ctx.dut.request(RENEW, frames.renew(ctx.caps.lease(1000), bit)), RENEW, "RENEW of an on zone")
    ctx.require(ctx.status().zones == before.zones, "RENEW changed an actuator value (§3.10)")
    max_lease = caps.hello.max_lease_ms
    cases: list[tuple[bytes, int, int, str]] = [
             (frames.renew(ctx.caps.lease(1000), bit)[:5], NakCode.MALFORMED, 0, "RENEW of 5 bytes"),
             (frames.renew(ctx.caps.lease(1000), bit) + b"\x00", NakCode.MALFORMED, 0, "RENEW of 7 bytes"),
             (frames.renew(ctx.caps.lease(1000), 0), NakCode.OUT_OF_RANGE, 0, "RENEW naming no zone"),
             (frames.renew(99, bit), NakCode.OUT_OF_RANGE, 0, "RENEW lease_ms 99"),
             (frames.renew(max_lease + 1, bit), NakCode.OUT_OF_RANGE, 0, f"RENEW lease_ms {max_lease + 1}")]
    if len(caps.ids) < MAX_ZONES:
        cases.append((frames.renew(ctx.caps.lease(1000), bit | 1 << len(caps.ids)), NakCode.OUT_OF_RANGE, 0,
                      "RENEW naming index zone_count"))
    if b != a:
        cases.append((frames.renew(ctx.caps.lease(1000), bit | 1 << caps.index(b)), NAK_ZONE_OFF, b,
                      f"RENEW naming zone {b}, which is off"))
    for payload, code, detail, what in cases:
        ctx.command_nak(RENEW, payload, code, detail, what)


def _status_flags(ctx: Ctx) -> None:
    """§3.4: flags 0 lists every zone, only_on only the zones that are on; other bits OUT_OF_RANGE."""
    caps = ctx.caps
    full = ctx.status(0)
    ctx.require([z.zone for z in full.zones] == caps.ids, "GET_STATUS flags 0 did not list every zone")
    on = [z.zone for z in ctx.status(STATUS_ONLY_ON).zones]
    ctx.require(on == caps.ids[:1], f"GET_STATUS only_on listed {on}, expected {caps.ids[:1]}")
    ctx.hello()
    ctx.require(ctx.status(STATUS_ONLY_ON).zones == (), "GET_STATUS only_on listed zones with all off")
    for flags in (0x02, 0x80, 0xFF):
        ctx.command_nak(MsgType.GET_STATUS, bytes([flags]), NakCode.OUT_OF_RANGE, 0,
                        f"GET_STATUS flags {flags}")
