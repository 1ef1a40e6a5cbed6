"""`massagectl probe` and `massagectl ports`: find a massager and see what it can do."""

from __future__ import annotations

import dataclasses
import json

import click

from controller.cli.options import baud_option
from controller.ui.text import printable


@click.command("probe")
@click.option("--port", "-p", required=True, help="Device path or pyserial URL (socket://host:port).")
@baud_option
@click.option("--json", "as_json", is_flag=True, help="Print the capabilities as JSON.")
def probe_cmd(port: str, baud: int, as_json: bool) -> None:
    """Handshake with a massager and print its identity and capabilities."""
    from controller.ui.devices import describe
    from controller.wire.ports import probe

    caps = probe(port, baud)
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(caps), indent=2))
    else:
        click.echo(describe(caps))


@click.command("ports")
@click.option("--probe", "do_probe", is_flag=True, help="Handshake with each port to find massagers.")
def ports_cmd(do_probe: bool) -> None:
    """List serial ports; with --probe, mark those that answer as massagers."""
    from controller.errors import LinkError, ProtocolError
    from controller.wire.ports import probe
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
        click.echo(printable(f"{device}  {description}  {hwid}{mark}"))


COMMANDS = (probe_cmd, ports_cmd)
