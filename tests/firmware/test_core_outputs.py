"""What the core hands the board: each zone's PWM duty from intensity, motion and speed; the heater; and the
thermistor reading, checked against the Beta equation worked out independently here."""

from __future__ import annotations

import ctypes
import math

import pytest

from sim.messages import Heartbeat
from tests.firmware.core import Firmware
from tests.firmware.helpers import adc_for, index_of
from tests.sim.helpers import Host, entry, set_cmd

STEPS = 10  # DRIVE_STEPS: the PWM period in 1 ms ticks
VIBRATE, PULSE, PRESS = 9, 7, 6


def test_duty_follows_intensity_and_is_never_zero_while_the_envelope_is_up(lib: ctypes.CDLL) -> None:
    assert lib.host_constant(2) == STEPS
    assert [lib.host_drive_duty(VIBRATE, i, 0) for i in range(11)] == list(range(11))
    for motion in range(1, 10):
        for step in range(8):
            assert lib.host_drive_duty(motion, 0, step) == 0
            low, high = lib.host_drive_duty(motion, 1, step), lib.host_drive_duty(motion, 10, step)
            assert low <= high <= STEPS
            assert (low == 0) == (high == 0)  # the envelope is 0 there, whatever the intensity
    assert lib.host_drive_duty(0, 5, 0) == 0 and lib.host_drive_duty(10, 5, 0) == 0


def test_each_motion_is_its_own_pattern(lib: ctypes.CDLL) -> None:
    patterns = {tuple(lib.host_drive_duty(m, 10, s) for s in range(8)) for m in range(1, 10)}
    assert len(patterns) == 9
    assert {lib.host_drive_duty(PULSE, 10, s) for s in range(8)} == {0, STEPS}


def _duty_trace(fw: Firmware, host: Host, zone_index: int, seconds: float) -> list[int]:
    trace = []
    for ms in range(round(seconds * 1000)):
        fw.advance(0.001)
        trace.append(fw.duty(zone_index))
        if ms % 150 == 149:
            host.command(Heartbeat())
    return trace


def test_speed_sets_how_fast_the_envelope_moves(fw: Firmware, host: Host) -> None:
    host.command(set_cmd(entry(7, motion=PULSE, intensity=10, speed=1, lease_ms=2000)))
    slow = _duty_trace(fw, host, index_of(7), 1.5)
    host.command(set_cmd(entry(7, motion=PULSE, intensity=10, speed=5, lease_ms=2000)))
    fast = _duty_trace(fw, host, index_of(7), 1.5)

    def edges(trace: list[int]) -> int:
        return sum(1 for a, b in zip(trace, trace[1:], strict=False) if a != b)

    assert edges(slow) >= 2 and edges(fast) >= 4 * edges(slow)


def test_only_the_named_zone_moves(fw: Firmware, host: Host) -> None:
    host.command(set_cmd(entry(8, motion=VIBRATE, intensity=6)))
    assert fw.duties() == [6 if i == index_of(8) else 0 for i in range(11)] and not fw.heater()


def test_thermistor_table_matches_the_beta_equation(lib: ctypes.CDLL) -> None:
    """Within 0.2 °C from 0 to 80 °C, and a reading exactly where the cutoff matters."""
    for temp_dC in range(0, 801, 5):
        assert abs(lib.host_temp_from_adc(adc_for(temp_dC)) - temp_dC) <= 2 + _adc_step_dC(temp_dC), temp_dC


def _adc_step_dC(temp_dC: float) -> float:
    """How many tenths of °C one ADC count spans near `temp_dC` (the reading cannot be finer)."""
    return abs(_temp(adc_for(temp_dC)) - _temp(adc_for(temp_dC) + 1))


def _temp(adc: int) -> float:
    r = 10_000 * adc / (1024 - adc)
    return 10 * (1 / (1 / 298.15 + math.log(r / 10_000) / 3950) - 273.15)


@pytest.mark.parametrize(("adc", "reading"), [(1023, -32768), (990, -32768), (0, 2000)])
def test_an_open_sensor_is_no_reading_and_a_short_reads_hot(lib: ctypes.CDLL, adc: int, reading: int) -> None:
    assert lib.host_temp_from_adc(adc) == reading
