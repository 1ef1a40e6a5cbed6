"""Every check of the kit, in the order it runs, each naming the sections of firmware_protocol.md it comes
from. The long ones run only with --long; the last two judge everything the others exchanged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from controller.conformance import (
    check_commands,
    check_duplicates,
    check_framing,
    check_handshake,
    check_long,
    check_status,
    check_stops,
    check_summary,
    check_timers,
)
from controller.conformance.context import Ctx


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    title: str
    sections: str
    run: Callable[[Ctx], None]
    long: str = ""  # why it runs only with --long ({max_session_s} and {heat_s} filled in); "": always runs


CHECKS: tuple[Check, ...] = (
    Check("handshake", "Handshake and capabilities; HELLO's own rules", "§3.1 §3.2 §3.5 §9",
          check_handshake.check_handshake),
    Check("crc", "Bad CRC: NAK BAD_CRC with the seq as read, never acted on", "§2.2 §2.4 §4",
          check_framing.check_crc),
    Check("resync", "Garbage, empty and split frames; resynchronisation", "§2.2 §2.4",
          check_framing.check_resync),
    Check("oversize", "Oversize runs discarded; the longest frame still read", "§2.3 §2.4",
          check_framing.check_oversize),
    Check("header", "Wrong ver or len: invalid, NAKed, never stored", "§2.2 §2.4 §4",
          check_framing.check_header),
    Check("nak-codes", "Unknown types, payload sizes; SET's count, zone and motion checks in order",
          "§2.4 §3.3 §3.6", check_commands.check_nak_codes),
    Check("set-ranges", "SET values out of range: NAK OUT_OF_RANGE; boundaries accepted", "§3.3",
          check_commands.check_set_ranges),
    Check("set-absolute", "Absolute SETs; zones on and off; READY and ACTIVE", "§3.3 §3.7",
          check_commands.check_set_absolute),
    Check("seq-wrap", "Sequence numbers wrap 255 → 0", "§4", check_commands.check_seq_wrap),
    Check("duplicates", "Retransmissions answered byte for byte and applied once", "§4 §3.9 §3.10",
          check_duplicates.check_duplicates),
    Check("leases", "Leases run out on time; keep-alives never renew them", "§6.2 §3.10",
          check_timers.check_leases),
    Check("watchdog", "Host-silence watchdog", "§6.1 §2.4 §6.7", check_timers.check_watchdog),
    Check("estop-latency", "Emergency-stop latency", "§6.3 §5", check_stops.check_estop_latency),
    Check("estop-latch", "Emergency stop latches until HELLO", "§6.3 §3.7", check_stops.check_estop_latch),
    Check("soft-stop", "Soft-stop ramp and EVENT STOPPED", "§6.7", check_stops.check_soft_stop),
    Check("status", "STATUS contents", "§3.4 §6.5", check_status.check_status),
    Check("v11", "1.1 messages: KEEPALIVE, RENEW, GET_STATUS flags", "§3.9 §3.10 §3.4",
          check_status.check_v11),
    Check("session-cap", "The device's own session cap", "§6.5", check_long.check_session_cap,
          long="takes max_session_s, {max_session_s} s on this device"),
    Check("heater", "Heater regulation and cutoff", "§6.4 §6.3 §3.1", check_long.check_heater,
          long="heats for --heat-s, {heat_s:.0f} s"),
    Check("reply-time", "Reply time", "§5", check_summary.check_reply_time),
    Check("device-frames", "The device's own frames and EVENTs", "§2.2 §3.6",
          check_summary.check_device_frames),
)
CHECK_IDS: tuple[str, ...] = tuple(c.id for c in CHECKS)
