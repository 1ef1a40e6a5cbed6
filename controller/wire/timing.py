"""Wire timing the controller uses (firmware_protocol.md §5): leases, keep-alives, reply timeouts, polls.

Named once; the link, the session and the player read them. The device enforces its own side (§6).
"""

from __future__ import annotations

LEASE_MS = 1500
LEASE_RENEW_S = 0.6                     # 2.5 renewals per lease; keep-alives fill the gaps at 17 B
KEEPALIVE_S = 0.15
REPLY_TIMEOUT_S = 0.1
STATUS_EVERY_S = 5.0                    # poll STATUS (state, temperature) this often...
STATUS_EVERY_HEATED_S = 1.0             # ...and this often while any zone is heating
REPLY_TIMEOUT_SLOW_S = 0.3              # at 9600 baud
TRIES = 5
SOFT_STOP_RAMP_MS = 3000
