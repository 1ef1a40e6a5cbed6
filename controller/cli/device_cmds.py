"""`massagectl probe` and `massagectl ports`: find a massager and see what it can do."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

import click

from controller.wire.protocol import DEFAULT_BAUD
from controller.wire.timing import REPLY_TIMEOUT_S, REPLY_TIMEOUT_SLOW_S

if TYPE_CHECKING:
    from controller.wire.capabilities import DeviceCapabilities
    from controller.wire.link import Link


def open_link(port: str, baud: int = DEFAULT_BAUD, *, tries: int | None = None) -> Link:
    """A link on `port` with the reply timeout the line rate needs (firmware_protocol.md §5)."""
    from controller.clock import RealClock
    from controller.wire.link import Link
    from controller.wire.transport import SerialTransport

    timeout = REPLY_TIMEOUT_SLOW_S if baud < 57600 else REPLY_TIMEOUT_S
    link = Link(SerialTransport(port, baud), RealClock(), reply_timeout_s=timeout)
    if tries is not None:
        link.tries = tries
    return link


def probe(port: str, baud: int = DEFAULT_BAUD, *, tries: int | None = None) -> DeviceCapabilities:
    """Handshake with the device on `port` and return what it reported."""
    link = open_link(port, baud, tries=tries)
    try:
        return link.handshake()
    finally:
        link.close()


def describe(caps: DeviceCapabilities) -> str:
    """Human-readable identity and capabilities."""
    kind = "SIMULATOR" if caps.simulator else "device"
    lines = [
        f"{caps.model} ({kind}), firmware {caps.firmware}, serial {caps.serial}, "
        f"protocol {caps.protocol[0]}.{caps.protocol[1]}, boot #{caps.boot_count}",
        f"intensity 0..{caps.intensity_max}, speeds 1..{caps.speed_max}, "
        f"heat 0..{caps.heat_max} (cutoff {caps.max_temp_c:.1f} °C)",
        f"session cap {caps.max_session_s // 60} min, watchdog {caps.watchdog_ms} ms, "
        f"leases up to {caps.max_lease_ms} ms",
        "motions: " + ", ".join(caps.motions),
        "zones:",
    ]
    lines += [f"  {z.id:3d}  {z.name}{'  (heated)' if z.heated else ''}" for z in caps.zones]
    return "\n".join(lines)


def register(group: click.Group) -> None:
    """Add probe and ports to the `massagectl` group."""

    @group.command("probe")
    @click.option("--port", "-p", required=True, help="Device path or pyserial URL (socket://host:port).")
    @click.option("--baud", default=DEFAULT_BAUD, show_default=True, help="Line rate.")
    @click.option("--json", "as_json", is_flag=True, help="Print the capabilities as JSON.")
    def probe_cmd(port: str, baud: int, as_json: bool) -> None:
        """Handshake with a massager and print its identity and capabilities."""
        caps = probe(port, baud)
        if as_json:
            click.echo(json.dumps(dataclasses.asdict(caps), indent=2))
        else:
            click.echo(describe(caps))

    @group.command("ports")
    @click.option("--probe", "do_probe", is_flag=True, help="Handshake with each port to find massagers.")
    def ports_cmd(do_probe: bool) -> None:
        """List serial ports; with --probe, mark those that answer as massagers."""
        from controller.errors import LinkError, ProtocolError
        from controller.wire.transport import list_ports

        ports = list_ports()
        if not ports:
            click.echo("no serial ports found")
        for device, description, hwid in ports:
            mark = ""
            if do_probe:
                try:
                    caps = probe(device, tries=1)
                    mark = f"  <- massager: {caps.model} ({'simulator' if caps.simulator else 'device'})"
                except (LinkError, ProtocolError) as err:
                    mark = f"  (no massager: {err.__class__.__name__})"
            click.echo(f"{device}  {description}  {hwid}{mark}")
