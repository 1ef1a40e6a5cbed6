"""Stopping: the emergency stop's latency and its latch (§6.3), and the soft stop's ramp and EVENT STOPPED
(§6.7)."""

from __future__ import annotations

import math
import statistics
from dataclasses import replace

from controller.conformance import frames
from controller.conformance.context import REPLY_MS, TICK_MS, Ctx
from controller.conformance.host_wire import (
    NAK_ZONE_OFF,
    RENEW,
    DeviceState,
    EventCode,
    FaultFlag,
    MsgType,
    NakCode,
    SetEntry,
    Status,
    ZoneInfo,
)
from controller.conformance.outcome import Failed

ESTOP_SAMPLES = 5
RAMP_MS = 1000
_EPS_MS = 0.001  # float rounding of a virtual clock's instants
_ESTOP_RULE = "§6.3, §5: every actuator off within 10 ms, then the ACK within the 20 ms reply time"
_STOPPED_RULE = "§6.7: everything off and EVENT STOPPED exactly ramp_ms after the SOFT_STOP"


def check_estop_latency(ctx: Ctx) -> None:
    """ESTOP → its ACK (sent after everything is off), with a zone on, five times: the median is judged
    against the reply time, and every sample is reported."""
    samples = [_one_estop(ctx) for _ in range(ESTOP_SAMPLES)]
    ms = sorted(1000 * s for s in samples)
    ctx.note("ESTOP → ACK samples (ms): " + ", ".join(f"{m:.1f}" for m in ms))
    wire_ms = ctx.line_ms(len(frames.wire(frames.body(MsgType.ESTOP, seq=0))) + 9)
    ctx.timed("e-stop latency (ESTOP → ACK), fastest", min(samples), None, None, _ESTOP_RULE)
    ctx.timed("e-stop latency, slowest", max(samples), None, None, _ESTOP_RULE)
    ctx.timed("e-stop latency, median", statistics.median(samples), None, REPLY_MS + wire_ms, _ESTOP_RULE)


def _one_estop(ctx: Ctx) -> float:
    ctx.fresh()
    caps = ctx.caps
    ctx.set(caps.moving(caps.ids[0], caps.hello.intensity_max))
    sent = ctx.dut.send(MsgType.ESTOP)
    ctx.ack(ctx.dut.reply(sent, timeout_s=2.0), MsgType.ESTOP, "ESTOP")
    latency = ctx.dut.latencies[-1][1]
    status = ctx.status()
    ctx.require_state(status, DeviceState.ESTOP, "after ESTOP's ACK")
    ctx.require_all_off(status, "after ESTOP's ACK")
    return latency


def check_estop_latch(ctx: Ctx) -> None:
    """§6.3, §3.7: ESTOP latches until HELLO, whatever its payload, in every state; the watchdog is
    disarmed while latched; HEARTBEAT, GET_ZONE and GET_STATUS are still answered."""
    ctx.fresh()
    caps = ctx.caps
    a = caps.moving(caps.ids[0])
    ctx.set(a, *(caps.moving(z) for z in caps.ids[1:2]))
    ctx.estop()
    status = ctx.status()
    ctx.require_state(status, DeviceState.ESTOP, "after ESTOP")
    ctx.require(bool(status.faults & FaultFlag.ESTOP), f"after ESTOP: faults 0x{status.faults:02X} lacks "
                "ESTOP (§3.7)")
    ctx.require_all_off(status, "after ESTOP")
    _refused_while_latched(ctx, a)
    ctx.no_event({EventCode.WATCHDOG}, 1.5 * caps.watchdog_s + ctx.tolerance_s,
                 "in ESTOP with the host silent (§6.1: latched states disarm the watchdog)")
    ctx.require_state(ctx.status(), DeviceState.ESTOP, "after host silence in ESTOP")
    ctx.estop()
    ctx.require_state(ctx.status(), DeviceState.ESTOP, "after a second ESTOP")
    ctx.hello()
    status = ctx.status()
    ctx.require_state(status, DeviceState.READY, "after HELLO in ESTOP (§3.1)")
    ctx.require(status.faults & 0x17 == 0, f"after HELLO: faults 0x{status.faults:02X}, latches not cleared")
    ctx.set(a, what="SET after HELLO cleared the latch")
    _estop_with_payload(ctx)
    ctx.hello()
    ctx.estop()
    ctx.require_state(ctx.status(), DeviceState.ESTOP, "after ESTOP in READY")


