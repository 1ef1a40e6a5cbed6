"""Plain timestamped lines for pipes and CI: a line only when something it shows has changed."""

from __future__ import annotations

from typing import TextIO

from controller.runs.player import Snapshot
from controller.timeline import Timeline, ZoneSetting
from controller.timetext import clock_text, stamp_text
from controller.ui.text import settings_text, state_label, step_count
from controller.wire.capabilities import DeviceCapabilities

SETTLE_S = 1.0          # plain view: a ramp's changes within a step make one line per program second
TEMPERATURE_STEP_C = 1.0  # plain view: report temperature moves of at least this much, not sensor jitter


class PlainView:
    """Timestamped lines (program position, [hh:mm:ss]) for pipes and CI; silent while nothing changes."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._steps = 0
        self._position_s = 0.0
        self._state = ""
        self._step = -1
        self._settings: tuple[ZoneSetting, ...] = ()
        self._settings_at = float("-inf")
        self._offset = 0
        self._temperature_c: float | None = None

    def start(self, timeline: Timeline, caps: DeviceCapabilities) -> None:
        self._steps = step_count(timeline)
        where = f"{caps.model} [simulator]" if caps.simulator else caps.model
        self._line(f"{timeline.program_name} ({timeline.program_id}) on {where}: "
                   f"{self._steps} steps, {clock_text(timeline.total_s)}")

    def update(self, snap: Snapshot) -> None:
        self._position_s = snap.position_s
        if snap.state != self._state:
            self._state, self._settings_at = snap.state, snap.position_s
            self._line(state_label(snap.state))
        if snap.step != self._step:
            self._step_line(snap)
        elif snap.settings != self._settings:
            self._settings_changed(snap)
        if snap.offset != self._offset:
            self._offset = snap.offset
            self._line(f"intensity offset {snap.offset:+d}")
        self._temperature(snap.temperature_c)

    def note(self, text: str) -> None:
        self._line(text)

    def finish(self, outcome: str, message: str) -> None:
        self._line(outcome.replace("_", " ") + (f": {message}" if message else ""))

    def _settings_changed(self, snap: Snapshot) -> None:
        """Within a step, while running: one line per SETTLE_S, so a ramp does not flood the output."""
        if snap.state != "running":
            self._settings = snap.settings  # pausing, stopping: the state line already said so
        elif snap.position_s - self._settings_at >= SETTLE_S:
            self._step_line(snap)

    def _step_line(self, snap: Snapshot) -> None:
        self._step, self._settings, self._settings_at = snap.step, snap.settings, snap.position_s
        name = f" ({snap.step_name})" if snap.step_name else ""
        self._line(f"step {snap.step}/{self._steps}{name}: {settings_text(snap.settings)}")

    def _temperature(self, temperature_c: float | None) -> None:
        if temperature_c is None:
            return
        last = self._temperature_c
        if last is None or abs(temperature_c - last) >= TEMPERATURE_STEP_C:
            self._temperature_c = temperature_c
            self._line(f"temperature {temperature_c:.1f} °C")

    def _line(self, text: str) -> None:
        self.stream.write(f"[{stamp_text(self._position_s)}] {text}\n")
        self.stream.flush()
