"""The device's own timers, timed over the wire: leases (§6.2, and RENEW §3.10) and the host-silence
watchdog (§6.1). Times run from the moment the kit's write returned to the moment the EVENT was read."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace

from controller.conformance import frames
from controller.conformance.context import TICK_MS, Ctx
from controller.conformance.host_wire import (
    NAK_ZONE_OFF,
    RENEW,
    DeviceState,
    EventCode,
    FaultFlag,
    MsgType,
    NakCode,
)
from controller.conformance.outcome import Failed

LEASE_MS = 400  # long enough to tell apart from the tolerance, short enough to keep the check quick
_LEASE_RULE = "§6.2: a lease runs out exactly lease_ms after the SET or RENEW that set it"
_WATCHDOG_RULE = "§6.1: exactly watchdog_ms after the last valid frame"


def _feeder(ctx: Ctx) -> Callable[[], None]:
    """Keep-alives of both kinds in turn: neither may renew a lease (§6.2)."""
    kinds = itertools.cycle([lambda: ctx.ack(ctx.dut.request(MsgType.HEARTBEAT), MsgType.HEARTBEAT,
                                             "HEARTBEAT"), ctx.keepalive])
    return lambda: next(kinds)()


def expect_expiry(ctx: Ctx, zone: int, since: float, lease_ms: int, what: str, *, rule: str = _LEASE_RULE,
                  feed: Callable[[], None] | None = None) -> float:
    """Wait for EVENT LEASE_EXPIRED `zone` and time it from `since` (the figure is named `what`); Failed,
    naming `rule`, when it does not come or comes at the wrong time."""
    patience = (lease_ms + TICK_MS) / 1000 + ctx.tolerance_s + 0.5
    event = ctx.wait_event(EventCode.LEASE_EXPIRED, patience - (ctx.dut.now() - since),
                           feed=feed or _feeder(ctx))
    if event is None:
        raise Failed(f"{what}: no EVENT LEASE_EXPIRED within {1000 * patience:.0f} ms of a {lease_ms} ms "
                     f"lease ({rule})")
    ctx.require(event.payload[1] == zone, f"{what}: EVENT LEASE_EXPIRED for zone {event.payload[1]}, "
                f"expected zone {zone}")
    ctx.timed_event(f"lease expiry, {what}", event.t - since, lease_ms, rule)
    return event.t


def check_leases(ctx: Ctx) -> None:
    ctx.fresh()
    caps = ctx.caps
    lease = caps.lease(LEASE_MS)
    a = caps.moving(caps.ids[0], lease_ms=lease)
    expect_expiry(ctx, a.zone, ctx.set(a).t, lease, "a SET, then only keep-alives")
    status = ctx.status()
    ctx.require_all_off(status, "after the lease ran out")
    ctx.require_state(status, DeviceState.READY, "after the only zone's lease ran out")
    ctx.set(a)
    ctx.idle(lease / 2000)
    expect_expiry(ctx, a.zone, ctx.set(a, what="the same SET again").t, lease, "replaced by a second SET")
    _naked_set_keeps_lease(ctx, a)
    _off_entry_ends_lease(ctx, a)
    _several_in_index_order(ctx, lease)
    if caps.v11:
        _renew_restarts(ctx, a)
    else:
        ctx.note("RENEW not checked: the device reports protocol 1.0")


def _naked_set_keeps_lease(ctx: Ctx, a: frames.SetEntry) -> None:
    start = ctx.set(a).t
    ctx.idle(a.lease_ms / 2000)
    free = next(i for i in range(1, 255) if i not in ctx.caps.ids)
    longer = replace(a, lease_ms=ctx.caps.hello.max_lease_ms)
    ctx.set_nak([longer, replace(a, zone=free)], NakCode.UNSUPPORTED_ZONE, free, "SET with a bad zone")
    expect_expiry(ctx, a.zone, start, a.lease_ms, "after a NAKed SET",
                  rule="§3.3: a NAKed SET changes nothing, not even a lease")


def _off_entry_ends_lease(ctx: Ctx, a: frames.SetEntry) -> None:
    ctx.set(a)
    ctx.set(frames.off(a.zone, 100), what="SET the zone off")
    wait = (a.lease_ms + TICK_MS) / 1000 + ctx.tolerance_s + 0.1
    ctx.no_event({EventCode.LEASE_EXPIRED}, wait, "after an off entry (§6.2: it ends the lease)",
                 feed=_feeder(ctx))


def _several_in_index_order(ctx: Ctx, lease: int) -> None:
    zones = ctx.caps.ids[:3]
    start = ctx.set(*(ctx.caps.moving(z, lease_ms=lease) for z in reversed(zones))).t
    for zone in zones:
        expect_expiry(ctx, zone, start, lease, f"zone {zone} of {len(zones)} expiring together",
                      rule="§3.6: one EVENT per zone, in ZONE_INFO order")


def _renew_restarts(ctx: Ctx, a: frames.SetEntry) -> None:
    """§3.10: RENEW restarts the named zones' leases (shorter or longer); a NAKed RENEW restarts none."""
    caps = ctx.caps
    bit = 1 << caps.index(a.zone)
    ctx.set(replace(a, lease_ms=caps.hello.max_lease_ms))
    renew = ctx.dut.send(RENEW, frames.renew(a.lease_ms, bit))
    ctx.ack(ctx.dut.reply(renew), RENEW, "RENEW of an on zone")
    expect_expiry(ctx, a.zone, renew.t, a.lease_ms, "set by a RENEW", rule="§3.10: RENEW restarts the lease")
    if len(caps.ids) < 2:
        return
    b = caps.ids[1]
    start = ctx.set(a).t
    ctx.idle(a.lease_ms / 2000)
    renew_both = frames.renew(caps.hello.max_lease_ms, bit | 1 << caps.index(b))
    ctx.command_nak(RENEW, renew_both, NAK_ZONE_OFF, b, f"RENEW naming off zone {b}")
    expect_expiry(ctx, a.zone, start, a.lease_ms, "after a NAKed RENEW",
                  rule="§3.10: a NAKed RENEW restarts no lease")


