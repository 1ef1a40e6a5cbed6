"""Framing (§2.2–§2.4): bad CRCs, garbage and split frames, oversize runs, and a wrong `ver` or `len`.

Every invalid frame here fails §2.4 for one reason only, so a device that mishandles one rule fails one check:
the garbage fails COBS or the minimum size, never the CRC; the bad-CRC frames have nothing else wrong.
"""

from __future__ import annotations

from dataclasses import replace

from controller.conformance import frames
from controller.conformance.context import Ctx
from controller.conformance.host_wire import (
    MAX_ENCODED,
    MAX_PAYLOAD,
    DeviceState,
    MsgType,
    NakCode,
    Status,
    ZoneInfo,
)


def _invalid_count(ctx: Ctx) -> int:
    return ctx.status().invalid_frames


def _counted(ctx: Ctx, before: int, extra: int, what: str) -> None:
    """STATUS invalid_frames went up by exactly `extra` (the GET_STATUS frames themselves are valid)."""
    now = _invalid_count(ctx)
    ctx.require(now == min(before + extra, 0xFFFF),
                f"{what}: invalid_frames went {before} → {now}, expected +{extra} (§2.4, §3.4)")


def _silent(ctx: Ctx, what: str) -> None:
    extra = ctx.dut.quiet(ctx.quiet_s)
    ctx.require(not extra, f"{what}: expected no answer, got {extra[0].describe() if extra else ''}")


def check_crc(ctx: Ctx) -> None:
    """§2.4 step 5: NAK BAD_CRC with the seq as read; never acted on; never stored as a duplicate (§4)."""
    ctx.fresh()
    zone = ctx.caps.ids[0]
    before = _invalid_count(ctx)
    bad = ctx.dut.send(MsgType.SET, frames.set_payload([ctx.caps.moving(zone)]), crc_ok=False)
    ctx.nak(ctx.dut.reply(bad), NakCode.BAD_CRC, 0, f"a SET with a bad CRC (seq {bad.seq})")
    _counted(ctx, before, 1, "after one bad-CRC frame")
    ctx.require(ctx.zone_state(ctx.status(), zone)[1] == 0, "a SET with a bad CRC was acted on (§2.4)")
    good = ctx.dut.send(MsgType.SET, frames.set_payload([ctx.caps.moving(zone)]), seq=bad.seq)
    ctx.ack(ctx.dut.reply(good), MsgType.SET, "the same SET with a good CRC and the same seq (§4: the NAK "
            "to an invalid frame is never stored, so the retransmission is acted on)")
    ctx.require(ctx.zone_state(ctx.status(), zone)[1] == 1, "the good SET was not applied")
    estop = ctx.dut.send(MsgType.ESTOP, crc_ok=False)
    ctx.nak(ctx.dut.reply(estop), NakCode.BAD_CRC, 0, "an ESTOP with a bad CRC")
    status = ctx.status()
    ctx.require_state(status, DeviceState.ACTIVE, "after an ESTOP with a bad CRC (§6.3: only a valid frame "
                      "is an ESTOP)")
    for seq in (0, 0x7F, 0xFF):
        sent = ctx.dut.send(MsgType.HEARTBEAT, seq=seq, crc_ok=False)
        reply = ctx.dut.reply(sent)
        ctx.nak(reply, NakCode.BAD_CRC, 0, f"a HEARTBEAT with a bad CRC and seq {seq}")


def check_resync(ctx: Ctx) -> None:
    """§2.4 steps 1-4: garbage is counted and never answered; empty frames are ignored; a leading 0x00 and
    a frame split across writes still work; two frames in one write get two answers."""
    ctx.fresh()
    before = _invalid_count(ctx)
    garbage = [(b"\x05\x01\x02\x00", "a COBS code byte pointing past the end"),
               (frames.wire(b"\x01\x02\x03"), "a body of 3 bytes, under MIN_BODY"),
               (b"\x07\x01\x02", "a half frame, then a 0x00 before the next frame")]
    for data, what in garbage:
        ctx.dut.write(data)
        if data.endswith(b"\x00"):
            _silent(ctx, what)
    ctx.dut.write(b"\x00\x00\x00")  # ends the half frame; then two empty frames, ignored
    _silent(ctx, "empty frames")
    _counted(ctx, before, len(garbage), "three garbage frames and two empty ones")
    ctx.ack(ctx.dut.request(MsgType.HEARTBEAT), MsgType.HEARTBEAT, "HEARTBEAT after garbage")
    _split(ctx)
    _paired(ctx)


def _split(ctx: Ctx) -> None:
    """A frame written one byte at a time is one frame (§2.4 step 1 collects up to the 0x00)."""
    sent = ctx.dut.build(MsgType.GET_STATUS)
    for i in range(len(sent.wire) - 1):
        ctx.dut.write(sent.wire[i:i + 1])
        ctx.dut.pause(0.002)
    last = ctx.dut.write(sent.wire[-1:])
    ctx.expect(ctx.dut.reply(replace(sent, t=last)), Status, "GET_STATUS written one byte at a time")


