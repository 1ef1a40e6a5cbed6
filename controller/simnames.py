"""The built-in simulator's profile names, for every layer that names one (the command line's options, a
`serve` configuration's `sim:`, the web console's device choice). Only controller/cli/simdevice.py
imports the simulator itself; tests/program/test_cli.py checks these agree with sim/profiles.py."""

SIM_PROFILES = ("foot", "chair")
DEFAULT_PROFILE = "foot"
