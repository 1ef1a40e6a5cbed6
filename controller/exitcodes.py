"""Exit codes of `massagectl`, documented in the README; a script can tell how a session ended."""

from __future__ import annotations

OK = 0                 # done; for `run`, the program completed
INTERNAL = 1           # a bug: please report it (the only case that may print a traceback, with --debug)
BAD_INPUT = 2          # a bad program file, option or name
LINK = 3               # the port or link failed (not found, permission, busy, timeout, unplugged)
DEVICE_FAULT = 4       # the device stopped itself or rejected a command
REFUSED = 5            # the safety policy or health profile refused
STOPPED_BY_USER = 6    # `run`: stopped by the user (s, q, Ctrl-C, SIGTERM, output closed) before the end
EMERGENCY_STOP = 7     # `run`: ended by an emergency stop
OUTPUT_CLOSED = 141    # standard output's reader went away (`| head`): what a command killed by SIGPIPE
                       # returns; `run` stops the device first and returns STOPPED_BY_USER instead
