"""The simulator on TCP, one client at a time, for pyserial's `socket://HOST:PORT` URLs."""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterable
from pathlib import Path

from controller.clock import Clock, RealClock
from sim.defects import device_class
from sim.device import Device
from sim.faults import FaultPlan
from sim.profiles import Profile
from sim.serve import READ_CHUNK, ServeLoop


class TcpEndpoint:
    """A listener; while a client is connected the listener is not polled, so others wait in backlog."""

    def __init__(self, host: str, port: int) -> None:
        self._listener = socket.create_server((host, port), backlog=1)
        self._listener.setblocking(False)
        self.host, self.port = self._listener.getsockname()[:2]
        self._client: socket.socket | None = None

    def read_fds(self) -> list[int]:
        return [self._client.fileno() if self._client else self._listener.fileno()]

    def read(self, fd: int) -> bytes:
        if self._client is None:
            self._accept()
            return b""
        try:
            data = self._client.recv(READ_CHUNK)
        except BlockingIOError:
            return b""
        except OSError:
            data = b""
        if not data:  # the host closed its end
            self.disconnect()
        return data

    def _accept(self) -> None:
        try:
            client, _ = self._listener.accept()
        except BlockingIOError:
            return
        client.setblocking(False)
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._client = client

    def write_fd(self) -> int | None:
        return self._client.fileno() if self._client else None

    def send(self, data: bytes) -> int:
        if self._client is None:
            raise OSError(errno.ENOTCONN, "no client")
        return self._client.send(data)

    def disconnect(self) -> None:
        """Drop the present client (the host sees the connection close)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def reconnect(self) -> str:
        return f"socket://{self.host}:{self.port}"

    def close(self) -> None:
        self.disconnect()
        self._listener.close()


class TcpServer:
    """A simulated device served on TCP from a background thread; port 0 picks a free port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, profile: Profile | str = "foot",
                 faults: FaultPlan | None = None, clock: Clock | None = None,
                 record_path: str | Path | None = None, boot_count: int = 0,
                 defects: Iterable[str] = ()) -> None:
        self._profile = profile
        self._faults = faults
        self._clock = clock or RealClock()
        self._record_path = Path(record_path) if record_path else None
        self._boot_count = boot_count
        self._device_class = device_class(defects)  # NON-CONFORMING when any: conformance tests only
        self._endpoint = TcpEndpoint(host, port)
        self.port: int = self._endpoint.port
        self._loop: ServeLoop | None = None

    @property
    def url(self) -> str:
        """What to give serial.serial_for_url."""
        return self._endpoint.reconnect()

    @property
    def device(self) -> Device:
        return self._running().device

    def start(self) -> str:
        """Power the device up and serve it; returns the socket:// URL."""
        device = self._device_class(self._profile, self._clock.now(), self._boot_count, self._faults)
        self._loop = ServeLoop(device, self._clock, self._endpoint, self._record_path)
        self._loop.start()
        return self.url

    def stop(self, *, power_off: bool = False) -> None:
        """Stop serving; `power_off` turns every actuator off first, as a simulator that exits does."""
        if self._loop is not None:
            self._loop.stop(power_off=power_off)
            self._loop = None
        else:
            self._endpoint.close()

    def disconnect(self) -> None:
        """Drop the connected client; the device keeps running and accepts the next one."""
        loop = self._running()
        loop.call(loop.disconnect)

    def press_button(self, button: int) -> None:
        """Press the device's button: 1 stop, 2 pause, 3 intensity up, 4 intensity down (§3.6)."""
        self._running().press_button(button)

    def foot_sensor(self, removed: bool) -> None:
        """The foot sensor sees the foot removed (True) or back in place (False)."""
        self._running().foot_sensor(removed)

    def _running(self) -> ServeLoop:
        if self._loop is None:
            raise RuntimeError("TcpServer is not started")
        return self._loop

    def __enter__(self) -> TcpServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
