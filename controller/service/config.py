"""The service's configuration: the devices one host drives and the broker, validated before anything runs.

YAML, read through the same hardened loader as programs (controller/yamlsafe.py: bounded size, no
tags, anchors, aliases or deep nesting, duplicate keys refused) and checked by pydantic with unknown keys
refused, so every mistake is reported as FILE:LINE: field: message. A minimal file:

    devices:
      - {id: foot-1, name: Living room, port: /dev/serial/by-id/usb-massagectl_A1B2-if00}
      - {id: demo, name: Try me, sim: chair}
    broker: {host: localhost}

A broker password is never written here: `password_file` or `password_env` names where to read it.
Every problem is a ConfigError (controller/errors.py), never a program's error.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from controller.errors import ConfigError, InputFileError, ProgramErrors
from controller.safety.limits import HARD_MAX_INTENSITY, HARD_MAX_SESSION_S, MIN_SESSION_LIMIT_S
from controller.userfiles import read_user_file
from controller.yamlsafe import Rules, SourceMap, load_yaml_bytes

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"     # usable in MQTT topics and Home Assistant ids as it is
TOPIC_PATTERN = r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$"
MAX_DEVICES = 64
MAX_PASSWORD_BYTES = 4096


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DeviceLimits(_Strict):
    """Limits for whoever uses this device; like `run`'s options, the health profile can only lower them."""

    max_intensity: int | None = Field(default=None, ge=1, le=HARD_MAX_INTENSITY,
                                      description="Highest intensity 1..10 (default 8).")
    session_limit_min: float | None = Field(
        default=None, ge=MIN_SESSION_LIMIT_S / 60, le=HARD_MAX_SESSION_S / 60,
        description="Session limit in minutes (default 15, at most 30); a soft stop ends the session there.")


class DeviceConfig(_Strict):
    """One massager: where it is, who uses it, and what may be done to it from afar."""

    id: str = Field(pattern=ID_PATTERN, description="Stable id: topics and Home Assistant ids use it.")
    name: str = Field(min_length=1, max_length=64, description="What people see.")
    port: str | None = Field(default=None, min_length=1, max_length=512,
                             description="/dev/serial/by-id/..., /dev/ttyUSB0 or socket://host:port.")
    sim: Literal["foot", "chair"] | None = Field(default=None, description="A simulator instead of a port.")
    baud: int = Field(default=115200, ge=1200, le=4_000_000)
    health_profile: Path | None = Field(
        default=None, description="The user's health profile; default: the serving user's own, as for `run`.")
    acknowledge: bool = Field(default=False, description="The user has read the cautions and heat notice.")
    limits: DeviceLimits = DeviceLimits()
    remote_start: bool = Field(default=False, description="Allow starting a program from MQTT or a web page.")
    broker_loss_stop_s: float | None = Field(
        default=None, ge=5, le=3600,
        description="Soft-stop a session started over MQTT once the broker has been gone this long; "
                    "default: never (a local stop, the device's button and the session limit remain).")

    @field_validator("name")
    @classmethod
    def _printable(cls, value: str) -> str:
        if not value.isprintable():
            raise ValueError("a name holds only printable characters")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> DeviceConfig:
        if (self.port is None) == (self.sim is None):
            raise ValueError("give exactly one of port (a real massager) or sim (foot or chair)")
        return self


class BrokerConfig(_Strict):
    """The MQTT broker, and how Home Assistant finds the devices on it."""

    host: str = Field(default="localhost", min_length=1, max_length=253)
    port: int | None = Field(default=None, ge=1, le=65535, description="Default 1883, or 8883 with TLS.")
    tls: bool = False
    ca_file: Path | None = Field(default=None, description="CA of a private broker (implies tls).")
    username: str | None = Field(default=None, min_length=1, max_length=256)
    password_file: Path | None = Field(default=None, description="A file holding the password (first line).")
    password_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
                                     description="An environment variable holding the password.")
    client_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    base_topic: str = Field(default="massagectl", max_length=100, pattern=TOPIC_PATTERN)
    discovery_prefix: str = Field(default="homeassistant", max_length=100, pattern=TOPIC_PATTERN)
    keepalive_s: int = Field(default=30, ge=5, le=600)

    @property
    def effective_port(self) -> int:
        return self.port or (8883 if self.uses_tls else 1883)

    @property
    def uses_tls(self) -> bool:
        return self.tls or self.ca_file is not None

    def password(self) -> str | None:
        """The password from its file or variable; None without one. Raises ConfigError when unreadable."""
        if self.password_env is not None:
            value = os.environ.get(self.password_env)
            if value is None:
                raise ConfigError([f"broker.password_env: ${self.password_env} is not set"])
            return value
        if self.password_file is None:
            return None
        try:
            data = read_user_file(self.password_file, "password file", MAX_PASSWORD_FILE_BYTES)
        except InputFileError as err:  # refused or unreadable: say it is the password file
            raise ConfigError([f"broker.password_file: {err.problem}"]) from None
        return data[:MAX_PASSWORD_BYTES].decode("utf-8", "replace").splitlines()[0] if data.strip() else ""

    @model_validator(mode="after")
    def _one_password(self) -> BrokerConfig:
        if self.password_file is not None and self.password_env is not None:
            raise ValueError("give at most one of password_file or password_env")
        return self


