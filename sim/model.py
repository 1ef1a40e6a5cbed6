"""The device's time and safety core: timers, stops and the device's own inputs (§5, §6), driven by
explicit times. Frame handling is in sim/device.py, on top of this.

No threads, no I/O, no clock of its own: callers pass `now`. `advance` fires every timer due (each at its
exact deadline, in time order and, at the same instant, in §5.1's order), `take_output` hands over the bytes
due by `now`, and `next_deadline` says when something will next happen so a virtual clock can jump
straight there.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable

from sim.faults import NO_FAULTS, FaultPlan, FaultyChannel
from sim.heater import HeaterPlate
from sim.outbox import Outbox
from sim.profiles import PROFILES, Profile
from sim.protocol import (
    RESET_CAUSE_POWER_ON,
    RESET_CAUSE_WATCHDOG,
    U16_MAX,
    DeviceState,
    EventCode,
    FaultFlag,
)
from sim.records import AppliedSet, Counters, EventRecord, TimelineEntry
from sim.rules import ProfileTables, zone_id_by_name
from sim.wire import StreamDecoder
from sim.zones import Ramp, ZoneBank

Action = Callable[[float], None]
Timer = tuple[float, Action]
_UNKNOWN = float("-inf")
RUNNING = (DeviceState.READY, DeviceState.ACTIVE, DeviceState.STOPPING)
ADVISORY_BUTTONS = (2, 3, 4)  # pause, intensity up, intensity down: reported only (§3.6)


class DeviceModel:
    """One simulated device's state and timers; `boot_count` is the count stored before this power-up."""

    def __init__(self, profile: Profile | str, now: float, boot_count: int = 0,
                 faults: FaultPlan | None = None) -> None:
        self.profile = PROFILES[profile] if isinstance(profile, str) else profile
        self.faults = faults or NO_FAULTS
        self.created_at = now
        self.boot_count = boot_count
        self.applied: list[AppliedSet] = []
        self.counters = Counters()
        self._tables = ProfileTables.of(self.profile)
        self._inbound = FaultyChannel(self.faults, random.Random(f"{self.faults.seed}:in"))
        outbound = FaultyChannel(self.faults, random.Random(f"{self.faults.seed}:out"))
        self._out = Outbox(outbound, self.counters, self.fault_time(self.faults.awol_at))
        self._decoder = StreamDecoder()
        self._now = now
        # Nothing can fall due before this (the earliest timer when last computed); _UNKNOWN forces a look.
        # Only frames, the device's own inputs and drop_link_buffers change timers from outside `advance`.
        self._quiet_until = _UNKNOWN
        self.heater = HeaterPlate(self.profile, now)
        self._scheduled: list[tuple[float, int, Action]] = []  # (t, tie-break, action): a heap
        self._tie = itertools.count()
        for at, action in ((self.faults.reset_at, self._fault_reset),
                           (self.faults.overheat_at, self._fault_runaway)):
            if at is not None:
                self.schedule(now + at, action)
        self._stuck_zone_id = zone_id_by_name(self.profile, self.faults.stuck_zone)
        self.zones = ZoneBank(self.profile)
        self._power_up(now, RESET_CAUSE_POWER_ON)

    @property
    def timeline(self) -> list[TimelineEntry]:
        """Every actuator change, append-only, in time order."""
        return self.zones.timeline

    @property
    def temp_dC(self) -> float:
        """Heater-plate temperature at the last time the device was advanced to (the truth, not a reading)."""
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

    def schedule(self, t: float, action: Action) -> None:
        """Run `action(t)` at `t`, after the protocol's own timers due at that instant (§5.1)."""
        self._timers_stale()
        heapq.heappush(self._scheduled, (t, next(self._tie), action))

    def reset(self, now: float) -> None:
        """The device restarts now (§6.6, reset cause 1), as FaultPlan reset_at makes it do."""
        self.advance(now)
        self._timers_stale()
        self._fault_reset(self._now)

    def power_off(self, now: float) -> None:
        """The simulator is shutting down: every actuator off, recorded with cause `shutdown`."""
        self.advance(now)
        self._timers_stale()
        self._stop_all(self._now, "shutdown", DeviceState.WAITING, FaultFlag.NONE)

    # --- the device's own inputs (§3.6, §6.3), handled after the timers due at the same instant ---

    def press_stop_button(self, now: float) -> None:
        """The device's own stop button (§6.3): latch ESTOP and send EVENT BUTTON 1."""
        self.advance(now)
        self._timers_stale()
        self._estop(self._now)
        self._out.event(EventCode.BUTTON, 1, self._now)

    def press_button(self, button: int, now: float) -> None:
        """BUTTON 1 is the stop button; 2 pause, 3 intensity up, 4 down are only reported (§3.6)."""
        if button == 1:
            self.press_stop_button(now)
            return
        if button not in ADVISORY_BUTTONS:
            raise ValueError(f"no button {button}: 1 stop, 2 pause, 3 intensity up, 4 intensity down")
        self.advance(now)
        self._out.event(EventCode.BUTTON, button, self._now)

    def foot_sensor(self, removed: bool, now: float) -> None:
        """The foot sensor: EVENT FOOT_REMOVED 1 (removed) or 0 (back); the device does nothing else."""
        self.advance(now)
        self._out.event(EventCode.FOOT_REMOVED, int(removed), self._now)

    # --- timers ---

    def _timers_stale(self) -> None:
        """Forget the cached earliest deadline: call before anything that can add or move a timer."""
        self._quiet_until = _UNKNOWN

    def _earliest_timer(self) -> Timer:
        """The earliest pending deadline with what fires at it; on a tie, the first in §5.1's order: the
        heater reading (cutoff), watchdog, session cap, leases, ramp; then the simulator's own scheduled
        actions (faults) and delayed inbound bytes, which are like frames arriving."""
        deadline, fire = self.heater.next_read_t, self._heater_tick
        if (watchdog := self._watchdog_deadline) is not None and watchdog < deadline:
            deadline, fire = watchdog, self._watchdog_trip
        if (session_end := self._session_end()) is not None and session_end < deadline:
            deadline, fire = session_end, self._session_limit
        if (lease := self.zones.next_lease_deadline()) is not None and lease < deadline:
            deadline, fire = lease, self._lease_expiry
        if self._ramp is not None and (ramp_t := self._ramp.next_t) < deadline:
            deadline, fire = ramp_t, self._ramp_tick
        if self._scheduled and (at := self._scheduled[0][0]) < deadline:
            deadline, fire = at, self._run_scheduled
        if (ready := self._inbound.next_ready()) is not None and ready < deadline:
            deadline, fire = ready, self._decode_delayed
        return deadline, fire

    def _decode_delayed(self, t: float) -> None:
        """Inbound bytes a delay fault held back fall due (frame handling is the subclass's)."""
        raise NotImplementedError

    def _at(self, t: float) -> None:
        """Move the device's time (and the plate temperature) forward to `t`."""
        if t <= self._now:
            return
        self.heater.advance_to(t, self.zones.heat_levels())
        self._now = t

    def _session_end(self) -> float | None:
        if self._session_start is None or self._session_expired or self.state not in RUNNING:
            return None
        return self._session_start + self.profile.max_session_s

    def _stuck_active(self, t: float) -> bool:
        return self._stuck_zone_id is not None and t >= self.created_at + self.faults.stuck_at

    def _heater_tick(self, t: float) -> None:
        """§6.4: a reading every period; above max_temp while flag OVERHEAT is clear: cut off."""
        if self.heater.read(t) and not self._flags & FaultFlag.OVERHEAT:
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
        """§6.2: a zone's lease ran out without a new SET entry or RENEW for it."""
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

    def _run_scheduled(self, t: float) -> None:
        _, _, action = heapq.heappop(self._scheduled)
        action(t)

    def _fault_reset(self, t: float) -> None:
        """FaultPlan reset_at: the device restarts (§6.6, reset cause 1)."""
        self._power_up(t, RESET_CAUSE_WATCHDOG)

    def _fault_runaway(self, t: float) -> None:
        """FaultPlan overheat_at: the heater runs away until the cutoff (§6.4)."""
        self.heater.runaway = True

    # --- stops ---

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
        """Every actuator and the heater off at once (leases end), the ramp ends without STOPPED, the
        watchdog disarms; then latch `state` and `flag` (§5.1, §6)."""
        self.zones.all_off(t, cause)
        self._ramp = None
        self._watchdog_deadline = None
        self.state = state
        self._flags |= flag

    def _estop(self, t: float) -> None:
        """§6.3: everything off and ESTOP latched, in every state."""
        self._stop_all(t, "estop", DeviceState.ESTOP, FaultFlag.ESTOP)

    def _arm_watchdog(self, t: float) -> None:
        """§6.1: armed by a HELLO reaching READY; restarted by every valid frame while armed."""
        self._watchdog_deadline = t + self.profile.watchdog_ms / 1000

    def _finish_soft_stop(self, t: float) -> None:
        """§6.7: the soft stop completes — the only place EVENT STOPPED is sent."""
        self.zones.all_off(t, "soft_stop")
        self._ramp = None
        self.state = DeviceState.READY
        self._out.event(EventCode.STOPPED, 0, t)

    def _refresh_active(self) -> None:
        """READY ⇄ ACTIVE follows whether any actuator is on (§3.7)."""
        if self.state in (DeviceState.READY, DeviceState.ACTIVE):
            self.state = DeviceState.ACTIVE if self.zones.any_on() else DeviceState.READY
