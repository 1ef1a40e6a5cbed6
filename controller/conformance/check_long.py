"""The long checks, run only with --long: the device's own session cap (§6.5) takes max_session_s, and the
heater (§6.4) needs minutes of heat to show its regulation — and its cutoff, if the plate ever gets there."""

from __future__ import annotations

from controller.conformance import frames
from controller.conformance.context import TICK_MS, Ctx
from controller.conformance.host_wire import DeviceState, EventCode, FaultFlag, MsgType, NakCode, SetEntry
from controller.conformance.outcome import Failed, NotRun

SKIN_MAX_DC = 410  # §6.4: regulated to at most 41.0 °C
COOL_MARGIN_DC = 30  # §3.1: FAULT is left only below max_temp − 3 °C
_CAP_RULE = "§6.5: exactly max_session_s after the SET that started the session"


def check_session_cap(ctx: Ctx) -> None:
    ctx.fresh()
    max_s = ctx.caps.hello.max_session_s
    zone = ctx.caps.ids[0]
    started = ctx.set(ctx.caps.moving(zone))
    ctx.set(frames.off(zone, 100), what="SET the zone off (the session runs on, §6.5)")
    event = ctx.wait_event(EventCode.SESSION_LIMIT, max_s + TICK_MS / 1000 + ctx.tolerance_s + 2.0,
                           feed=ctx.keepalive)
    if event is None:
        raise Failed(f"no EVENT SESSION_LIMIT within {max_s + 2} s of the session's start ({_CAP_RULE})")
    ctx.timed_event("session cap", event.t - started.t, 1000 * max_s, _CAP_RULE)
    status = ctx.status()
    ctx.require_state(status, DeviceState.SAFE_STOP, "after EVENT SESSION_LIMIT")
    ctx.require(bool(status.faults & FaultFlag.SESSION_LIMIT), "faults lacks SESSION_LIMIT after the cap")
    ctx.require_all_off(status, "after the session cap")
    ctx.set_nak([ctx.caps.moving(zone)], NakCode.SESSION_LIMIT, 0, "SET after the session cap")
    ctx.command_nak(MsgType.SOFT_STOP, frames.u16(0), NakCode.SESSION_LIMIT, 0, "SOFT_STOP after the cap")
    ctx.fresh()


def check_heater(ctx: Ctx) -> None:
    hello = ctx.caps.hello
    heated = ctx.caps.heated()
    if not hello.has_heater or heated is None:
        raise NotRun("the device has no heater (§3.2)")
    ctx.fresh()
    entry = SetEntry(heated.zone, 0, 0, 0, hello.heat_max, hello.max_lease_ms)
    peak, cutoff = _heat(ctx, entry)
    ctx.note(f"heated zone {heated.zone} at heat {hello.heat_max} for up to {heating_s(ctx):.0f} s: the "
             f"plate peaked at {peak / 10:.1f} °C")
    if cutoff is None:
        ctx.require(peak <= SKIN_MAX_DC, f"the plate reached {peak / 10:.1f} °C at heat_max (§6.4: regulated "
                    "to at most 41.0 °C)")
        ctx.note(f"the cutoff was not provoked: it needs the plate above {hello.max_temp_dC / 10:.1f} °C")
        ctx.set(frames.off(heated.zone, 100))
        return
    _after_cutoff(ctx, cutoff, entry)


def _heat(ctx: Ctx, entry: SetEntry) -> tuple[int, int | None]:
    """Heat for heat_s (within the device's own session cap), renewing with the same SET and reading STATUS;
    (peak temp_dC, the OVERHEAT event's argument or None)."""
    end = ctx.dut.now() + heating_s(ctx)
    renew_every = 0.4 * entry.lease_ms / 1000  # §5: at most 40 % of the lease after the last renewal
    renewed = ctx.set(entry).t
    peak = ctx.status().temp_dC
    while ctx.dut.now() < end:
        event = ctx.wait_event(EventCode.OVERHEAT, min(renew_every, end - ctx.dut.now()), feed=ctx.keepalive)
        if event is not None:
            return max(peak, ctx.status().temp_dC), event.payload[1]
        if ctx.dut.now() - renewed >= renew_every:
            renewed = ctx.set(entry).t
            peak = max(peak, ctx.status().temp_dC)
    return peak, None


def heating_s(ctx: Ctx) -> float:
    """--heat-s, but ending 5 s before the device's session cap would stop the heating itself (§6.5)."""
    return max(1.0, min(ctx.heat_s, ctx.caps.hello.max_session_s - 5.0))


def _after_cutoff(ctx: Ctx, arg: int, entry: SetEntry) -> None:
    """§6.4, §6.3, §3.1: FAULT with OVERHEAT latched and everything off; SET refused with the plate's
    temperature; an ESTOP keeps the flag; HELLO leaves FAULT only once the plate is cool."""
    max_dc = ctx.caps.hello.max_temp_dC
    ctx.note(f"the cutoff fired: EVENT OVERHEAT {arg} °C (a plate past 41.0 °C means the heater ran away, "
             "a hardware fault the cutoff exists for)")
    ctx.require(arg * 10 >= max_dc - 10, f"EVENT OVERHEAT {arg} °C, below the cutoff {max_dc / 10:.1f} °C")
    status = ctx.status()
    ctx.require_state(status, DeviceState.FAULT, "after EVENT OVERHEAT")
    ctx.require(bool(status.faults & FaultFlag.OVERHEAT), "faults lacks OVERHEAT after the cutoff")
    ctx.require_all_off(status, "after the heater cutoff")
    ctx.set_nak([entry], NakCode.OVERHEAT, max(0, status.temp_dC) // 10, "SET in FAULT (detail: whole °C)")
    ctx.estop()
    status = ctx.status()
    ctx.require(status.state == DeviceState.ESTOP and bool(status.faults & FaultFlag.OVERHEAT),
                "an ESTOP in FAULT must enter ESTOP and keep OVERHEAT (§6.3)")
    ctx.hello()
    if ctx.status().temp_dC >= max_dc - COOL_MARGIN_DC:
        ctx.require_state(ctx.status(), DeviceState.FAULT, "HELLO while the plate is still hot (§3.1)")
    _cool_down(ctx, max_dc - COOL_MARGIN_DC)


def _cool_down(ctx: Ctx, below_dc: int) -> None:
    end = ctx.dut.now() + ctx.heat_s
    while ctx.status().temp_dC >= below_dc:
        if ctx.dut.now() > end:
            ctx.note(f"not checked: HELLO into READY once cool (the plate stayed at or above "
                     f"{below_dc / 10:.1f} °C for {ctx.heat_s:.0f} s)")
            return
        ctx.idle(1.0)
    ctx.hello()
    status = ctx.status()
    ctx.require_state(status, DeviceState.READY, "HELLO once the plate cooled below max_temp − 3 °C (§3.1)")
    ctx.require(status.faults & 0x17 == 0, "HELLO into READY left latched fault flags")
