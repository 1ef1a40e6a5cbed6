"""The program commands end to end: output, files written and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from controller.cli import main
from controller.program.loader import load_program_file
from programs import PROGRAMS_DIR

BAD = Path(__file__).resolve().parents[1] / "bad_programs"


def _run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_validate_builtin_library_passes() -> None:
    result = _run("validate", *map(str, sorted(PROGRAMS_DIR.iterdir())))
    assert result.exit_code == 0, result.output
    assert result.stdout.count(": ok (") == 8


def test_validate_reports_every_error_of_every_file() -> None:
    files = [BAD / "several_errors.yaml", BAD / "unknown_zone.yaml", PROGRAMS_DIR / "sleep.yaml"]
    result = _run("validate", *map(str, files))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{files[0]}:9: step 1 (knead heel): zones: unknown zone 'hele'; did you mean 'heel'?",
        f"{files[0]}:16: step 2 (second): motion: unknown motion 'rub'; expected one of: roll, knead, "
        "swing, stroke, circle, press, pulse, compress, vibrate",
        f"{files[0]}:18: step 2 (second): speed: 7 is out of range 1..5",
        f"{files[1]}:9: step 1 (knead heel): zones: unknown zone 'hele'; did you mean 'heel'?",
    ]
    assert "sleep.yaml: ok" in result.stdout


def test_validate_session_limit_option() -> None:
    file = str(BAD / "total_over_session_limit.yaml")
    assert _run("validate", file, "--session-limit", "20m").exit_code == 0
    bad = _run("validate", file, "--session-limit", "soon")
    assert bad.exit_code == 2 and "'--session-limit': cannot read 'soon'" in bad.stderr


def test_validate_profile_option_limits_devices() -> None:
    file = str(BAD / "chair_zone_without_fallback.yaml")
    assert _run("validate", file, "--profile", "chair").exit_code == 0
    assert _run("validate", file, "--profile", "foot").exit_code == 2


@pytest.mark.parametrize("profile", ["foot", "chair"])
def test_show_prints_timeline_and_total(profile: str) -> None:
    result = _run("show", "back-pain-arch", "--profile", profile)
    assert result.exit_code == 0
    assert "total 9m (540 s)" in result.stdout
    assert "along the spine line [4/4]" in result.stdout
    assert "Not for: edema" in result.stdout


def test_show_unknown_name_suggests() -> None:
    result = _run("show", "sleeep")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "massagectl: no program named 'sleeep'; did you mean sleep? (`massagectl list` shows them all)")


def test_show_bad_file_is_one_line_per_error_not_a_traceback() -> None:
    result = _run("show", str(BAD / "missing_keys.yaml"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr.count("missing required key") == 3


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_writes_a_real_image(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"sleep{suffix}"
    result = _run("plot", "sleep", "-o", str(out), "--profile", "chair")
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert len(data) > 10_000
    assert data.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in data[:2000]


def test_plot_refuses_other_formats(tmp_path: Path) -> None:
    result = _run("plot", "sleep", "-o", str(tmp_path / "x.jpg"))
    assert result.exit_code == 2 and "can draw .png or .svg files only" in result.stderr


def test_schema_is_valid_json_schema(tmp_path: Path) -> None:
    result = _run("schema")
    schema = json.loads(result.stdout)
    Draft202012Validator.check_schema(schema)
    _run("schema", "-o", str(tmp_path / "s.json"))
    assert json.loads((tmp_path / "s.json").read_text()) == schema
    validator = Draft202012Validator(schema)
    assert not validator.is_valid(yaml.safe_load((BAD / "unknown_zone.yaml").read_text()))


def test_new_writes_a_starter_that_validates(tmp_path: Path) -> None:
    out = tmp_path / "morning.yaml"
    result = _run("new", "morning", "-o", str(out))
    assert result.exit_code == 0
    assert load_program_file(out).program.id == "morning"
    assert "# " in out.read_text()
    assert _run("validate", str(out)).exit_code == 0
    again = _run("new", "morning", "-o", str(out))
    assert again.exit_code == 2 and "exists; use --force" in again.stderr
    assert _run("new", "Bad Name", "-o", "-").exit_code == 2


def test_list_shows_builtin_user_and_dir_programs(tmp_path: Path) -> None:
    user = tmp_path / "config" / "massagectl" / "programs"
    user.mkdir(parents=True)
    _run("new", "mine", "-o", str(user / "mine.yaml"))
    result = _run("list", env={"XDG_CONFIG_HOME": str(tmp_path / "config"), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in ("sleep", "deep-tissue", "mine"):
        assert name in result.stdout


def test_list_reports_invalid_and_duplicate_files(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    _run("new", "twin", "-o", str(folder / "a.yaml"))
    _run("new", "twin", "-o", str(folder / "b.yaml"))
    (folder / "broken.yaml").write_text("id: [\n")
    result = _run("list", "--dir", str(folder), env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert result.exit_code == 2
    assert "program id 'twin' is also used by" in result.stderr
    assert "broken.yaml:2: YAML syntax error" in result.stderr


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom controller.cli import main\n"
        "CliRunner().invoke(main, ['--help'])\n"
        "print(sorted(m for m in ('matplotlib', 'pydantic', 'rich') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"


def test_a_file_that_cannot_be_written_is_one_line_and_exit_2(tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "schema.json"
    result = _run("schema", "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"massagectl: {target}: cannot write: no folder {target.parent}"


def test_the_cli_offers_exactly_the_simulator_s_profiles() -> None:
    from controller.cli.simdevice import DEFAULT_PROFILE, SIM_PROFILES
    from sim.profiles import PROFILES

    assert sorted(SIM_PROFILES) == sorted(PROFILES) and DEFAULT_PROFILE in PROFILES
    from typing import get_args

    from controller.service.config import DeviceConfig
    sim_field = DeviceConfig.model_fields["sim"].annotation
    assert sorted(get_args(get_args(sim_field)[0])) == sorted(PROFILES)  # a serve configuration's `sim:`


def test_every_command_is_declared_once_in_its_module() -> None:
    """Commands load lazily (controller/cli/commands.py): the group lists them all without the modules."""
    import importlib

    import click

    modules = [importlib.import_module(f"controller.cli.{name}") for name in (
        "device_cmds", "program_cmds", "report_cmds", "run_cmds", "safety_cmds", "sim_cmds")]
    declared = [c.name for m in modules for c in m.COMMANDS]
    assert len(declared) == len(set(declared))
    assert set(declared) <= set(main.list_commands(click.Context(main)))
