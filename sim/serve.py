"""The one serving loop behind the pty and TCP servers: select on the endpoint, feed the device, write back.

The loop sleeps in `select` until bytes arrive or the device's next deadline, so a command is answered as
soon as it lands and an idle simulator costs a few wake-ups a second, never a busy loop. Control requests
from other threads (stop, disconnect, reconnect) run inside the loop thread, woken through a pipe.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import IO, Protocol, TypeVar

from controller.clock import Clock
from sim.device import Device
from sim.records import event_json, timeline_json

log = logging.getLogger(__name__)

MAX_IDLE_S = 1.0  # upper bound on a select wait; the device's own deadlines are usually sooner
MAX_PENDING_OUT = 64 * 1024  # bytes held for a reader that is not reading; oldest dropped beyond
READ_CHUNK = 4096
CONTROL_TIMEOUT_S = 5.0
T = TypeVar("T")


class Endpoint(Protocol):
    """The byte pipe a device is served over: a pseudo-terminal master, or a TCP listener and client."""

    def read_fds(self) -> list[int]: ...

    def read(self, fd: int) -> bytes:
        """Bytes from the host on a readable `fd` (b"" when there were none for the device)."""
        ...

    def write_fd(self) -> int | None: ...

    def send(self, data: bytes) -> int:
        """Write what fits without blocking; raises OSError when the peer is gone."""
        ...

    def disconnect(self) -> None: ...

    def reconnect(self) -> str: ...

    def close(self) -> None: ...


class Recorder:
    """`--record`: the actuator timeline and events as JSON Lines, written as they happen."""

    def __init__(self, path: Path, device: Device) -> None:
        self._file: IO[str] = path.open("w", encoding="utf-8")
        self._device = device
        self._timeline_done = 0
        self._events_done = 0

    def flush(self) -> None:
        """Write every entry logged since the last flush, in time order."""
        timeline = self._device.timeline[self._timeline_done :]
        events = self._device.events[self._events_done :]
        if not timeline and not events:
            return
        self._timeline_done += len(timeline)
        self._events_done += len(events)
        t0 = self._device.created_at
        lines = [timeline_json(e, t0) for e in timeline] + [event_json(e, t0) for e in events]
        for line in sorted(lines, key=lambda item: float(str(item["t"]))):
            self._file.write(json.dumps(line) + "\n")
        self._file.flush()

    def close(self) -> None:
        self.flush()
        self._file.close()


class ServeLoop:
    """Runs one device over one endpoint in a background thread."""

    def __init__(self, device: Device, clock: Clock, endpoint: Endpoint,
                 record_path: Path | None = None) -> None:
        self.device = device
        self._clock = clock
        self._endpoint = endpoint
        self._recorder = Recorder(record_path, device) if record_path else None
        self._pending = bytearray()
        self._calls: list[tuple[Callable[[], object], Future[object]]] = []
        self._calls_lock = threading.Lock()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._stopping = False
        self._unplug_t = device.fault_time(device.faults.disconnect_at)
        self._replug_t: float | None = None
        self._thread = threading.Thread(target=self._run, name="sim-serve", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def call(self, fn: Callable[[], T]) -> T:
        """Run `fn` inside the loop thread and return its result (control from other threads)."""
        future: Future[object] = Future()
        with self._calls_lock:
            self._calls.append((fn, future))
        self._poke()
        return future.result(timeout=CONTROL_TIMEOUT_S)  # type: ignore[return-value]

    def stop(self, *, power_off: bool = False) -> None:
        """End the loop, close the endpoint and the record file; `power_off` turns every actuator off
        first (recorded), as when the simulator process exits."""
        if power_off and self._thread.is_alive():
            self.call(lambda: self.device.power_off(self._clock.now()))
        self._stopping = True
        self._poke()
        self._thread.join(timeout=CONTROL_TIMEOUT_S)
        self._endpoint.close()
        if self._recorder is not None:
            self._recorder.close()
        os.close(self._wake_r)
        os.close(self._wake_w)

    def press_button(self, button: int) -> None:
        """The device's own button, pressed now, inside the loop thread (§3.6)."""
        self.call(lambda: self.device.press_button(button, self._clock.now()))

    def foot_sensor(self, removed: bool) -> None:
        """The foot sensor's EVENT FOOT_REMOVED, now, inside the loop thread (§3.6)."""
        self.call(lambda: self.device.foot_sensor(removed, self._clock.now()))

    def disconnect(self) -> None:
        """The host's port vanishes; bytes in flight are lost. The device keeps running."""
        self._endpoint.disconnect()
        self.device.drop_link_buffers()
        self._pending.clear()

    def _poke(self) -> None:
        with contextlib.suppress(BlockingIOError):  # a full pipe means the loop is already awake
            os.write(self._wake_w, b"\x01")

    def _run(self) -> None:
        try:
            while not self._stopping:
                self._iterate()
        except Exception:  # a crash here would silently freeze the simulated device
            log.exception("simulator loop stopped")
            raise

    def _iterate(self) -> None:
        """One wait and one round of reading, timers, scheduled link faults and writing."""
        wfd = self._endpoint.write_fd() if self._pending else None
        readable, _, _ = select.select(
            [self._wake_r, *self._endpoint.read_fds()], [] if wfd is None else [wfd], [],
            self._timeout_s(),
        )
        if self._wake_r in readable:
            self._run_calls()
        now = self._clock.now()
        for fd in readable:
            if fd != self._wake_r and (data := self._endpoint.read(fd)):
                self.device.receive(data, now)
        self.device.advance(now)
        self._link_faults(now)
        self._pending += self.device.take_output(now)
        self._flush()
        if self._recorder is not None:
            self._recorder.flush()

    def _timeout_s(self) -> float:
        """Until the device's next deadline or a scheduled link fault, at most MAX_IDLE_S."""
        soonest = self.device.next_deadline()
        for t in (self._unplug_t, self._replug_t):
            if t is not None and (soonest is None or t < soonest):
                soonest = t
        if soonest is None:
            return MAX_IDLE_S
        return min(max(0.0, soonest - self._clock.now()), MAX_IDLE_S)

    def _run_calls(self) -> None:
        while True:
            try:
                os.read(self._wake_r, READ_CHUNK)
            except BlockingIOError:
                break
        with self._calls_lock:
            calls, self._calls = self._calls, []
        for fn, future in calls:
            try:
                future.set_result(fn())
            except Exception as err:  # handed to the caller's thread
                future.set_exception(err)

    def _link_faults(self, now: float) -> None:
        """FaultPlan disconnect_at, the reconnect after reconnect_after_s, and again every
        disconnect_every_s after each reconnect."""
        if self._unplug_t is not None and now >= self._unplug_t:
            self._unplug_t = None
            self.disconnect()
            after = self.device.faults.reconnect_after_s
            self._replug_t = None if after is None else now + after
        if self._replug_t is not None and now >= self._replug_t:
            self._replug_t = None
            log.info("simulated device reconnected at %s", self._endpoint.reconnect())
            every = self.device.faults.disconnect_every_s
            self._unplug_t = None if every is None else now + every

    def _flush(self) -> None:
        """Write what the endpoint takes; keep the rest, bounded, for a slow reader."""
        if not self._pending or self._endpoint.write_fd() is None:
            self._pending.clear()
            return
        try:
            sent = self._endpoint.send(bytes(self._pending))
        except BlockingIOError:
            sent = 0
        except OSError:  # the host went away mid-write
            self._pending.clear()
            return
        del self._pending[:sent]
        if len(self._pending) > MAX_PENDING_OUT:
            del self._pending[: len(self._pending) - MAX_PENDING_OUT]
