"""The service configuration: what a valid file gives, and FILE:LINE for every mistake, hostile ones too."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from controller.errors import ConfigError
from controller.service.config import load_config

MINIMAL = """\
devices:
  - {id: foot-1, name: Living room, port: /dev/serial/by-id/usb-massagectl_A1B2-if00}
  - id: chair
    name: Try me
    sim: chair
    remote_start: true
    health_profile: profiles/anna.yaml
    limits: {max_intensity: 5, session_limit_min: 10}
broker:
  host: broker.lan
  username: massagectl
  password_file: secret.txt
"""


def write(tmp_path: Path, text: str, name: str = "serve.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def errors(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    return list(caught.value.problems)


def test_a_minimal_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    foot, chair = config.devices
    assert (foot.id, foot.port, foot.remote_start, foot.sim) == ("foot-1", foot.port, False, None)
    assert chair.sim == "chair" and chair.remote_start and chair.limits.max_intensity == 5
    assert chair.health_profile == tmp_path / "profiles/anna.yaml", "relative to the file, not the cwd"
    assert config.broker is not None and config.broker.effective_port == 1883
    assert config.broker.password_file == tmp_path / "secret.txt"
    assert config.logs


def test_the_password_comes_from_a_file_or_a_variable(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "secret.txt").write_text("s3cret\n")
    broker = load_config(write(tmp_path, MINIMAL)).broker
    assert broker is not None and broker.password() == "s3cret"
    monkeypatch.setenv("MQTT_PW", "from-env")
    text = MINIMAL.replace("password_file: secret.txt", "password_env: MQTT_PW")
    broker = load_config(write(tmp_path, text)).broker
    assert broker is not None and broker.password() == "from-env"
    monkeypatch.delenv("MQTT_PW")
    with pytest.raises(ConfigError, match=r"\$MQTT_PW is not set"):
        broker.password()


@pytest.mark.parametrize(("text", "expected"), [
    (MINIMAL.replace("  password_file: secret.txt", "  password: hunter2"),
     "serve.yaml:12: broker.password: unknown key"),
    (MINIMAL.replace("remote_start: true", "remote_start: yes please"),
     "serve.yaml:6: devices.1.remote_start: Input should be a valid boolean"),
    (MINIMAL.replace("id: chair", "id: foot-1"), "serve.yaml:2: devices: two devices share"),
    (MINIMAL.replace("sim: chair", "sim: chair\n    port: /dev/ttyUSB0"),
     "serve.yaml:3: devices.1: give exactly one of port"),
    (MINIMAL.replace("id: chair", "id: Chair/1"), "serve.yaml:3: devices.1.id: String should match"),
    (MINIMAL.replace("max_intensity: 5", "max_intensity: 11"),
     "serve.yaml:8: devices.1.limits.max_intensity: Input should be less than or equal to 10"),
    (MINIMAL.replace("session_limit_min: 10", "session_limit_min: 45"),
     "serve.yaml:8: devices.1.limits.session_limit_min: Input should be less than or equal to 30"),
    ("devices: []\n", "serve.yaml:1: devices: List should have at least 1 item"),
    ("- just a list\n", "serve.yaml:1: a configuration is a mapping"),
])
def test_mistakes_name_the_file_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    found = errors(tmp_path, text)
    assert any(e.startswith(str(tmp_path / expected.split(":")[0])) and expected.split(":", 1)[1] in e
               for e in found), found


@pytest.mark.parametrize(("text", "expected"), [
    ("devices: &d [{id: a, name: A, sim: foot}]\nmore: *d\n", "anchors (&d) are not allowed in config"),
    ("devices: !!python/object:os.system [echo]\n", "tags (tag:yaml.org,2002:python/object:os.system)"),
    ("devices: []\ndevices: []\n", "key 'devices' appears twice"),
    ("devices: " + "[" * 20 + "]" * 20 + "\n", "nesting deeper than"),
    ("devices:\n  - {id: a, name: A, sim: foot}\n---\nx: 1\n", "hold one YAML document"),
])
def test_hostile_yaml_is_refused_before_anything_is_built(tmp_path: Path, text: str, expected: str) -> None:
    assert any(expected in e for e in errors(tmp_path, text))


def test_a_fifo_is_refused_without_blocking_and_size_is_bounded(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(fifo)
    with pytest.raises(ConfigError, match="limited to"):
        load_config(write(tmp_path, "devices: []\n" + "#" * 70_000))
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "missing.yaml")
