"""In-process link to a simulated device: a transport with the serial-port surface the host link uses.

The transport advances the device on the shared clock at every call, and a read that finds nothing waits
on the clock until the reply timeout or the device's next deadline, whichever is first, so on a
VirtualClock timeouts cost no wall time and every device timer fires at its exact time.
"""

from __future__ import annotations

import errno
import threading
from collections.abc import Iterable

from controller.clock import Clock, VirtualClock
from sim.defects import device_class
from sim.device import Device
from sim.faults import FaultPlan
from sim.profiles import Profile

_FOREVER = float("inf")


class SimTransport:
    """The host's end of the cable: write / read(max_bytes, timeout_s) / close, like a serial port."""

    def __init__(self, clock: Clock, device: Device) -> None:
        self._clock = clock
        self.device = device
        self._rx = bytearray()
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._closed = False
        self._unplugged = False
        self._unplug_t = device.fault_time(device.faults.disconnect_at)

    def write(self, data: bytes) -> None:
        """Send bytes to the device now; raises ConnectionResetError once unplugged."""
        with self._lock:
            now = self._check_open()
            self.device.receive(bytes(data), now)
            self._collect(now)
        self._wake.set()

    def write_keepalive(self, data: bytes) -> None:
        """`write` for a KEEPALIVE frame: on a VirtualClock the device takes it without decoding it where
        that changes nothing (Device.receive_keepalive); anywhere else exactly `write`."""
        if not self.runs_ahead():
            self.write(data)
            return
        with self._lock:
            now = self._check_open()
            self.device.receive_keepalive(bytes(data), now)
            self._collect(now)
        self._wake.set()

    def read(self, max_bytes: int, timeout_s: float) -> bytes:
        """Up to `max_bytes` from the device, waiting at most `timeout_s`; b"" on timeout."""
        deadline = self._clock.now() + max(0.0, timeout_s)
        while True:
            with self._lock:
                now = self._check_open()
                self._collect(now)
                if self._rx:
                    return self._pop(max_bytes)
                if now >= deadline:
                    return b""
                wake_t = min(deadline, self._next_event_t())
                self._wake.clear()
            self._clock.wait_until(wake_t, self._wake)

    def runs_ahead(self) -> bool:
        """True on a VirtualClock: the device lives in this process and time moves only when the host
        waits, so the host may hand it a run of keep-alives in one step (controller/runs/fastpath.py)."""
        return isinstance(self._clock, VirtualClock)

    @property
    def in_waiting(self) -> int:
        """Bytes readable right now without waiting."""
        with self._lock:
            self._collect(self._check_open())
            return len(self._rx)

    def close(self) -> None:
        """Close the host's end; the device keeps running (its watchdog will notice the silence)."""
        with self._lock:
            self._closed = True
        self._wake.set()

    def reopen(self) -> SimTransport:
        """Plug the cable back in: a fresh transport to the same device (after an unplug or close); with
        FaultPlan disconnect_every_s it is unplugged again that long after."""
        with self._lock:
            self._closed = True
            fresh = SimTransport(self._clock, self.device)
            every = self.device.faults.disconnect_every_s
            fresh._unplug_t = None if every is None else self._clock.now() + every
            return fresh

    def unplug(self) -> None:
        """Pull the cable now: this transport is gone for good (`reopen` plugs in a fresh one)."""
        with self._lock:
            self._unplug_t = self._clock.now()

    def _check_open(self) -> float:
        """The present time; raises if closed or if the scheduled unplug has happened."""
        if self._closed:
            raise OSError(errno.EBADF, "simulated port is closed")
        now = self._clock.now()
        if self._unplug_t is not None and now >= self._unplug_t:
            if not self._unplugged:  # what was in flight is lost with the cable
                self._unplugged = True
                self.device.advance(now)
                self.device.drop_link_buffers()
                self._rx.clear()
            raise ConnectionResetError(errno.ECONNRESET, "simulated device disconnected")
        return now

    def _collect(self, now: float) -> None:
        self._rx += self.device.take_output(now)

    def _pop(self, max_bytes: int) -> bytes:
        out = bytes(self._rx[:max_bytes])
        del self._rx[:max_bytes]
        return out

    def _next_event_t(self) -> float:
        """The earliest moment something can change for this reader: a device deadline or the unplug."""
        candidates = [self.device.next_deadline(), self._unplug_t]
        return min((t for t in candidates if t is not None), default=_FOREVER)


def make_pair(clock: Clock, profile: Profile | str = "foot", faults: FaultPlan | None = None,
              boot_count: int = 0, defects: Iterable[str] = ()) -> tuple[SimTransport, Device]:
    """A simulated device on `clock` and the host-side transport wired to it (no global registry).

    `defects` (sim/defects.py) make a NON-CONFORMING device, for testing the conformance kit only.
    """
    device = device_class(defects)(profile, clock.now(), boot_count=boot_count, faults=faults)
    return SimTransport(clock, device), device
