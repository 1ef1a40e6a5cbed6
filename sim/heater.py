"""The heater plate (§6.4): a first-order thermal model read every control period, with its history."""

from __future__ import annotations

from collections.abc import Sequence

from sim.profiles import Profile
from sim.protocol import FAULT_CLEAR_MARGIN_DC, HEATER_PERIOD_S, TEMP_NO_READING
from sim.thermal import regulation_target_dC, relax

_MAX_U8 = 255


class HeaterPlate:
    """Plate temperature in tenths of °C; `runaway` models a heater stuck on until the cutoff.

    `temp_dC` is the plate's true temperature at any instant; the device only knows `reading_dC`, its latest
    control-period reading, and reports and judges everything on it (§3.1, §3.4, §6.4).
    """

    def __init__(self, profile: Profile, now: float) -> None:
        self._profile = profile
        self.temp_dC = float(profile.ambient_dC)
        self._t = now
        self.runaway = False
        self.reading_dC = self.temp_dC  # the reading taken at power-up
        self.next_read_t = now + HEATER_PERIOD_S
        self.history: list[tuple[float, int]] = []
        self._target_for: tuple[tuple[int, ...], bool] | None = None  # (levels, runaway) of _target
        self._target = 0.0

    def advance_to(self, t: float, heat_levels: Sequence[int]) -> None:
        """Let the plate relax toward the present target up to `t` (targets change only at events)."""
        seen = self._target_for
        if seen is None or seen[0] != heat_levels or seen[1] != self.runaway:  # else the same target
            self._target = regulation_target_dC(self._profile, heat_levels, self.runaway)
            self._target_for = (tuple(heat_levels), self.runaway)
        target = self._target
        self.temp_dC = relax(self.temp_dC, target, self._profile.thermal_tau_s, t - self._t)
        self._t = max(self._t, t)

    def read(self, t: float) -> bool:
        """One control-period reading at `t`; True when above the cutoff (never without a sensor)."""
        self.next_read_t = t + HEATER_PERIOD_S
        if not self._profile.temp_sensor:
            return False
        self.reading_dC = self.temp_dC
        reading = round(self.temp_dC)
        if not self.history or self.history[-1][1] != reading:
            self.history.append((t, reading))
        return self.temp_dC > self._profile.max_temp_dC

    @property
    def status_dC(self) -> int:
        """STATUS temp_dC (§3.4): the latest reading, or -32768 without a sensor."""
        return round(self.reading_dC) if self._profile.temp_sensor else TEMP_NO_READING

    @property
    def temp_c_u8(self) -> int:
        """Whole °C of the latest reading, for EVENT OVERHEAT and NAK OVERHEAT (§3.6)."""
        return max(0, min(int(self.reading_dC // 10), _MAX_U8))

    def cooled(self) -> bool:
        """The latest reading is below max_temp − 3 °C, so a HELLO may leave FAULT (§3.1)."""
        return self.reading_dC < self._profile.max_temp_dC - FAULT_CLEAR_MARGIN_DC