def _refused_while_latched(ctx: Ctx, a: SetEntry) -> None:
    ctx.set_nak([a], NakCode.ESTOP_LATCHED, 0, "SET in ESTOP")
    ctx.command_nak(MsgType.SOFT_STOP, frames.u16(0), NakCode.ESTOP_LATCHED, 0, "SOFT_STOP in ESTOP")
    ctx.ack(ctx.dut.request(MsgType.HEARTBEAT), MsgType.HEARTBEAT, "HEARTBEAT in ESTOP")
    ctx.expect(ctx.dut.request(MsgType.GET_ZONE, bytes([0])), ZoneInfo, "GET_ZONE in ESTOP")
    if ctx.caps.v11:
        bit = 1 << ctx.caps.index(a.zone)
        ctx.command_nak(RENEW, frames.renew(ctx.caps.lease(1000), bit), NAK_ZONE_OFF, a.zone,
                        "RENEW in ESTOP (§3.7: every zone is off, so ZONE_OFF)")


def _estop_with_payload(ctx: Ctx) -> None:
    sent = ctx.dut.send(MsgType.ESTOP, b"\x01\x02\x03")
    ctx.ack(ctx.dut.reply(sent, timeout_s=2.0), MsgType.ESTOP, "ESTOP with a 3-byte payload (§6.3: ignored)")
    status = ctx.status()
    ctx.require_state(status, DeviceState.ESTOP, "after ESTOP with a payload")
    ctx.require_all_off(status, "after ESTOP with a payload")


def check_soft_stop(ctx: Ctx) -> None:
    ctx.fresh()
    entries = _ramp_entries(ctx)
    ctx.set(*entries)
    before = len(ctx.dut.received)
    start, acked = _soft_stop(ctx, RAMP_MS)
    status = ctx.status()
    ctx.require_state(status, DeviceState.STOPPING, "just after SOFT_STOP with zones moving")
    ctx.require(all(z.heat == 0 for z in status.zones), "heat not off at once after SOFT_STOP (§6.7 step 1)")
    _busy(ctx, entries[0])
    _follow_ramp(ctx, entries, start, acked)
    ended = _stopped(ctx, start, RAMP_MS, f"ramp of {RAMP_MS} ms")
    status = ctx.status()
    ctx.require_state(status, DeviceState.READY, "after EVENT STOPPED")
    ctx.require_all_off(status, "after the ramp's end")
    ctx.require(ended >= acked, "EVENT STOPPED came before the SOFT_STOP's ACK (§3.6: the answer goes first)")
    ctx.require(not any(e.payload[0] == EventCode.LEASE_EXPIRED for e in ctx.dut.received[before:]
                        if e.type == MsgType.EVENT and e.payload),
                "EVENT LEASE_EXPIRED during a soft stop (§6.7: leases do not apply; a soft stop ends them)")
    _instant_stops(ctx)
    _ramps_without_stopped(ctx)


def _ramp_entries(ctx: Ctx) -> list[SetEntry]:
    """One zone at intensity_max (its ramp shows every step), one at 1 (rounding up keeps it at 1 until the
    end), with a lease shorter than the ramp (leases do not apply during a soft stop) and heat if any."""
    caps = ctx.caps
    top = caps.moving(caps.ids[0], caps.hello.intensity_max, caps.lease(RAMP_MS / 3),
                      speed=caps.hello.speed_max)
    heated = caps.heated()
    if heated is not None:
        top = replace(top, zone=heated.zone, heat=1)
    others = [z for z in caps.ids if z != top.zone][:1]
    return [top] + [caps.moving(z, 1, caps.lease(RAMP_MS / 3)) for z in others]


def _soft_stop(ctx: Ctx, ramp_ms: int) -> tuple[float, float]:
    sent = ctx.dut.send(MsgType.SOFT_STOP, frames.u16(ramp_ms))
    reply = ctx.dut.reply(sent)
    ctx.ack(reply, MsgType.SOFT_STOP, f"SOFT_STOP {ramp_ms} ms")
    return sent.t, reply.t


def _busy(ctx: Ctx, entry: SetEntry) -> None:
    ctx.set_nak([entry], NakCode.BUSY, 0, "SET during a soft stop")
    ctx.command_nak(MsgType.SOFT_STOP, frames.u16(0), NakCode.BUSY, 0, "SOFT_STOP during a soft stop")
    if ctx.caps.v11:
        bit = 1 << ctx.caps.index(entry.zone)
        ctx.command_nak(RENEW, frames.renew(ctx.caps.lease(1000), bit), NakCode.BUSY, 0,
                        "RENEW during a soft stop")


