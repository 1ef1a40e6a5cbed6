"""MQTT topics, Home Assistant discovery payloads and command parsing: pure functions, no broker.

Topics under the base topic B (default `massagectl`), for a device D:

    B/status                 the service: online / offline (retained; the broker's last will says offline)
    B/D/availability         the device: online while the service drives it (retained)
    B/D/state                DeviceStatus as JSON (retained), on change and about once a second while running
    B/D/program              the program a start will run (retained); set with B/D/cmd/program
    B/D/cmd/<name>           start, pause, stop, emergency_stop, clear (any payload), intensity (a number),
                             program (a program id)
    B/D/cmd                  JSON {"command": ..., "program": ..., "level": ...}: every Command
    B/D/error, B/error       what a command could not do, as JSON {"topic", "error"} (not retained)

Discovery follows Home Assistant's device-based form: one retained `<prefix>/device/<node>/config` per device
with `dev`, `o` (origin) and `cmps` (components keyed by id, each with its platform `p`, a `unique_id` and
a `default_entity_id`), availability from both the service's and the device's topic (`avty_mode: all`).
An empty retained config removes a device.

The intensity number is the user's OFFSET, -9..+9 program levels added to every active zone (as the +/-
keys of `massagectl run`), not an absolute level: the safety gate still caps every zone at the user's limit.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict
from typing import Any

from controller.service.api import Command, DeviceStatus

MAX_PAYLOAD_BYTES = 1024         # a command is a few bytes; anything larger is refused unread
OFFSET_RANGE = 9
ORIGIN = {"name": "massagectl", "sw": "0.1.0"}  # no support URL until the project has one
STATES = ("disconnected", "connecting", "ready", "running", "paused", "stopping", "fault", "emergency_stop")
BUTTONS = {"start": Command.START, "pause": Command.TOGGLE_PAUSE, "stop": Command.STOP,
           "emergency_stop": Command.EMERGENCY_STOP, "clear": Command.CLEAR}
_JSON_KEYS = {"command", "program", "level"}


class BadCommand(ValueError):
    """A payload or topic that is not a command; the message goes to the error topic."""


def node_id(base_topic: str, device_id: str) -> str:
    """The discovery topic's id for a device: [a-zA-Z0-9_-] only, unique per service and device."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", f"{base_topic}_{device_id}")


def discovery_topic(prefix: str, base_topic: str, device_id: str) -> str:
    return f"{prefix}/device/{node_id(base_topic, device_id)}/config"


def discovery_payload(base: str, status: DeviceStatus, programs: list[str]) -> dict[str, Any]:
    """The device-based discovery message for one device."""
    node = node_id(base, status.device_id)
    topic = f"{base}/{status.device_id}"
    state = f"{topic}/state"
    cmps: dict[str, dict[str, Any]] = {
        "program": {"p": "select", "name": "Program", "cmd_t": f"{topic}/cmd/program",
                    "stat_t": f"{topic}/program", "options": programs, "icon": "mdi:playlist-play"},
        "intensity": {"p": "number", "name": "Intensity offset", "cmd_t": f"{topic}/cmd/intensity",
                      "stat_t": state, "val_tpl": "{{ value_json.intensity_offset }}", "min": -OFFSET_RANGE,
                      "max": OFFSET_RANGE, "step": 1, "mode": "slider", "icon": "mdi:tune-vertical"},
        "state": {"p": "sensor", "name": "State", "stat_t": state, "val_tpl": "{{ value_json.state }}",
                  "dev_cla": "enum", "options": list(STATES), "json_attr_t": state},
        "step": {"p": "sensor", "name": "Step", "stat_t": state, "val_tpl": "{{ value_json.step_name }}",
                 "icon": "mdi:foot-print"},
        "remaining": {"p": "sensor", "name": "Remaining time", "stat_t": state, "dev_cla": "duration",
                      "unit_of_meas": "s", "val_tpl": "{{ value_json.remaining_s | round(0) }}"},
        "temperature": {"p": "sensor", "name": "Plate temperature", "stat_t": state,
                        "dev_cla": "temperature", "unit_of_meas": "°C", "stat_cla": "measurement",
                        "val_tpl": "{{ value_json.temperature_c }}"},
        "fault": {"p": "binary_sensor", "name": "Fault", "stat_t": state, "dev_cla": "problem",
                  "val_tpl": "{{ 'ON' if value_json.fault else 'OFF' }}"},
    }
    for key, _ in BUTTONS.items():
        cmps[key] = {"p": "button", "name": key.replace("_", " ").capitalize(), "cmd_t": f"{topic}/cmd/{key}",
                     "pl_prs": "PRESS"}
    cmps["emergency_stop"]["icon"] = "mdi:alert-octagon"
    cmps["clear"]["ent_cat"] = "config"
    for key, cmp in cmps.items():
        cmp["uniq_id"] = f"{node}_{key}"
        cmp["default_entity_id"] = f"{cmp['p']}.{node}_{key}".lower().replace("-", "_")
    device = {"ids": [node], "name": status.name, "mf": "massagectl",
              "mdl": status.model or f"{status.kind} massager"}
    if status.firmware:
        device["sw"] = status.firmware
    return {"dev": device, "o": ORIGIN, "avty": [{"t": f"{base}/status"}, {"t": f"{topic}/availability"}],
            "avty_mode": "all", "qos": 1, "cmps": cmps}


