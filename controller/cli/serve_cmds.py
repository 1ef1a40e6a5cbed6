"""`massagectl serve`: many massagers from one host, optionally on MQTT for Home Assistant.

Only the options live here, so `massagectl --help` stays fast; controller/cli/serve_run.py runs it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from controller.cli.options import program_dirs_option
from controller.cli.web_run import DEFAULT_HOST, DEFAULT_PORT, listen_options

MAX_SIMS = 64


@click.command("serve")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The service configuration (YAML): devices and broker.")
@click.option("--sim", "sims", type=click.IntRange(1, MAX_SIMS),
              help="Serve N simulators instead (no hardware, no configuration file).")
@click.option("--remote-start", is_flag=True, help="With --sim: allow starting programs over MQTT.")
@click.option("--broker", help="MQTT broker HOST[:PORT] (overrides the configuration's).")
@click.option("--no-mqtt", is_flag=True, help="Run the devices without MQTT.")
@click.option("--tls", is_flag=True, help="Connect to the broker over TLS.")
@click.option("--ca-file", type=click.Path(dir_okay=False, path_type=Path),
              help="CA certificate of a private broker (implies --tls).")
@click.option("--username", help="Broker user name.")
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path),
              help="A file whose first line is the broker password (or set MASSAGECTL_MQTT_PASSWORD).")
@click.option("--no-log", is_flag=True, help="Do not write session logs.")
@click.option("--web", is_flag=True, help="The web console too, over these devices (`massagectl web`).")
@listen_options("--web-host", "--web-port", prefix="With --web: ")
@program_dirs_option
def serve_cmd(config_path: Path | None, sims: int | None, remote_start: bool, broker: str | None,
              no_mqtt: bool, tls: bool, ca_file: Path | None, username: str | None,
              password_file: Path | None, no_log: bool, web: bool, web_host: str, web_port: int,
              token_file: Path | None, dirs: tuple[Path, ...]) -> None:
    """Drive several massagers at once (--config FILE, or --sim N), on MQTT with Home Assistant discovery,
    and with --web the web console over the same devices, in one process.

    SIGINT, SIGTERM and SIGHUP stop every device, then the service exits.
    """
    from controller.cli.serve_run import BrokerOptions, serve
    from controller.cli.web_run import ConsoleOptions

    if (config_path is None) == (sims is None):
        raise click.UsageError("give exactly one of --config FILE or --sim N")
    if remote_start and sims is None:
        raise click.UsageError("--remote-start is for --sim; a configuration file sets it per device")
    if not web and (token_file is not None or web_host != DEFAULT_HOST or web_port != DEFAULT_PORT):
        raise click.UsageError("--web-host, --web-port and --token-file are for --web")
    options = BrokerOptions(broker, no_mqtt, tls, ca_file, username, password_file)
    console = ConsoleOptions(web_host, web_port, token_file) if web else None
    sys.exit(serve(config_path, sims, remote_start=remote_start, broker=options, no_log=no_log,
                   dirs=dirs, console=console))


COMMANDS = (serve_cmd,)