class ServiceConfig(_Strict):
    """Everything `massagectl serve` runs."""

    schema_version: Literal[1] = 1
    devices: list[DeviceConfig] = Field(min_length=1, max_length=MAX_DEVICES)
    broker: BrokerConfig | None = Field(default=None, description="Omit to run without MQTT.")
    program_dirs: list[Path] = Field(default_factory=list, description="More folders of programs.")
    log_dir: Path | None = Field(default=None, description="Default ~/.local/state/massagectl/logs.")
    logs: bool = Field(default=True, description="Write a session log per program run.")

    @field_validator("devices")
    @classmethod
    def _unique(cls, devices: list[DeviceConfig]) -> list[DeviceConfig]:
        for what in ("id", "port"):
            seen: set[str] = set()
            for device in devices:
                value = getattr(device, what)
                if value is not None and value in seen:
                    raise ValueError(f"two devices share the {what} {value!r}")
                seen.add(value)
        return devices


def sim_config(count: int, *, remote_start: bool = False,
               broker: BrokerConfig | None = None) -> ServiceConfig:
    """`serve --sim N`: N simulators (foot, chair, foot, …), no hardware and no file."""
    devices = [DeviceConfig(id=f"sim-{i + 1}", name=f"Simulator {i + 1}", sim="chair" if i % 2 else "foot",
                            remote_start=remote_start) for i in range(count)]
    return ServiceConfig(devices=devices, broker=broker)


CONFIG_RULES = Rules("configuration files")
MAX_PASSWORD_FILE_BYTES = 4096


def load_config(path: Path) -> ServiceConfig:
    """The validated configuration in `path`; raises ConfigError naming the file and line of each problem."""
    file = str(path)
    try:
        data = read_user_file(path, "configuration file", CONFIG_RULES.max_bytes)
    except InputFileError as err:
        raise ConfigError([f"{file}: {err.problem}"]) from None
    raw, source = _as_config(lambda: load_yaml_bytes(data, file, CONFIG_RULES))
    if not isinstance(raw, dict):
        raise ConfigError([_where(file, source.line_of(()), "", "a configuration is a mapping with a "
                                  "`devices:` list")])
    try:
        config = ServiceConfig.model_validate(raw)
    except ValidationError as err:
        raise ConfigError([_located(e, source, file) for e in err.errors()[:20]]) from None
    return _resolve_paths(config, path.parent)


def _as_config(action: Any) -> Any:
    """The shared hardened reader raises ProgramErrors; here each is a problem of a configuration."""
    try:
        return action()
    except ProgramErrors as err:
        raise ConfigError([str(e) for e in err.errors]) from None


def _located(error: Any, source: SourceMap, file: str) -> str:
    loc = tuple(error["loc"])
    keys = tuple(p for p in loc if isinstance(p, str | int))
    unknown = error["type"] == "extra_forbidden"
    message = "unknown key" if unknown else str(error["msg"]).removeprefix("Value error, ")
    return _where(file, source.line_of(keys, key=unknown), ".".join(str(p) for p in keys), message)


def _where(file: str, line: int | None, field: str, message: str) -> str:
    """FILE:LINE: field: message, as every problem of a configuration is shown."""
    return f"{file}:{line if line is not None else '?'}: " + (f"{field}: " if field else "") + message


def _resolve_paths(config: ServiceConfig, base: Path) -> ServiceConfig:
    """Relative paths in the file are relative to the file, not to where serve was started."""
    def fix(p: Path | None) -> Path | None:
        return None if p is None else (base / p.expanduser() if not p.expanduser().is_absolute()
                                       else p.expanduser())

    devices = [d.model_copy(update={"health_profile": fix(d.health_profile)}) for d in config.devices]
    broker = config.broker
    if broker is not None:
        broker = broker.model_copy(update={"ca_file": fix(broker.ca_file),
                                           "password_file": fix(broker.password_file)})
    return config.model_copy(update={
        "devices": devices, "broker": broker, "log_dir": fix(config.log_dir),
        "program_dirs": [fix(p) for p in config.program_dirs]})


def valid_id(text: str) -> bool:
    return re.match(ID_PATTERN, text) is not None
