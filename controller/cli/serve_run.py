"""What `massagectl serve` does once its options are parsed: serve; on a signal, stop every device.

SIGINT, SIGTERM and SIGHUP get explicit handlers (RELIABILITY 29): a shell that starts the service in the
background without job control starts it with SIGINT ignored, and the default handlers would not stop the
devices. Each device's changes are printed as one line, with any text from a device or file escaped.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click
from pydantic import ValidationError

from controller import exitcodes
from controller.cli.output import silence
from controller.cli.signals import SignalWait, stop_signals
from controller.cli.web_run import ConsoleOptions, check_console, start_console
from controller.clock import RealClock
from controller.service.api import DeviceStatus
from controller.service.config import BrokerConfig, ServiceConfig, load_config, sim_config
from controller.service.hub import ServiceHub
from controller.simnames import DEFAULT_PROFILE
from controller.ui.text import printable

if TYPE_CHECKING:
    from controller.service.mqtt import MqttBridge

PASSWORD_ENV = "MASSAGECTL_MQTT_PASSWORD"


@dataclass(frozen=True)
class BrokerOptions:
    """The broker options of the command line; each overrides the configuration file's."""

    broker: str | None = None
    no_mqtt: bool = False
    tls: bool = False
    ca_file: Path | None = None
    username: str | None = None
    password_file: Path | None = None


def broker_config(base: BrokerConfig | None, options: BrokerOptions, *,
                  default_on: bool) -> BrokerConfig | None:
    """The broker to use, or None for no MQTT: a file without `broker:` and no --broker means none."""
    if options.no_mqtt or (base is None and options.broker is None and not default_on):
        return None
    fields = base.model_dump(exclude_unset=True) if base is not None else {}
    if options.broker:
        host, _, port = options.broker.rpartition(":") if ":" in options.broker else (options.broker, "", "")
        if port and not port.isdigit():
            raise click.BadParameter(f"{options.broker!r}: expected HOST or HOST:PORT", param_hint="--broker")
        fields.update(host=host, port=int(port) if port else None)
    for key, value in (("tls", options.tls or None), ("ca_file", options.ca_file),
                       ("username", options.username), ("password_file", options.password_file)):
        if value is not None:
            fields[key] = value
    if options.password_file is not None:
        fields.pop("password_env", None)
    elif "password_file" not in fields and "password_env" not in fields and PASSWORD_ENV in os.environ:
        fields["password_env"] = PASSWORD_ENV
    try:
        return BrokerConfig.model_validate(fields)
    except ValidationError as err:  # a value the command line gave (the file's were checked on loading)
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise click.UsageError(f"broker {where}: {first['msg']}") from None


def service_config(config_path: Path | None, sims: int | None, *, remote_start: bool,
                   broker: BrokerOptions | None, no_log: bool, dirs: tuple[Path, ...]) -> ServiceConfig:
    """The configuration to serve: a file's or `--sim N`'s, with the command line's options over it.

    `broker` None: no MQTT at all (`massagectl web`); a broker in the file is then left unused, and said so.
    """
    config = load_config(config_path) if config_path is not None else sim_config(sims or 1,
                                                                                remote_start=remote_start)
    if broker is None and config.broker is not None:
        click.echo(f"massagectl: {config_path}: the broker is not used by `massagectl web`; "
                   "`massagectl serve --config FILE --web` runs MQTT and the console together", err=True)
    mqtt = None if broker is None else broker_config(config.broker, broker, default_on=config_path is None)
    return config.model_copy(update={
        "broker": mqtt, "logs": config.logs and not no_log, "program_dirs": [*dirs, *config.program_dirs]})


def service_hub(config: ServiceConfig) -> ServiceHub:
    """The hub for `config` on the real clock; a `sim:` device is the built-in simulator, in-process."""
    from controller.cli.run_session import link_factory

    clock = RealClock()
    return ServiceHub(config, clock=clock,
                      sim_opener=lambda d: link_factory(None, d.sim or DEFAULT_PROFILE, clock, None))


def serve(config_path: Path | None, sims: int | None, *, remote_start: bool, broker: BrokerOptions,
          no_log: bool, dirs: tuple[Path, ...], console: ConsoleOptions | None = None) -> int:
    """Run until a stop signal; returns the exit code. `console`: the web console too, over the same hub."""
    if console is not None:
        check_console(console)
    config = service_config(config_path, sims, remote_start=remote_start, broker=broker, no_log=no_log,
                            dirs=dirs)
    return run_service(service_hub(config), config.broker, console, tuple(config.program_dirs))


def run_service(hub: ServiceHub | None, broker: BrokerConfig | None, console: ConsoleOptions | None,
                dirs: tuple[Path, ...]) -> int:
    """The devices, MQTT and the web console, each when given, until a stop signal; then every device is
    stopped first. Returns the exit code: LINK when a device was not confirmed stopped."""
    printer = StatusPrinter(sys.stdout)
    for handle in hub.devices() if hub is not None else ():
        handle.subscribe(printer)
    waiter = SignalWait()
    with contextlib.closing(waiter), stop_signals(waiter):
        if hub is not None:
            hub.start()
        bridge = _start_bridge(hub, broker) if hub is not None and broker is not None else None
        server = start_console(console, hub, dirs) if console is not None else None
        if hub is not None:
            click.echo(f"serving {len(hub.devices())} device(s); SIGINT, SIGTERM, SIGHUP or SIGQUIT stops "
                       "them all", err=True)
        name = waiter.wait()
        click.echo(f"signal {name}: stopping every device", err=True)
        stuck = hub.stop() if hub is not None else []
        if bridge is not None:
            bridge.stop()
        if server is not None:
            server.stop()
    if stuck:
        click.echo(f"massagectl: not confirmed stopped: {', '.join(stuck)} (their watchdogs stop them)",
                   err=True)
        return exitcodes.LINK
    return exitcodes.OK


def _start_bridge(hub: ServiceHub, broker: BrokerConfig) -> MqttBridge:
    from controller.service.mqtt import MqttBridge

    bridge = MqttBridge(hub, broker)
    bridge.start()
    where = f"{broker.host}:{broker.effective_port}"
    click.echo(f"MQTT: {where}{' (TLS)' if broker.uses_tls else ''}, topics under "
               f"{broker.base_topic}/, discovery under {broker.discovery_prefix}/", err=True)
    return bridge


class StatusPrinter:
    """One line per device when its state, fault or note changes. If standard output cannot be written
    (its reader gone, a full disk) the devices carry on and one warning says the lines stop there."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._lock = threading.Lock()
        self._last: dict[str, tuple[str, str, str]] = {}
        self.failed = False

    def __call__(self, status: DeviceStatus) -> None:
        key = (status.state, status.fault, status.note)
        with self._lock:
            if self.failed or self._last.get(status.device_id) == key:
                return
            self._last[status.device_id] = key
            line = f"{status.device_id}: {status.state.replace('_', ' ')}"
            if status.program_id and status.state in ("running", "paused", "stopping"):
                line += f" {status.program_id}"
            if status.fault:
                line += f" [fault: {status.fault}]"
            if status.note:
                line += f" — {status.note}"
            try:
                self.stream.write(printable(line) + "\n")
                self.stream.flush()
            except OSError as err:
                self.failed = True
                silence(self.stream)
                click.echo(f"massagectl: standard output cannot be written ({err.strerror or err}): no more "
                           "status lines; the devices carry on", err=True)
