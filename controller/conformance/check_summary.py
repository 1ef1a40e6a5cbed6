"""Checks over everything the run saw: the device's reply time (§5) and its own frames and EVENTs (§2.2,
§3.6). They run last, on whatever the checks before them exchanged."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from controller.conformance.context import REPLY_MS, Ctx
from controller.conformance.frames import RxFrame
from controller.conformance.host_wire import EventCode, MsgType
from controller.conformance.outcome import Failed, NotRun

_REPLY_RULE = "§5: the first byte of an answer within 20 ms of the command's last byte"
_TYPICAL_EXCHANGE_BYTES = 64  # a command and its answer on the line, for the transmit time at the baud rate


def check_reply_time(ctx: Ctx) -> None:
    """The median time from writing a command to reading its answer (ESTOP's has its own check)."""
    samples = sorted(s for t, s in ctx.dut.latencies if t != MsgType.ESTOP)
    if not samples:
        raise NotRun("no command was answered")
    p90 = samples[int(0.9 * (len(samples) - 1))]
    ctx.note(f"{len(samples)} answers")
    ctx.timed("reply time, 90th percentile", p90, None, None, _REPLY_RULE)
    ctx.timed("reply time, slowest", samples[-1], None, None, _REPLY_RULE)
    ctx.timed("reply time, median", statistics.median(samples), None,
              REPLY_MS + ctx.line_ms(_TYPICAL_EXCHANGE_BYTES), _REPLY_RULE)


def _event_problem(ctx: Ctx, code: int, arg: int) -> str | None:
    allowed: dict[int, Sequence[int]] = {
        EventCode.BUTTON: range(1, 5), EventCode.OVERHEAT: range(256), EventCode.WATCHDOG: (0,),
        EventCode.FOOT_REMOVED: (0, 1), EventCode.RESET: (0, 1, 2), EventCode.LEASE_EXPIRED: ctx.caps.ids,
        EventCode.SESSION_LIMIT: (0,), EventCode.STOPPED: (0,),
    }
    if code not in allowed:
        return f"EVENT code {code} is not defined by 1.x (§3.6)"
    if arg not in allowed[code]:
        return f"EVENT {EventCode(code).name} with arg {arg} (§3.6)"
    return None


def check_device_frames(ctx: Ctx) -> None:
    """Every frame the device sent is well formed (ver 1, good CRC, `len` right, a device type, a payload
    of its type's size); EVENT codes and arguments are defined; event seqs count up by one (§3.6)."""
    frames = ctx.dut.received
    if not frames:
        raise NotRun("nothing was received")
    bad = [f for f in frames if f.problem is not None]
    if bad:
        raise Failed(f"{len(bad)} malformed frame(s) from the device, the first: {bad[0].describe()}")
    events = [f for f in frames if f.type == MsgType.EVENT]
    for event in events:
        problem = _event_problem(ctx, event.payload[0], event.payload[1])
        if problem is not None:
            raise Failed(problem)
    _event_seqs(events)
    ctx.note(f"{len(frames)} frames, {len(events)} EVENTs: " + _event_counts(events))


def _event_seqs(events: list[RxFrame]) -> None:
    for before, after in zip(events, events[1:], strict=False):
        restarted = after.payload[0] == EventCode.RESET and after.seq == 0  # a reset restarts the count
        if after.seq != (before.seq + 1) & 0xFF and not restarted:
            raise Failed(f"EVENT seq went {before.seq} → {after.seq}: events were lost or misnumbered "
                         "(§3.6: +1 per event, wrapping 255 → 0)")


def _event_counts(events: list[RxFrame]) -> str:
    counts: dict[str, int] = {}
    for event in events:
        name = EventCode(event.payload[0]).name
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(f"{n} {name}" for name, n in sorted(counts.items())) or "none"
