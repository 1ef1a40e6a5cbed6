"""The simulated massager: firmware_protocol.md's device side — frames judged in §2.4's order and each
command's rules (§3) — on top of the time and safety core in sim/model.py.

`receive` feeds wire bytes at an explicit time; see DeviceModel for `advance`, `take_output` and
`next_deadline`. A defective device (sim/defects.py) overrides one of the small hooks marked below.
"""

from __future__ import annotations

from sim.messages import (
    Ack,
    AnyMessage,
    GetStatus,
    GetZone,
    Heartbeat,
    Hello,
    MalformedPayload,
    Nak,
    Renew,
    SetCmd,
    SoftStop,
    Status,
    ZoneInfo,
    decode_payload,
)
from sim.model import DeviceModel
from sim.protocol import (
    MAX_RAMP_MS,
    PROTOCOL_MAJOR,
    STATUS_FLAG_ONLY_ON,
    U16_MAX,
    U32_MASK,
    DeviceState,
    FaultFlag,
    MsgType,
    NakCode,
)
from sim.records import AppliedSet
from sim.reports import hello_reply
from sim.rules import check_entries, check_renew, header_nak, state_refusal
from sim.wire import BadFrame, BadReason, Frame, Garbage, Outcome, encode_frame
from sim.zones import Ramp

_COMMANDS = frozenset((MsgType.HELLO, MsgType.SET, MsgType.SOFT_STOP, MsgType.HEARTBEAT,
                       MsgType.GET_STATUS, MsgType.GET_ZONE, MsgType.RENEW))  # ESTOP, KEEPALIVE before
_ACK_ESTOP, _ACK_HEARTBEAT, _ACK_SET, _ACK_SOFT_STOP, _ACK_RENEW = (  # frozen: one of each serves all
    Ack(MsgType.ESTOP), Ack(MsgType.HEARTBEAT), Ack(MsgType.SET), Ack(MsgType.SOFT_STOP), Ack(MsgType.RENEW))
_NAK_FLAGS = Nak(NakCode.OUT_OF_RANGE, 0)
KEEPALIVE_FRAMES = frozenset(encode_frame(seq, MsgType.KEEPALIVE) for seq in range(256))  # §3.9, every seq


