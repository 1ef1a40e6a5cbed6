"""A device's identity and capabilities as text, for `massagectl probe`."""

from __future__ import annotations

from controller.ui.text import printable
from controller.wire.capabilities import DeviceCapabilities


def describe(caps: DeviceCapabilities) -> str:
    """Human-readable identity and capabilities; what the device reported is escaped (`printable`)."""
    kind = "SIMULATOR" if caps.simulator else "device"
    lines = [
        f"{caps.model} ({kind}), firmware {caps.firmware}, serial {caps.serial or '(none)'}, "
        f"protocol {caps.protocol[0]}.{caps.protocol[1]}, boot #{caps.boot_count}",
        f"intensity 0..{caps.intensity_max}, speeds 1..{caps.speed_max}, "
        f"heat 0..{caps.heat_max} (cutoff {caps.max_temp_c:.1f} °C)",
        f"session cap {caps.max_session_s // 60} min, watchdog {caps.watchdog_ms} ms, "
        f"leases up to {caps.max_lease_ms} ms",
        "motions: " + ", ".join(caps.motions),
        "zones:",
    ]
    lines += [f"  {z.id:3d}  {z.name}{'  (heated)' if z.heated else ''}" for z in caps.zones]
    return "\n".join(printable(line) for line in lines)
