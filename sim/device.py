"""The simulated massager: a pure model of firmware_protocol.md's device side, driven by explicit times.

No threads, no I/O, no clock of its own: callers pass `now`. `receive` feeds wire bytes, `advance` fires
every timer due (each at its exact deadline, in time order), `take_output` hands over the bytes due by `now`,
and `next_deadline` says when something will next happen so a virtual clock can jump straight there.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from sim.faults import NO_FAULTS, FaultPlan, FaultyChannel
from sim.heater import HeaterPlate
from sim.messages import (
    Ack,
    AnyMessage,
    GetStatus,
    GetZone,
    Heartbeat,
    Hello,
    MalformedPayload,
    Nak,
    SetCmd,
    SoftStop,
    Status,
    ZoneInfo,
    decode_payload,
)
from sim.outbox import Outbox
from sim.profiles import PROFILES, Profile
from sim.protocol import (
    MAX_RAMP_MS,
    PROTOCOL_MAJOR,
    RESET_CAUSE_POWER_ON,
    RESET_CAUSE_WATCHDOG,
    U16_MAX,
    U32_MASK,
    DeviceState,
    EventCode,
    FaultFlag,
    MsgType,
    NakCode,
)
from sim.records import AppliedSet, Counters, EventRecord, TimelineEntry
from sim.reports import hello_reply
from sim.rules import check_entries, header_nak, state_refusal, zone_id_by_name
from sim.wire import BadFrame, BadReason, Frame, Garbage, Outcome, StreamDecoder
from sim.zones import Ramp, ZoneBank

Timer = tuple[float, Callable[[float], None]]
_UNKNOWN = float("-inf")
_RUNNING = (DeviceState.READY, DeviceState.ACTIVE, DeviceState.STOPPING)
_COMMANDS = frozenset((MsgType.HELLO, MsgType.SET, MsgType.SOFT_STOP, MsgType.HEARTBEAT,
                       MsgType.GET_STATUS, MsgType.GET_ZONE))  # ESTOP is handled before these
_ACK_ESTOP, _ACK_HEARTBEAT, _ACK_SET, _ACK_SOFT_STOP = (  # frozen, so one of each serves every reply
    Ack(MsgType.ESTOP), Ack(MsgType.HEARTBEAT), Ack(MsgType.SET), Ack(MsgType.SOFT_STOP))


class Device:
    """One simulated device; `boot_count` is the count stored before this power-up (§6.6 adds one)."""

    def __init__(self, profile: Profile | str, now: float, boot_count: int = 0,
                 faults: FaultPlan | None = None) -> None:
        self.profile = PROFILES[profile] if isinstance(profile, str) else profile
        self.faults = faults or NO_FAULTS
        self.created_at = now
        self.boot_count = boot_count
        self.applied: list[AppliedSet] = []
        self.counters = Counters()
        self._inbound = FaultyChannel(self.faults, random.Random(f"{self.faults.seed}:in"))
        outbound = FaultyChannel(self.faults, random.Random(f"{self.faults.seed}:out"))
        self._out = Outbox(outbound, self.counters, self.fault_time(self.faults.awol_at))
        self._decoder = StreamDecoder()
        self._now = now
        # Nothing can fall due before this (the earliest timer when last computed); _UNKNOWN forces a look.
        # Only receive, press_stop_button and drop_link_buffers change timers from outside `advance`.
        self._quiet_until = _UNKNOWN
        self.heater = HeaterPlate(self.profile, now)
        self._one_shots = sorted(
            (now + at, kind) for kind, at in
            (("reset", self.faults.reset_at), ("overheat", self.faults.overheat_at)) if at is not None
        )
        self._stuck_zone_id = zone_id_by_name(self.profile, self.faults.stuck_zone)
        self.zones = ZoneBank(self.profile)
        self._power_up(now, RESET_CAUSE_POWER_ON)

    @property
    def timeline(self) -> list[TimelineEntry]:
        """Every actuator change, append-only, in time order."""
        return self.zones.timeline

    @property
    def temp_dC(self) -> float:
        """Heater-plate temperature at the last time the device was advanced to."""
        return self.heater.temp_dC

    @property
    def events(self) -> list[EventRecord]:
        """Every event the device sent (or tried to, when AWOL), in order."""
        return self._out.events

    @property
    def temperature_history(self) -> list[tuple[float, int]]:
        """(t, temp_dC) at each control-period reading where the rounded value changed."""
        return self.heater.history

    @property
    def fault_flags(self) -> FaultFlag:
        """STATUS `faults`: latched flags, plus ZONE_STUCK while a drive is faulty."""
        return self._flags | (FaultFlag.ZONE_STUCK if self._stuck_active(self._now) else 0)

    def fault_time(self, offset_s: float | None) -> float | None:
        """Absolute clock time of a FaultPlan time given relative to the simulator's start."""
        return None if offset_s is None else self.created_at + offset_s

    def receive(self, data: bytes, now: float) -> None:
        """Raw wire bytes from the host arrive at `now` (frame faults apply before decoding)."""
        self.advance(now)
        self._timers_stale()
        self._decode(self._inbound.pass_through(data, self._now), self._now)

    def advance(self, now: float) -> None:
        """Fire every timer due by `now`, each at its own deadline, earliest first."""
        if now < self._quiet_until:  # nothing falls due by `now`: only the plate moves on
            self._at(now)
            return
        while True:
            deadline, fire = self._earliest_timer()
            if deadline > now:
                break
            t = max(deadline, self._now)
            self._at(t)
            fire(t)
        self._quiet_until = deadline
        self._at(now)

    def take_output(self, now: float) -> bytes:
        """Bytes the device has sent by `now` (delay faults hold some back)."""
        self.advance(now)
        return self._out.take(self._now)

    def next_deadline(self) -> float | None:
        """When the device next needs `advance` (a timer or a delayed frame), or None."""
        deadline = self._quiet_until
        if deadline == _UNKNOWN:
            deadline = self._quiet_until = self._earliest_timer()[0]
        ready = self._out.next_ready()
        return deadline if ready is None or deadline <= ready else ready

    def drop_link_buffers(self) -> None:
        """Lose bytes in flight both ways, as unplugging the cable does."""
        self._timers_stale()
        self._inbound.clear()
        self._out.clear()

    def press_stop_button(self, now: float) -> None:
        """The device's own stop button (§6.3): latch ESTOP and send EVENT BUTTON 1."""
        self.advance(now)
        self._timers_stale()
        self._estop(self._now)
        self._out.event(EventCode.BUTTON, 1, self._now)

    def _timers_stale(self) -> None:
        """Forget the cached earliest deadline: call before anything that can add or move a timer."""
        self._quiet_until = _UNKNOWN

    def _earliest_timer(self) -> Timer:
        """The earliest pending deadline with what fires at it (on a tie, the first in this order):
        the heater control loop (always running), watchdog, leases, session end, ramp, one-shot faults,
        delayed inbound bytes."""
        deadline, fire = self.heater.next_read_t, self._heater_tick
        if (watchdog := self._watchdog_deadline) is not None and watchdog < deadline:
            deadline, fire = watchdog, self._watchdog_trip
        if (lease := self.zones.next_lease_deadline()) is not None and lease < deadline:
            deadline, fire = lease, self._lease_expiry
        if (session_end := self._session_end()) is not None and session_end < deadline:
            deadline, fire = session_end, self._session_limit
        if self._ramp is not None and (ramp_t := self._ramp.next_t) < deadline:
            deadline, fire = ramp_t, self._ramp_tick
        if self._one_shots and (shot_t := self._one_shots[0][0]) < deadline:
            deadline, fire = shot_t, self._one_shot
        if (ready := self._inbound.next_ready()) is not None and ready < deadline:
            deadline, fire = ready, self._decode_delayed
        return deadline, fire

    def _decode_delayed(self, t: float) -> None:
        """Inbound bytes a delay fault held back fall due."""
        self._decode(self._inbound.pop_ready(t), t)

    def _at(self, t: float) -> None:
        """Move the device's time (and the plate temperature) forward to `t`."""
        if t <= self._now:
            return
        self.heater.advance_to(t, self.zones.heat_levels())
        self._now = t

    def _session_end(self) -> float | None:
        if self._session_start is None or self._session_expired or self.state not in _RUNNING:
            return None
        return self._session_start + self.profile.max_session_s

    def _stuck_active(self, t: float) -> bool:
        return self._stuck_zone_id is not None and t >= self.created_at + self.faults.stuck_at

    def _heater_tick(self, t: float) -> None:
        """§6.4: read the plate every control period; above max_temp cut everything off."""
        if self.heater.read(t) and self.state != DeviceState.FAULT:
            self.heater.runaway = False
            self._stop_all(t, "overheat", DeviceState.FAULT, FaultFlag.OVERHEAT)
            self._out.event(EventCode.OVERHEAT, self.heater.temp_c_u8, t)

    def _watchdog_trip(self, t: float) -> None:
        """§6.1: host silence for watchdog_ms."""
        self._stop_all(t, "watchdog", DeviceState.SAFE_STOP, FaultFlag.WATCHDOG)
        self._out.event(EventCode.WATCHDOG, 0, t)

    def _session_limit(self, t: float) -> None:
        """§6.5: the session lasted max_session_s."""
        self._session_expired = True
        self._stop_all(t, "session_limit", DeviceState.SAFE_STOP, FaultFlag.SESSION_LIMIT)
        self._out.event(EventCode.SESSION_LIMIT, 0, t)

    def _lease_expiry(self, t: float) -> None:
        """§6.2: a zone's lease ran out without a new SET entry for it."""
        for zone_id in self.zones.expire_leases(t):
            self._out.event(EventCode.LEASE_EXPIRED, zone_id, t)
        self._refresh_active()

    def _ramp_tick(self, t: float) -> None:
        """§6.7: lower every ramping zone linearly; at the end, everything off and EVENT STOPPED."""
        ramp = self._ramp
        if ramp is None:
            return
        if t >= ramp.end_t:
            self._finish_soft_stop(t)
            return
        for zone_id, level in ramp.levels_at(t).items():
            self.zones.set_intensity(zone_id, level, t, "soft_stop")
        ramp.tick += 1

    def _one_shot(self, t: float) -> None:
        """A scheduled fault falls due: a reset (§6.6) or a heater runaway (§6.4)."""
        _, kind = self._one_shots.pop(0)
        if kind == "reset":
            self._power_up(t, RESET_CAUSE_WATCHDOG)
        else:
            self.heater.runaway = True

    def _power_up(self, t: float, cause: int) -> None:
        """§6.6: everything off, WAITING, boot_count + 1, event counter from 0, EVENT RESET."""
        self.zones.all_off(t, "reset")
        self.state = DeviceState.WAITING
        self._flags = FaultFlag.NONE
        self.boot_count = (self.boot_count + 1) & U16_MAX
        self.reset_cause = cause
        self._uptime_base = t
        self._invalid_base = self.counters.invalid_frames
        self._out.restart()
        self._decoder.reset()
        self._ramp: Ramp | None = None
        self._watchdog_deadline: float | None = None
        self._session_start: float | None = None
        self._session_expired = False
        self._out.event(EventCode.RESET, cause, t)

    def _stop_all(self, t: float, cause: str, state: DeviceState, flag: FaultFlag) -> None:
        """Every actuator and the heater off at once, then latch `state` and `flag`."""
        self.zones.all_off(t, cause)
        self._ramp = None
        self._watchdog_deadline = None
        self.state = state
        self._flags |= flag

    def _estop(self, t: float) -> None:
        """§6.3: everything off and ESTOP latched, in every state."""
        self._stop_all(t, "estop", DeviceState.ESTOP, FaultFlag.ESTOP)

    def _finish_soft_stop(self, t: float) -> None:
        self.zones.all_off(t, "soft_stop")
        self._ramp = None
        self.state = DeviceState.READY
        self._out.event(EventCode.STOPPED, 0, t)

    def _refresh_active(self) -> None:
        """READY ⇄ ACTIVE follows whether any actuator is on (§3.7)."""
        if self.state in (DeviceState.READY, DeviceState.ACTIVE):
            self.state = DeviceState.ACTIVE if self.zones.any_on() else DeviceState.READY

    def _decode(self, data: bytes, t: float) -> None:
        for outcome in self._decoder.feed(data):
            self._on_outcome(outcome, t)

    def _on_outcome(self, outcome: Outcome, t: float) -> None:
        """§2.4 in order: garbage and bad frames are counted; CRC failures are NAKed."""
        if isinstance(outcome, Frame):
            self._on_frame(outcome, t)
        elif isinstance(outcome, Garbage):
            self.counters.invalid_frames += 1
            self.counters.garbage_bytes += outcome.n_bytes
        elif isinstance(outcome, BadFrame):
            self.counters.invalid_frames += 1
            if outcome.reason is BadReason.CRC and outcome.seq is not None:
                self._out.reply(outcome.seq, 0, Nak(NakCode.BAD_CRC, 0), t, remember=False)

    def _on_frame(self, frame: Frame, t: float) -> None:
        """§2.4 step 5 and §4: version, length, then duplicates, type and payload."""
        self.counters.frames_received += 1
        if (nak := header_nak(frame)) is not None:
            self.counters.invalid_frames += 1
            self._out.reply(frame.seq, frame.type, nak, t, remember=False)
            return
        if self._watchdog_deadline is not None:
            self._watchdog_deadline = t + self.profile.watchdog_ms / 1000
        if frame.type == MsgType.ESTOP:  # applied every time, whatever its payload (§4, §6.3)
            self._estop(t)
            self._reply(frame, _ACK_ESTOP, t)
            return
        # HELLO is never a duplicate (§4): a new host starting at the seq a dead one last used must
        # still clear the latches, not get the old HELLO_REPLY back.
        if frame.type == MsgType.HELLO or not self._out.resend_if_duplicate(frame.seq, frame.type, t):
            self._dispatch(frame, t)

    def _dispatch(self, frame: Frame, t: float) -> None:
        """Only host → device commands are known to a device; a bad payload size is MALFORMED."""
        if frame.type not in _COMMANDS:
            self._reply(frame, Nak(NakCode.UNKNOWN_TYPE, frame.type), t)
            return
        try:
            message = decode_payload(frame.type, frame.payload)
        except MalformedPayload:
            self._reply(frame, Nak(NakCode.MALFORMED, 0), t)
            return
        match message:
            case Hello():
                self._on_hello(frame, message, t)
            case SetCmd():
                self._on_set(frame, message, t)
            case SoftStop():
                self._on_soft_stop(frame, message, t)
            case GetZone():
                self._on_get_zone(frame, message, t)
            case GetStatus():
                self._reply(frame, self._status(t), t)
            case Heartbeat():
                self._reply(frame, _ACK_HEARTBEAT, t)

    def _on_hello(self, frame: Frame, msg: Hello, t: float) -> None:
        """§3.1: all off, latches cleared (FAULT only once cooled), session and duplicates reset."""
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
                self._watchdog_deadline = t + self.profile.watchdog_ms / 1000
        self._reply(frame, hello_reply(self.profile, self.boot_count, self.reset_cause), t)

    def _on_set(self, frame: Frame, msg: SetCmd, t: float) -> None:
        """§3.3: check every entry, then the state; apply whole or not at all."""
        stuck = self._stuck_zone_id if self._stuck_active(t) else None
        nak = check_entries(msg, self.profile, stuck) or self._state_nak()
        if nak is not None:
            self._reply(frame, nak, t)
            return
        for entry in msg.entries:
            self.zones.apply(entry, t)
        if self._session_start is None and any(not e.is_off for e in msg.entries):
            self._session_start = t
        self.applied.append(AppliedSet(frame.seq, t, msg.entries))
        self.counters.frames_applied += 1
        self._refresh_active()
        self._reply(frame, _ACK_SET, t)

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

    def _state_nak(self) -> Nak | None:
        code = state_refusal(self.state, self._session_expired)
        if code is None:
            return None
        detail = self.heater.temp_c_u8 if code is NakCode.OVERHEAT else 0
        return Nak(code, detail)

    def _status(self, t: float) -> Status:
        session_s = 0 if self._session_start is None else int(t - self._session_start)
        return Status(
            state=self.state, faults=self.fault_flags, temp_dC=round(self.heater.temp_dC),
            uptime_ms=int((t - self._uptime_base) * 1000) & U32_MASK,
            session_s=min(session_s, U16_MAX),
            invalid_frames=min(self.counters.invalid_frames - self._invalid_base, U16_MAX),
            boot_count=self.boot_count, zones=self.zones.states(),
        )

    def _reply(self, frame: Frame, message: AnyMessage, t: float) -> None:
        """Answer a valid frame; remembered for duplicates (§4) unless it answers a HELLO."""
        self._out.reply(frame.seq, frame.type, message, t, remember=frame.type != MsgType.HELLO)