class Device(DeviceModel):
    """One simulated device, conforming to the document; `defects` names what a subclass breaks."""

    defects: tuple[str, ...] = ()

    def receive(self, data: bytes, now: float) -> None:
        """Raw wire bytes from the host arrive at `now` (frame faults apply before decoding)."""
        self.advance(now)
        self._timers_stale()
        self._decode(self._inbound.pass_through(data, self._now), self._now)

    def receive_keepalive(self, data: bytes, now: float) -> None:
        """`receive` for bytes that are a whole, valid KEEPALIVE frame (any seq), without decoding them
        where nothing can tell the difference: a conforming device, a channel with no frame fault and no
        half frame waiting; otherwise, or for any other bytes, exactly `receive` (issue 12)."""
        plain = not self.defects and self._inbound.straight and self._decoder.idle
        if not plain or data not in KEEPALIVE_FRAMES:
            self.receive(data, now)
            return
        self.advance(now)
        self._timers_stale()
        self._decoder.high_water = max(self._decoder.high_water, len(data) - 1)
        self.counters.frames_received += 1  # §2.4 and _on_frame, for a valid KEEPALIVE: the watchdog only
        if self._watchdog_deadline is not None:
            self._arm_watchdog(self._now)
        self.counters.keepalives += 1

    def _decode_delayed(self, t: float) -> None:
        self._decode(self._inbound.pop_ready(t), t)

    def _decode(self, data: bytes, t: float) -> None:
        for outcome in self._decoder.feed(data):
            self._on_outcome(outcome, t)

    # --- §2.4, in order ---

    def _on_outcome(self, outcome: Outcome, t: float) -> None:
        """Steps 1-5: garbage and bad frames are counted; CRC failures are NAKed."""
        if isinstance(outcome, Frame):
            self._on_frame(outcome, t)
        elif isinstance(outcome, Garbage):
            self.counters.invalid_frames += 1
            self.counters.garbage_bytes += outcome.n_bytes
        else:
            self._on_bad_frame(outcome, t)

    def _on_bad_frame(self, bad: BadFrame, t: float) -> None:
        """Hook: an invalid frame is counted, and a bad CRC answered NAK BAD_CRC (never stored)."""
        self.counters.invalid_frames += 1
        if bad.reason is BadReason.CRC and bad.seq is not None:
            self._out.reply(bad.seq, 0, Nak(NakCode.BAD_CRC, 0), t, remember=False)

    def _on_frame(self, frame: Frame, t: float) -> None:
        """Step 6 (version, length), then the valid frame: watchdog, ESTOP, HELLO, KEEPALIVE, duplicates."""
        self.counters.frames_received += 1
        if (nak := header_nak(frame)) is not None:
            self.counters.invalid_frames += 1
            self._out.reply(frame.seq, frame.type, nak, t, remember=False)
            return
        if self._watchdog_deadline is not None:
            self._arm_watchdog(t)
        if frame.type == MsgType.ESTOP:  # applied every time, whatever its payload (§4, §6.3)
            self._on_estop(frame, t)
        elif frame.type == MsgType.KEEPALIVE:  # never answered, duplicate memory untouched (§3.9)
            self.counters.keepalives += 1
        # HELLO is never a duplicate (§4): a new host starting at the seq a dead one last used must
        # still clear the latches, not get the old HELLO_REPLY back.
        elif frame.type == MsgType.HELLO or not self._is_duplicate(frame, t):
            self._dispatch(frame, t)

    def _on_estop(self, frame: Frame, t: float) -> None:
        """Hook: §6.3, everything off at once, then ACK."""
        self._estop(t)
        self._reply(frame, _ACK_ESTOP, t)

    def _is_duplicate(self, frame: Frame, t: float) -> bool:
        """Hook: §4, the same seq and type as the last answered command → its reply again, nothing else."""
        return self._out.resend_if_duplicate(frame.seq, frame.type, t)

    def _dispatch(self, frame: Frame, t: float) -> None:
        """Steps 11-12: only host → device commands are known; a bad payload size is MALFORMED."""
        if frame.type not in _COMMANDS:
            self._reply(frame, Nak(NakCode.UNKNOWN_TYPE, frame.type), t)
            return
        try:
            message = decode_payload(frame.type, frame.payload)
        except MalformedPayload:  # for HELLO too: a valid frame, so it fed the watchdog; nothing else
            self._reply(frame, Nak(NakCode.MALFORMED, 0), t)
            return
        match message:
            case Hello():
                self._on_hello(frame, message, t)
            case SetCmd():
                self._on_set(frame, message, t)
            case Renew():
                self._on_renew(frame, message, t)
            case SoftStop():
                self._on_soft_stop(frame, message, t)
            case GetZone():
                self._on_get_zone(frame, message, t)
            case GetStatus():
                self._on_get_status(frame, message, t)
            case Heartbeat():
                self._reply(frame, _ACK_HEARTBEAT, t)

    # --- the commands (§3) ---

    def _on_hello(self, frame: Frame, msg: Hello, t: float) -> None:
        """§3.1: all off, latches cleared (FAULT only once the latest reading is cool), session and
        duplicates reset; the ramp ends without STOPPED."""
        if msg.major == PROTOCOL_MAJOR:
            self.zones.all_off(t, "hello")
            self._ramp = None
            self._out.forget()
            self._session_start = None
            self._session_expired = False
            if self._flags & FaultFlag.OVERHEAT and not self.heater.cooled():
                self.state = DeviceState.FAULT
            else:
                self.state = DeviceState.READY
                self._flags = FaultFlag.NONE
                self._arm_watchdog(t)
        self._reply(frame, hello_reply(self.profile, self.boot_count, self.reset_cause), t)

    def _admit_set(self, msg: SetCmd, t: float) -> SetCmd | Nak:
        """Hook: §3.3's checks — the SET to apply, or the NAK that refuses it."""
        stuck = self._stuck_zone_id if self._stuck_active(t) else None
        return check_entries(msg, self._tables, stuck) or self._state_nak() or msg

    def _lease_deadline(self, lease_ms: int, t: float) -> float | None:
        """Hook: when a lease given at `t` runs out (§6.2)."""
        return t + lease_ms / 1000

    def _on_set(self, frame: Frame, msg: SetCmd, t: float) -> None:
        """§3.3: check every entry, then the state; apply whole or not at all."""
        admitted = self._admit_set(msg, t)
        if isinstance(admitted, Nak):
            self._reply(frame, admitted, t)
            return
        for entry in admitted.entries:
            self.zones.apply(entry, t, self._lease_deadline(entry.lease_ms, t))
        if self._session_start is None and any(not e.is_off for e in admitted.entries):
            self._session_start = t
        self.applied.append(AppliedSet(frame.seq, t, admitted.entries))
        self.counters.frames_applied += 1
        self._refresh_active()
        self._reply(frame, _ACK_SET, t)

    def _on_renew(self, frame: Frame, msg: Renew, t: float) -> None:
        """§3.10: the zone bits and lease, each named zone stuck or off, then the state; leases only."""
        stuck = self._stuck_zone_id if self._stuck_active(t) else None
        zone_ids = [z.id for z in self.profile.zones]
        nak = check_renew(msg, self.profile, zone_ids, self.zones.on_ids(), stuck) or self._state_nak()
        if nak is not None:
            self._reply(frame, nak, t)
            return
        self.zones.renew(msg.zones, self._lease_deadline(msg.lease_ms, t))
        self.counters.renewals += 1
        self._reply(frame, _ACK_RENEW, t)

    def _on_soft_stop(self, frame: Frame, msg: SoftStop, t: float) -> None:
        """§6.7: heater off at once, intensities ramp to 0, then EVENT STOPPED."""
        nak = Nak(NakCode.OUT_OF_RANGE, 0) if msg.ramp_ms > MAX_RAMP_MS else self._state_nak()
        if nak is not None:
            self._reply(frame, nak, t)
            return
        self._reply(frame, _ACK_SOFT_STOP, t)
        self.zones.heaters_off(t, "soft_stop")
        self.zones.clear_leases()
        initial = self.zones.intensities()
        if not initial or msg.ramp_ms == 0:
            self._finish_soft_stop(t)
            return
        self._ramp = Ramp(start_t=t, end_t=t + msg.ramp_ms / 1000, initial=initial)
        self.state = DeviceState.STOPPING

    def _on_get_zone(self, frame: Frame, msg: GetZone, t: float) -> None:
        """§3.5: ZONE_INFO for an index below zone_count, else NAK OUT_OF_RANGE."""
        if msg.index >= len(self.profile.zones):
            self._reply(frame, Nak(NakCode.OUT_OF_RANGE, 0), t)
            return
        zone = self.profile.zones[msg.index]
        self._reply(frame, ZoneInfo(msg.index, zone.id, zone.heated, zone.name), t)

    def _on_get_status(self, frame: Frame, msg: GetStatus, t: float) -> None:
        """§3.4: every zone, or (1.1 flags bit 0) only the zones that are on; other bits OUT_OF_RANGE."""
        flags = msg.flags or 0
        if flags & ~STATUS_FLAG_ONLY_ON:
            self._reply(frame, _NAK_FLAGS, t)
            return
        self._reply(frame, self._status(t, only_on=bool(flags & STATUS_FLAG_ONLY_ON)), t)

    def _state_nak(self) -> Nak | None:
        code = state_refusal(self.state, self._session_expired)
        if code is None:
            return None
        detail = self.heater.temp_c_u8 if code is NakCode.OVERHEAT else 0
        return Nak(code, detail)

    def _status(self, t: float, only_on: bool = False) -> Status:
        session_s = 0 if self._session_start is None else int(t - self._session_start)
        return Status(
            state=self.state, faults=self.fault_flags, temp_dC=self.heater.status_dC,
            uptime_ms=int((t - self._uptime_base) * 1000) & U32_MASK,
            session_s=min(session_s, U16_MAX),
            invalid_frames=min(self.counters.invalid_frames - self._invalid_base, U16_MAX),
            boot_count=self.boot_count, zones=self.zones.states(only_on),
        )

    def _reply(self, frame: Frame, message: AnyMessage, t: float) -> None:
        """Answer a valid frame; remembered for duplicates (§4) unless it answers a HELLO."""
        self._out.reply(frame.seq, frame.type, message, t, remember=frame.type != MsgType.HELLO)