def check_watchdog(ctx: Ctx) -> None:
    ctx.fresh()
    caps = ctx.caps
    wd_ms = caps.hello.watchdog_ms
    lease = caps.lease(2 * wd_ms)
    last = ctx.set(caps.moving(caps.ids[0], lease_ms=lease)).t
    _trip(ctx, last, "host silence after a SET")
    _latched(ctx)
    ctx.no_event({EventCode.WATCHDOG, EventCode.LEASE_EXPIRED},
                 max(lease - wd_ms, wd_ms) / 1000 + ctx.tolerance_s + 0.05,
                 "in SAFE_STOP (§6.1: the trip ended every lease and disarmed the watchdog)")
    ctx.fresh()
    _fed_by_every_valid_frame(ctx)
    _not_fed_by_invalid_frames(ctx)
    _runs_while_stopping(ctx)


def _trip(ctx: Ctx, last: float, what: str) -> None:
    wd_ms = ctx.caps.hello.watchdog_ms
    event = ctx.wait_event(EventCode.WATCHDOG, (wd_ms + TICK_MS) / 1000 + ctx.tolerance_s + 0.5)
    if event is None:
        raise Failed(f"{what}: no EVENT WATCHDOG within {wd_ms + 500} ms ({_WATCHDOG_RULE}, "
                     f"watchdog_ms {wd_ms})")
    ctx.timed_event(f"watchdog trip, {what}", event.t - last, wd_ms, _WATCHDOG_RULE)


