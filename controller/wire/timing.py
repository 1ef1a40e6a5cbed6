"""Wire timing the controller uses (firmware_protocol.md §5, §9): leases, keep-alives, reply timeouts, polls.

Named once; the link, the session and the player read them. The device enforces its own side (§6). What
depends on the device — lease, renewal and keep-alive periods — follows its HELLO_REPLY (`cadence_for`),
and what depends on the line rate — the reply timeout, the handshake's pacing — follows the transport's
`line_baud`.
"""

from __future__ import annotations

from dataclasses import dataclass

LEASE_MS = 1500                         # the longest lease asked for; less when the device allows less
RENEW_FRACTION = 0.4                    # renew at most 40 % into a lease: a lost renewal never lets it lapse
KEEPALIVE_S = 0.15                      # a keep-alive when this long has passed since the last frame...
KEEPALIVE_FRACTION = 3 / 8              # ...and never more than this share of the device's watchdog_ms
ASK_EVERY_S = 0.5                       # a request that needs an answer at least this often (§9)...
LOST_AFTER_S = 1.0                      # ...so a link silent this long while waiting is declared lost
REPLY_TIMEOUT_S = 0.1
REPLY_TIMEOUT_SLOW_S = 0.3              # below 57600 baud (9600: §5)
SLOW_LINE_BAUD = 57600
DEVICE_REPLY_S = 0.02                   # §5: the device answers within 20 ms of a command's last byte
RENEW_MARGIN_S = 0.01                   # a lost renewal is sent again this long before its lease ends
BITS_PER_BYTE = 10                      # 8N1: start, 8 data, stop
HANDSHAKE_SHARE = 0.125                 # of a line, each way, in any second: 25 % less the program's start
TRIES = 5
BOOT_GRACE_S = 2.5                      # a board that resets as its port opens (an Uno's auto-reset) may
                                        # take this long to answer HELLO: asked again until then
STATUS_EVERY_S = 5.0                    # poll STATUS (state, temperature) this often...
STATUS_EVERY_HEATED_S = 1.0             # ...and this often while any zone is heating
SOFT_STOP_RAMP_MS = 3000


def reply_timeout_for(line_baud: int | None) -> float:
    """§5: 100 ms at 115200 baud (and where no line rate applies), 300 ms at 9600."""
    return REPLY_TIMEOUT_SLOW_S if line_baud is not None and line_baud < SLOW_LINE_BAUD else REPLY_TIMEOUT_S


def line_s(n_bytes: int, line_baud: int | None) -> float:
    """How long `n_bytes` take on the line (0 where no line rate applies)."""
    return 0.0 if line_baud is None else n_bytes * BITS_PER_BYTE / line_baud


@dataclass(frozen=True, slots=True)
class Cadence:
    """How the host feeds one device's timers: its lease, how often it renews, how often it keeps alive.

    The defaults are the reference devices' (watchdog 400 ms, max lease 2000 ms): 1500 ms leases renewed
    every 500 ms (40 % of the lease, and at least every ASK_EVERY_S so the renewal is the request that
    proves the link alive), keep-alives after 150 ms of silence, and §5's reply timeout — shorter for a
    short lease (controller/wire/handshake.py `plan_cadence`).
    """

    lease_ms: int = LEASE_MS
    renew_s: float = min(LEASE_MS * RENEW_FRACTION / 1000, ASK_EVERY_S)
    keepalive_s: float = KEEPALIVE_S
    reply_timeout_s: float = REPLY_TIMEOUT_S


def cadence_for(watchdog_ms: int, max_lease_ms: int) -> Cadence:
    """The cadence for a device reporting these limits (§3.2), with §5's margins kept in proportion.

    lease = min(1500, max_lease_ms); renew at 40 % of it (at most every ASK_EVERY_S); keep-alive at
    3/8 of the watchdog, at most 150 ms — the margin of 150 ms to the reference 400 ms.
    """
    lease = min(LEASE_MS, max_lease_ms)
    return Cadence(lease_ms=lease, renew_s=min(lease * RENEW_FRACTION / 1000, ASK_EVERY_S),
                   keepalive_s=min(KEEPALIVE_S, watchdog_ms * KEEPALIVE_FRACTION / 1000))