def _paired(ctx: Ctx) -> None:
    """Two frames in one write get two answers, in order."""
    first = ctx.dut.build(MsgType.HEARTBEAT)
    second = ctx.dut.build(MsgType.GET_ZONE, bytes([0]))
    t = ctx.dut.write(first.wire + second.wire)
    ctx.ack(ctx.dut.reply(replace(first, t=t)), MsgType.HEARTBEAT, "the first of two frames in one write")
    ctx.expect(ctx.dut.reply(replace(second, t=t)), ZoneInfo, "the second of two frames in one write")


def check_oversize(ctx: Ctx) -> None:
    """§2.3, §2.4 step 1: a run past MAX_ENCODED (247) bytes without 0x00 is discarded up to the next 0x00 —
    one invalid frame, no answer — while a frame of exactly MAX_ENCODED bytes is still read."""
    ctx.fresh()
    before = _invalid_count(ctx)
    for size in (MAX_ENCODED + 53, 1000):
        ctx.dut.write(bytes(range(1, 256)) * (size // 255) + bytes(range(1, size % 255 + 1)) + b"\x00")
        _silent(ctx, f"a run of {size} bytes without 0x00")
    _counted(ctx, before, 2, "two oversize runs (one invalid frame each)")
    longest = ctx.dut.send(MsgType.GET_STATUS, bytes([0x55]) * MAX_PAYLOAD)
    ctx.require(len(longest.wire) - 1 == MAX_ENCODED, "kit: the longest frame is not MAX_ENCODED bytes")
    ctx.nak(ctx.dut.reply(longest), NakCode.MALFORMED, 0,
            f"a GET_STATUS of {MAX_ENCODED} encoded bytes (valid frame, payload too long for its type)")
    _one_byte_over(ctx)


def _one_byte_over(ctx: Ctx) -> None:
    """248 encoded bytes: never valid. 1.1 discards it unanswered; a 1.0 receive buffer of 248 bytes sees
    `len` 241 and answers NAK MALFORMED (§2.3 calls that harmless). Either way it is one invalid frame."""
    before = _invalid_count(ctx)
    over = ctx.dut.build(MsgType.GET_STATUS, bytes([0x55]) * (MAX_PAYLOAD + 1))
    ctx.dut.resend(over)
    answers = ctx.dut.quiet(ctx.quiet_s)
    ok = not answers or (len(answers) == 1 and answers[0].seq == over.seq
                         and answers[0].payload[:1] == bytes([NakCode.MALFORMED]))
    ctx.require(ok, f"a frame of {MAX_ENCODED + 1} encoded bytes: expected no answer (or NAK MALFORMED), "
                f"got {answers[0].describe() if answers else ''}")
    _counted(ctx, before, 1, f"a frame of {MAX_ENCODED + 1} encoded bytes")


def check_header(ctx: Ctx) -> None:
    """§2.2, §2.4 step 6: a wrong `ver` is NAK BAD_VERSION (detail 1), a wrong `len` NAK MALFORMED; both
    invalid, so counted, never acted on and never stored as a duplicate (§4)."""
    ctx.fresh()
    zone = ctx.caps.ids[0]
    before = _invalid_count(ctx)
    for ver in (0, 2, 0xFF):
        ctx.nak(ctx.dut.request(MsgType.SET, frames.set_payload([ctx.caps.moving(zone)]), ver=ver),
                NakCode.BAD_VERSION, 1, f"a SET with ver {ver}")
    ctx.require(ctx.zone_state(ctx.status(), zone)[1] == 0, "a SET with a wrong ver was acted on")
    for length in (0, 2, MAX_PAYLOAD + 1, 0xFF):
        ctx.nak(ctx.dut.request(MsgType.GET_ZONE, bytes([0]), length=length), NakCode.MALFORMED, 0,
                f"a GET_ZONE of 1 payload byte with len {length}")
    _counted(ctx, before, 7, "three frames with a wrong ver and four with a wrong len")
    bad = ctx.dut.send(MsgType.HEARTBEAT, ver=2)
    ctx.nak(ctx.dut.reply(bad), NakCode.BAD_VERSION, 1, "a HEARTBEAT with ver 2")
    good = ctx.dut.send(MsgType.HEARTBEAT, seq=bad.seq)
    ctx.ack(ctx.dut.reply(good), MsgType.HEARTBEAT, "the same HEARTBEAT with ver 1 and the same seq (§4: "
            "the NAK to an invalid frame is never stored)")
    ctx.require_state(ctx.status(), DeviceState.READY, "after the invalid frames")