def ramp_level(initial: int, ramp_ms: int, elapsed_ms: float) -> int:
    """§6.7: the intensity `elapsed_ms` into the ramp — recomputed every 100 ms, rounded up."""
    if elapsed_ms >= ramp_ms:
        return 0
    tick = 100 * math.floor(elapsed_ms / 100)
    return (initial * (ramp_ms - tick) + ramp_ms - 1) // ramp_ms


def _follow_ramp(ctx: Ctx, entries: list[SetEntry], start: float, acked: float) -> None:
    """Poll STATUS through the ramp: each reading must be a level the ramp has between the earliest and the
    latest moment the device can have read the GET_STATUS; motion and speed stay; STOPPING throughout."""
    samples = 0
    while ctx.dut.now() - start < RAMP_MS / 1000 - 0.06 - ctx.tolerance_s and not ctx.dut.events:
        sent = ctx.dut.send(MsgType.GET_STATUS)
        reply = ctx.dut.reply(sent)
        window = (1000 * (sent.t - acked - ctx.tolerance_s), 1000 * (reply.t - start + ctx.tolerance_s))
        _judge_sample(ctx, ctx.expect(reply, Status, "GET_STATUS"), entries, window)
        samples += 1
        ctx.dut.pause(0.045, until_event=True)
    ctx.note(f"ramp of {RAMP_MS} ms: {samples} STATUS readings, each a level §6.7 allows at its time")


def _judge_sample(ctx: Ctx, status: Status, entries: list[SetEntry], window: tuple[float, float]) -> None:
    lo, hi = max(0.0, window[0] - _EPS_MS), window[1] + _EPS_MS
    ticks = range(100 * math.ceil(lo / 100), int(min(hi, RAMP_MS)) + 1, 100)
    for entry in entries:
        motion, level, speed, heat = ctx.zone_state(status, entry.zone)
        allowed = {ramp_level(entry.intensity, RAMP_MS, t) for t in (lo, hi, *ticks)}
        if level not in allowed or (level and (motion, speed, heat) != (entry.motion, entry.speed, 0)):
            raise Failed(f"zone {entry.zone} during a {RAMP_MS} ms ramp from {entry.intensity}, read "
                         f"between {lo:.0f} and {hi:.0f} ms: (motion {motion}, intensity {level}, speed "
                         f"{speed}, heat {heat}); §6.7 allows intensity {sorted(allowed)}, motion and "
                         "speed unchanged")


def _stopped(ctx: Ctx, start: float, after_ms: int, what: str) -> float:
    """EVENT STOPPED `after_ms` after `start` (the SOFT_STOP's write)."""
    event = ctx.wait_event(EventCode.STOPPED, (after_ms + TICK_MS) / 1000 + ctx.tolerance_s + 0.5,
                           feed=ctx.keepalive)
    if event is None:
        raise Failed(f"no EVENT STOPPED after SOFT_STOP, {what} ({_STOPPED_RULE})")
    ctx.timed_event(f"SOFT_STOP → EVENT STOPPED, {what}", event.t - start, after_ms, _STOPPED_RULE)
    return event.t


def _instant_stops(ctx: Ctx) -> None:
    """§6.7 step 2: ramp 0, or nothing moving: everything off and STOPPED at once, after the ACK."""
    caps = ctx.caps
    ctx.set(caps.moving(caps.ids[0], caps.hello.intensity_max))
    start, _ = _soft_stop(ctx, 0)
    _stopped(ctx, start, 0, "ramp 0")
    ctx.require_all_off(ctx.status(), "after SOFT_STOP 0")
    start, _ = _soft_stop(ctx, RAMP_MS)
    _stopped(ctx, start, 0, f"nothing moving (ramp {RAMP_MS} ms asked)")
    ctx.command_nak(MsgType.SOFT_STOP, frames.u16(10001), NakCode.OUT_OF_RANGE, 0, "SOFT_STOP 10001 ms")


def _ramps_without_stopped(ctx: Ctx) -> None:
    """§6.7: a ramp ended by HELLO or ESTOP sends no STOPPED."""
    caps = ctx.caps
    for end in ("HELLO", "ESTOP"):
        ctx.fresh()
        ctx.set(caps.moving(caps.ids[0], caps.hello.intensity_max))
        _soft_stop(ctx, 300)
        if end == "HELLO":
            ctx.hello()
        else:
            ctx.estop()
        status = ctx.status()
        ctx.require_all_off(status, f"after {end} during a ramp")
        ctx.no_event({EventCode.STOPPED}, 0.3 + TICK_MS / 1000 + ctx.tolerance_s,
                     f"after {end} ended a ramp (§6.7: no STOPPED)", feed=ctx.keepalive)
