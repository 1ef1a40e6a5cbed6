"""Named safety and scale constants, defined once; README's safety section documents them.

Programs are written on a device-independent scale (intensity 0..10, speed 1..5, heat off/low/high);
the compiler scales them to each device's own ranges. The policy (controller/safety/) enforces the
session, intensity, ramp and heat limits on every command, whatever a program says.
"""

from __future__ import annotations

# Program scale (what program files are written in).
PROGRAM_INTENSITY_MAX = 10
PROGRAM_SPEED_MAX = 5
PROGRAM_HEAT_LEVELS = ("off", "low", "high")  # index = program heat level 0..2
PROGRAM_HEAT_MAX = len(PROGRAM_HEAT_LEVELS) - 1

# Session length: automatic soft stop after this by default; configurable up to the hard maximum.
DEFAULT_SESSION_LIMIT_S = 15 * 60
HARD_MAX_SESSION_S = 30 * 60
MIN_SESSION_LIMIT_S = 60                # a configured session limit below this is a mistake, not a choice
SHORT_SESSION_LIMIT_S = 10 * 60         # for time-limited conditions (edema: "strength and time limited")
# The device keeps its own session cap (firmware_protocol.md §6.5, wall time since its first SET after a
# HELLO). The host ends every session at least this long before it, so the device's cap never has to fire.
DEVICE_CAP_MARGIN_S = 10

# Intensity and its rate of change, on the program scale (0..10).
DEFAULT_MAX_INTENSITY = 8
HARD_MAX_INTENSITY = PROGRAM_INTENSITY_MAX
LIGHT_PRESSURE_MAX_INTENSITY = 4        # cap for light-pressure conditions (elderly, edema, ...)
MAX_RAMP_LEVELS_PER_S = 2.0             # no jump of more than 2 program levels per second
RAMP_TICK_S = 0.5                       # a rise is taken in steps at most this often (see safety/gate.py)

# Heat: skin-contact temperature limit (°C); the device's own cutoff sits above it.
SKIN_CONTACT_MAX_C = 41.0
DEFAULT_MAX_HEAT_LEVEL = 2              # program heat level: 0 off, 1 low, 2 high

# Minimum rest between two sessions, so a user cannot chain sessions past the session limit.
MIN_PAUSE_BETWEEN_SESSIONS_S = 5 * 60


def fit_device_cap(session_limit_s: float, max_session_s: int) -> float:
    """The host's session limit on a device whose own cap is `max_session_s`: a margin below the cap."""
    if max_session_s <= 0:  # the device reports no cap of its own
        return session_limit_s
    return min(session_limit_s, max(0, max_session_s - DEVICE_CAP_MARGIN_S))


def to_device_level(level: int, device_max: int, program_max: int = PROGRAM_INTENSITY_MAX) -> int:
    """A level of 0..program_max on a device's 0..device_max: the one scaling rule, for the compiler and
    the safety gate alike. Rounds half up; a non-zero level stays >= 1 (0 on a device without the range)."""
    if level <= 0 or device_max <= 0:
        return 0
    return max(1, (2 * level * device_max + program_max) // (2 * program_max))