def state_payload(status: DeviceStatus) -> str:
    """The state topic's JSON: every DeviceStatus field and remaining_s."""
    data = asdict(status)
    data["remaining_s"] = round(status.remaining_s, 1)
    data["position_s"] = round(status.position_s, 1)
    return json.dumps(data, ensure_ascii=False)


Parsed = tuple[Command, str | None, int | None]


def parse_command(name: str | None, payload: bytes, programs: set[str]) -> Parsed:
    """(command, program, level) from a command topic's last part (None: the JSON topic) and its payload."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise BadCommand(f"payload of {len(payload)} bytes; commands are at most {MAX_PAYLOAD_BYTES}")
    try:
        text = payload.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise BadCommand("payload is not UTF-8 text") from None
    if name is None:
        return _json_command(text, programs)
    if name in BUTTONS:
        return BUTTONS[name], None, None
    if name == "intensity":
        return Command.SET_INTENSITY, None, _level(text)
    if name == "program":
        return Command.START, _program(text, programs), None  # the caller selects, it does not start
    raise BadCommand(f"no command {name!r}; commands: {', '.join([*BUTTONS, 'intensity', 'program'])}")


def _json_command(text: str, programs: set[str]) -> Parsed:
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as err:
        raise BadCommand(f"not JSON: {err}") from None
    if not isinstance(data, dict):
        raise BadCommand('expected a JSON object like {"command": "stop"}')
    extra = set(data) - _JSON_KEYS
    if extra:
        raise BadCommand(f"unknown keys: {', '.join(sorted(map(str, extra)))}")
    try:
        command = Command(str(data.get("command")))
    except ValueError:
        raise BadCommand(f"no command {str(data.get('command'))[:40]!r}; commands: "
                         f"{', '.join(c.value for c in Command)}") from None
    program = data.get("program")
    if program is not None:
        program = _program(program, programs)
    level = data.get("level")
    if level is not None:
        level = _level(level)
    return command, program, level


def _program(value: object, programs: set[str]) -> str:
    if not isinstance(value, str) or value not in programs:
        shown = str(value)[:40]
        raise BadCommand(f"no program {shown!r}; programs: {', '.join(sorted(programs))}")
    return value


def _level(value: object) -> int:
    """A whole number (HA's number entity may send "5" or "5.0"); the device clamps it to its range."""
    if isinstance(value, bool):
        raise BadCommand("the level must be a whole number")
    try:
        number = float(value) if isinstance(value, str | int | float) else math.nan
    except (ValueError, OverflowError):
        number = math.nan
    if not math.isfinite(number) or number != int(number):
        raise BadCommand(f"the level must be a whole number, not {str(value)[:20]!r}")
    return int(number)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number here")
