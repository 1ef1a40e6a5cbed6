"""Requests to a running player from other threads (keys, a script, a signal handler, a front end)."""

from __future__ import annotations

from collections import deque

from controller.clock import Wake


class Controls:
    """Thread-safe requests to a running player; each wakes the loop at once (a signal handler's too)."""

    def __init__(self) -> None:
        self.wake = Wake()
        self._queue: deque[str] = deque()

    def post(self, request: str) -> None:
        self._queue.append(request)
        self.wake.set()

    def pause(self) -> None:
        self.post("pause")

    def resume(self) -> None:
        self.post("resume")

    def toggle_pause(self) -> None:
        self.post("toggle_pause")

    def intensity_up(self) -> None:
        self.post("intensity_up")

    def intensity_down(self) -> None:
        self.post("intensity_down")

    def set_offset(self, level: int) -> None:
        """Set the user's intensity offset to `level`, clamped to what the +/- keys allow."""
        self.post(f"set_offset {int(level)}")

    def skip(self) -> None:
        self.post("skip")

    def stop(self) -> None:
        self.post("stop")

    def emergency_stop(self) -> None:
        self.post("emergency_stop")

    def halt(self) -> None:
        """Stop at once, as Ctrl-C does (a service shutting down): the session halts, without a ramp."""
        self.post("halt")

    def interrupt(self) -> None:
        """From a signal handler: stop now, as Ctrl-C does. Lock-free (a deque append and Wake.set: the
        handler may run inside the wait of the very thread it interrupts), so the loop wakes at once; the
        player stops between two device exchanges, never in the middle of one."""
        self.post("interrupt")

    def take(self) -> list[str]:
        self.wake.clear()
        items = []
        while self._queue:
            items.append(self._queue.popleft())
        return items
