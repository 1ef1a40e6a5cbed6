"""§4's duplicate memory, over the wire: a retransmission gets the stored reply again byte for byte and is
not acted on a second time; HELLO is never a duplicate; KEEPALIVE leaves the memory as it was (§3.9).

"Not acted on" shows in two ways a host can see: a stored STATUS is re-sent with its old `uptime_ms`, and a
retransmitted SET or RENEW does not restart a lease (timed; only where the device's leases run out at all).
"""

from __future__ import annotations

from controller.conformance import frames
from controller.conformance.check_timers import LEASE_MS
from controller.conformance.context import Ctx
from controller.conformance.dut import Sent
from controller.conformance.frames import RxFrame
from controller.conformance.host_wire import KEEPALIVE, RENEW, EventCode, HelloReply, MsgType
from controller.conformance.outcome import Failed

_RULE = "§4: a retransmission is answered from the duplicate memory and not acted on"


def _again(ctx: Ctx, sent: Sent, first: RxFrame, what: str) -> None:
    """Resend `sent`; the answer must be `first`'s bytes exactly."""
    second = ctx.dut.reply(ctx.dut.resend(sent))
    if second.raw != first.raw:
        raise Failed(f"{what}: the retransmission got {second.describe()}, not the stored "
                     f"{first.describe()} byte for byte ({_RULE})")


def check_duplicates(ctx: Ctx) -> None:
    ctx.fresh()
    status = ctx.dut.send(MsgType.GET_STATUS)
    stored = ctx.dut.reply(status)
    ctx.idle(0.03, ctx.neutral_feed)
    _again(ctx, status, stored, "GET_STATUS (a fresh STATUS would carry a later uptime_ms)")
    unknown = ctx.dut.send(0x3F)
    _again(ctx, unknown, ctx.dut.reply(unknown), "a frame NAKed UNKNOWN_TYPE (NAKs are stored like ACKs)")
    if ctx.caps.v11:
        status = ctx.dut.send(MsgType.GET_STATUS)
        stored = ctx.dut.reply(status)
        ctx.idle(0.03, ctx.neutral_feed)
        ctx.dut.send(KEEPALIVE)
        _again(ctx, status, stored, "GET_STATUS retransmitted after a KEEPALIVE (§3.9: KEEPALIVE leaves the "
               "memory as it was)")
    _hello_is_never_a_duplicate(ctx)
    if _set_applied_once(ctx) and ctx.caps.v11:
        _renew_applied_once(ctx)


def _hello_is_never_a_duplicate(ctx: Ctx) -> None:
    hello = ctx.dut.send(MsgType.HELLO, frames.hello())
    ctx.expect(ctx.dut.reply(hello), HelloReply, "HELLO")
    zone = ctx.caps.ids[0]
    ctx.set(ctx.caps.moving(zone))
    again = ctx.dut.send(MsgType.HELLO, frames.hello(), seq=hello.seq)
    ctx.expect(ctx.dut.reply(again), HelloReply, "a second HELLO with the same seq (§4: never a duplicate)")
    ctx.require(ctx.zone_state(ctx.status(), zone)[1] == 0,
                "a second HELLO with the first one's seq was not acted on (§4: every HELLO is acted on)")


def _lease_end(ctx: Ctx, zone: int, wait_s: float) -> float | None:
    event = ctx.wait_event(EventCode.LEASE_EXPIRED, wait_s, feed=ctx.neutral_feed)
    if event is not None:
        ctx.require(event.payload[1] == zone,
                    f"EVENT LEASE_EXPIRED for zone {event.payload[1]}, expected {zone}")
    return None if event is None else event.t


def _set_applied_once(ctx: Ctx) -> bool:
    """A SET retransmitted halfway through its lease must not restart it; retransmitted after the lease ran
    out it must not turn the zone back on. False when the device's leases never run out (see §6.2's check)."""
    ctx.fresh()
    lease = ctx.caps.lease(LEASE_MS)
    entry = ctx.caps.moving(ctx.caps.ids[0], lease_ms=lease)
    sent = ctx.dut.send(MsgType.SET, frames.set_payload([entry]))
    first = ctx.dut.reply(sent)
    ctx.ack(first, MsgType.SET, "SET")
    ctx.idle(lease / 2000, ctx.neutral_feed)
    _again(ctx, sent, first, "SET")
    return _once(ctx, sent, first, lease, "SET retransmitted halfway through its lease")


def _once(ctx: Ctx, sent: Sent, first: RxFrame, lease: int, what: str) -> bool:
    ended = _lease_end(ctx, ctx.caps.ids[0], 2 * lease / 1000 + ctx.tolerance_s)
    if ended is None:
        ctx.note(f"{what}: not observable, the lease never ran out (§6.2's check says why)")
        return False
    ctx.timed_event(f"lease expiry, {what}", ended - sent.t, lease,
                    f"{_RULE}; a lease restarted by it ends {lease // 2} ms late")
    _again(ctx, sent, first, f"{what}, sent once more after the lease ran out")
    on = ctx.zone_state(ctx.status(), ctx.caps.ids[0])[1]
    ctx.require(on == 0, f"{what}: sent again after its lease ran out, it turned the zone back on ({_RULE})")
    return True


def _renew_applied_once(ctx: Ctx) -> None:
    ctx.fresh()
    lease = ctx.caps.lease(LEASE_MS)
    zone = ctx.caps.ids[0]
    ctx.set(ctx.caps.moving(zone))
    sent = ctx.dut.send(RENEW, frames.renew(lease, 1 << ctx.caps.index(zone)))
    first = ctx.dut.reply(sent)
    ctx.ack(first, RENEW, "RENEW")
    ctx.idle(lease / 2000, ctx.neutral_feed)
    _again(ctx, sent, first, "RENEW")
    _once(ctx, sent, first, lease, "RENEW retransmitted halfway through its lease")