def _latched(ctx: Ctx) -> None:
    status = ctx.status()
    ctx.require_state(status, DeviceState.SAFE_STOP, "after EVENT WATCHDOG")
    ctx.require(bool(status.faults & FaultFlag.WATCHDOG),
                f"after EVENT WATCHDOG: faults 0x{status.faults:02X} lacks WATCHDOG (§3.7)")
    ctx.require_all_off(status, "after the watchdog tripped")
    zone = ctx.caps.ids[0]
    ctx.set_nak([ctx.caps.moving(zone)], NakCode.NOT_READY, 0, "SET in SAFE_STOP after the watchdog")
    ctx.command_nak(MsgType.SOFT_STOP, frames.u16(0), NakCode.NOT_READY, 0, "SOFT_STOP in SAFE_STOP")


def _fed_by_every_valid_frame(ctx: Ctx) -> None:
    """§6.1: every valid frame restarts it, whatever its type, NAKed or not."""
    kinds = itertools.cycle([
        lambda: ctx.ack(ctx.dut.request(MsgType.HEARTBEAT), MsgType.HEARTBEAT, "HEARTBEAT"),
        lambda: ctx.command_nak(0x3F, b"", NakCode.UNKNOWN_TYPE, 0x3F, "type 0x3F"),
        lambda: ctx.require(ctx.status().state == DeviceState.READY, "STATUS while fed: not READY"),
        lambda: ctx.command_nak(MsgType.HELLO, b"\x01", NakCode.MALFORMED, 0, "HELLO of 1 byte"),
        ctx.keepalive,
    ])
    ctx.no_event({EventCode.WATCHDOG}, 3 * ctx.caps.watchdog_s, "while valid frames kept coming",
                 feed=lambda: next(kinds)())
    ctx.require_state(ctx.status(), DeviceState.READY, "after valid frames kept the watchdog fed")


def _not_fed_by_invalid_frames(ctx: Ctx) -> None:
    """§2.4, §6.1: invalid frames (a wrong ver, a wrong len) never feed the watchdog."""
    sent = ctx.dut.send(MsgType.HELLO, frames.hello())
    ctx.dut.reply(sent)
    kinds = itertools.cycle([(2, None, NakCode.BAD_VERSION, 1), (1, 3, NakCode.MALFORMED, 0)])

    def invalid() -> None:
        ver, length, code, detail = next(kinds)
        reply = ctx.dut.request(MsgType.HEARTBEAT, ver=ver, length=length)
        ctx.nak(reply, code, detail, "an invalid HEARTBEAT")

    event = ctx.wait_event(EventCode.WATCHDOG, ctx.caps.watchdog_s + TICK_MS / 1000 + ctx.tolerance_s + 0.5,
                           feed=invalid, feed_every_s=ctx.caps.watchdog_s / 4)
    if event is None:
        raise Failed("invalid frames (wrong ver, wrong len) kept the watchdog from tripping (§2.4, §6.1)")
    wd_ms = ctx.caps.hello.watchdog_ms
    ctx.timed_event("watchdog trip, only invalid frames since HELLO", event.t - sent.t, wd_ms, _WATCHDOG_RULE)


def _runs_while_stopping(ctx: Ctx) -> None:
    """§6.7: the watchdog keeps running during a soft-stop ramp, and ends it without STOPPED."""
    ctx.fresh()
    caps = ctx.caps
    ramp = min(2 * caps.hello.watchdog_ms, 10000)
    ctx.set(caps.moving(caps.ids[0], caps.hello.intensity_max))
    stop = ctx.dut.send(MsgType.SOFT_STOP, frames.u16(ramp))
    ctx.ack(ctx.dut.reply(stop), MsgType.SOFT_STOP, "SOFT_STOP")
    _trip(ctx, stop.t, "host silence during a soft stop")
    ctx.no_event({EventCode.STOPPED}, (ramp - caps.hello.watchdog_ms) / 1000 + ctx.tolerance_s + 0.05,
                 "after the watchdog ended a soft stop (§6.7: no STOPPED)")
    ctx.require_state(ctx.status(), DeviceState.SAFE_STOP, "after the watchdog tripped during a soft stop")
