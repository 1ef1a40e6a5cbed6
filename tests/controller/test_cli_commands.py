"""The lazy command table (controller/cli/commands.py) agrees with the modules that declare the commands,
and start-up imports only what a command needs (issue 12): `--help` no command module and none of
pydantic, rich, YAML or the simulator; a simulated run with plain output no rich."""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

import controller.cli
from controller.cli.commands import COMMANDS, load_command

CLI_DIR = Path(controller.cli.__file__).parent
HEAVY = ("pydantic", "rich", "yaml", "sim", "transitions", "serial")
IMPORTED = """
import json, sys
from controller.cli import main
try:
    main(sys.argv[1:], prog_name="massagectl")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.__stderr__)
"""


def first_paragraph(help_text: str | None) -> str:
    return " ".join(inspect.cleandoc(help_text or "").split("\n\n")[0].split())


def test_the_table_names_every_command_of_every_command_module() -> None:
    declared = {}
    for file in sorted(CLI_DIR.glob("*_cmds.py")):
        module = importlib.import_module(f"controller.cli.{file.stem}")
        declared.update({command.name: (file.stem, first_paragraph(command.help))
                         for command in module.COMMANDS})
    assert declared == COMMANDS


def test_each_command_loads_by_name() -> None:
    for name in COMMANDS:
        command = load_command(name)
        assert command is not None and command.name == name
    assert load_command("nope") is None


def modules_imported(args: list[str], tmp_path: Path) -> set[str]:
    env = {"XDG_STATE_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", IMPORTED, *args], capture_output=True, text=True,
                          env=env, check=True, timeout=60)
    return {name.split(".")[0] if not name.startswith("controller.") else name
            for name in json.loads(done.stderr.strip().splitlines()[-1])}


def test_help_imports_no_command_module_and_nothing_heavy(tmp_path: Path) -> None:
    imported = modules_imported(["--help"], tmp_path)
    assert not imported & set(HEAVY)
    assert not {m for m in imported if m.endswith("_cmds")}


def test_a_simulated_run_with_plain_output_imports_no_rich(tmp_path: Path) -> None:
    imported = modules_imported(["run", "sleep", "--sim", "--speed", "max", "--acknowledge", "--no-log"],
                                tmp_path)
    assert "controller.cli.run_cmds" in imported and "sim" in imported
    assert "rich" not in imported
    assert "controller.cli.program_cmds" not in imported
