"""The session limit, counted on what the device does (firmware_protocol.md §9, docs/safety.md).

Massage time is actuation time since the session began: every stretch the device ran for the host, plus
what it may do on its own afterwards — the soft stop's ramp, and after a lost link up to one watchdog
period — summed across pauses, stops, reconnects and device resets. Pauses do not count (the device is off).
The player starts the final soft stop one ramp before the limit, so the device's own record never shows
more than the limit, however often the link drops.

The device's own cap (§6.5) is wall time since its first SET after a HELLO, pauses included, and a HELLO
restarts it. The host never asks for more than what is left of its own limit, and ends the session
DEVICE_CAP_MARGIN_S before the device's cap, so that cap never has to fire.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from controller.safety.limits import DEVICE_CAP_MARGIN_S

EPS_S = 1e-9  # a deadline this close is due: float rounding must not leave a virtual clock standing before it


@dataclass
class SessionBudget:
    """Actuation time used and left; the device's own session as far as the host can tell."""

    limit_s: float
    device_cap_s: float = math.inf   # the device's max_session_s (inf: it reports none)
    used_s: float = 0.0              # finished stretches, with what the device did after each
    running_since: float | None = None
    device_since: float | None = None  # when the device's own session began (no later than it did)

    def used(self, now: float) -> float:
        running = now - self.running_since if self.running_since is not None else 0.0
        return self.used_s + running

    def left(self, now: float) -> float:
        """Actuation time still allowed."""
        return self.limit_s - self.used(now)

    def run(self, now: float) -> None:
        """The device runs for the host from `now`."""
        self.running_since = now

    def halt(self, now: float, afterwards_s: float = 0.0) -> None:
        """The host stopped running the device at `now`; the device may go on `afterwards_s` on its own."""
        if self.running_since is not None:
            self.used_s += now - self.running_since + afterwards_s
            self.running_since = None

    def device_started(self, at: float) -> None:
        """The device holds something on since `at`: its own session has begun, if it had not."""
        if self.device_since is None:
            self.device_since = at

    def new_device_session(self) -> None:
        """A HELLO ended the device's session (a reconnect): its cap starts again at the next SET."""
        self.device_since = None

    def due(self, now: float, ramp_ms: int) -> str | None:
        """Why the session must end now, with a soft stop of `ramp_ms` that ends by the limit; else None."""
        if self.left(now) <= ramp_ms / 1000 + EPS_S:
            return f"session limit of {self.limit_s / 60:g} min reached"
        if now >= self.device_deadline() - EPS_S:
            return "the device's own session cap is near"
        return None

    def final_ramp_ms(self, now: float, ramp_ms: int) -> int:
        """The last soft stop's ramp: `ramp_ms`, cut to the actuation time that is left."""
        return int(max(0.0, min(self.left(now) * 1000, ramp_ms)))

    def device_deadline(self) -> float:
        """When the host must end the session, so the device's own cap never fires (inf: no session)."""
        if self.device_since is None:
            return math.inf
        return self.device_since + self.device_cap_s - DEVICE_CAP_MARGIN_S
