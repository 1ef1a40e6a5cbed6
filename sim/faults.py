"""Named, seeded faults: frame-level ones (drop, corrupt, duplicate, delay) and a timed one-shot schedule.

A FaultPlan is plain data. The frame faults are small pure functions driven by a `random.Random` seeded from
the plan, applied by a FaultyChannel to each direction of the link separately, so a run is reproducible.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass

from sim.protocol import FRAME_DELIMITER, MAX_ENCODED

MAX_FLIPPED_BITS = 3


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """What goes wrong, and when (times in seconds since the simulator started)."""

    drop: float = 0.0  # probability a frame is lost
    corrupt: float = 0.0  # probability 1-3 bits of a frame are flipped
    duplicate: float = 0.0  # probability a frame arrives twice
    delay: float = 0.0  # probability a frame arrives `delay_s` late (order is kept)
    delay_s: float = 0.03
    seed: int = 0
    disconnect_at: float | None = None  # the port vanishes (USB unplug)
    reconnect_after_s: float | None = None  # servers only: the port comes back this long after
    disconnect_every_s: float | None = None  # a flapping link: after each replug it vanishes again this late
    reset_at: float | None = None  # the device restarts (§6.6, reset cause 1)
    overheat_at: float | None = None  # heater runaway: the plate heats until the cutoff (§6.4)
    stuck_zone: str | None = None  # this zone's drive is faulty: SET naming it is NAK ZONE_STUCK
    stuck_at: float = 0.0
    awol_at: float | None = None  # the device stops sending anything

    def __post_init__(self) -> None:
        for name in ("drop", "corrupt", "duplicate", "delay"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"fault probability {name} must be within 0…1")
        times = (self.delay_s, self.stuck_at, self.disconnect_at, self.reconnect_after_s,
                 self.disconnect_every_s, self.reset_at, self.overheat_at, self.awol_at)
        if any(t is not None and t < 0 for t in times):
            raise ValueError("fault times and delays must not be negative")

    @property
    def has_frame_faults(self) -> bool:
        """True when any frame-level fault can fire."""
        return any((self.drop, self.corrupt, self.duplicate, self.delay))


NO_FAULTS = FaultPlan()


def flip_bits(frame: bytes, rng: random.Random) -> bytes:
    """Flip 1-3 distinct bits of `frame`, never in its final delimiter."""
    body = bytearray(frame[:-1] if frame.endswith(bytes((FRAME_DELIMITER,))) else frame)
    if not body:
        return frame
    count = min(rng.randint(1, MAX_FLIPPED_BITS), len(body) * 8)
    for bit in rng.sample(range(len(body) * 8), count):
        body[bit // 8] ^= 1 << (bit % 8)
    return bytes(body) + frame[len(body) :]


def fault_frame(frame: bytes, plan: FaultPlan, rng: random.Random) -> list[tuple[float, bytes]]:
    """What one frame becomes: (extra delay in s, bytes) copies; none when dropped."""
    rolls = [rng.random() for _ in range(4)]  # always four draws, so one fault never shifts another
    if rolls[0] < plan.drop:
        return []
    if rolls[1] < plan.corrupt:
        frame = flip_bits(frame, rng)
    delay_s = plan.delay_s if rolls[3] < plan.delay else 0.0
    copies = 2 if rolls[2] < plan.duplicate else 1
    return [(delay_s, frame)] * copies


class FaultyChannel:
    """One direction of the link: bytes in, bytes out when due, with the plan's frame faults applied."""

    def __init__(self, plan: FaultPlan, rng: random.Random) -> None:
        self._plan = plan
        self._rng = rng
        self._partial = bytearray()
        self._queue: deque[tuple[float, bytes]] = deque()
        self.frames_dropped = 0
        self._clean = not plan.has_frame_faults  # the plan is frozen: no fault can ever fire

    @property
    def straight(self) -> bool:
        """Bytes pass through at once and unchanged: no frame fault can fire and nothing is held back."""
        return self._clean and not self._queue

    def pass_through(self, data: bytes, now: float) -> bytes:
        """`push(data, now)` then `pop_ready(now)`, without queueing when nothing can hold bytes back."""
        if self._clean and not self._queue:
            return bytes(data)
        self.push(data, now)
        return self.pop_ready(now)

    def push(self, data: bytes, now: float) -> None:
        """Accept bytes sent at `now`; only whole frames (ending in 0x00) are subject to faults."""
        if self._clean:
            self._enqueue(now, data)
            return
        self._partial += data
        while (stop := self._partial.find(FRAME_DELIMITER)) >= 0:
            frame = bytes(self._partial[: stop + 1])
            del self._partial[: stop + 1]
            copies = fault_frame(frame, self._plan, self._rng)
            self.frames_dropped += not copies
            for delay_s, out in copies:
                self._enqueue(now + delay_s, out)
        if len(self._partial) > MAX_ENCODED:  # no frame in sight: pass garbage through untouched
            self._enqueue(now, bytes(self._partial))
            self._partial.clear()

    def _enqueue(self, ready_t: float, data: bytes) -> None:
        """Queue bytes, never letting a later frame overtake an earlier (delay, not reorder)."""
        if self._queue:
            ready_t = max(ready_t, self._queue[-1][0])
        self._queue.append((ready_t, data))

    def pop_ready(self, now: float) -> bytes:
        """Every queued byte due by `now`, in order."""
        queue = self._queue
        if not queue or queue[0][0] > now:
            return b""
        if len(queue) == 1:
            return bytes(queue.popleft()[1])
        out = bytearray()
        while self._queue and self._queue[0][0] <= now:
            out += self._queue.popleft()[1]
        return bytes(out)

    def next_ready(self) -> float | None:
        """When the next queued bytes fall due, or None."""
        return self._queue[0][0] if self._queue else None

    def clear(self) -> None:
        """Lose everything in flight, as a cut cable does."""
        self._partial.clear()
        self._queue.clear()
