"""Which module declares each `massagectl` command, imported only when that command runs or is helped.

`massagectl --help` and a command's start-up pay only for what they use (issue 12): the group lists the
commands from this table, with the first paragraph of each command's help as its summary, and imports a
command's module (which declares it in its COMMANDS) only when the command is invoked or its own help is
asked for. tests/controller/test_cli_commands.py checks the table against the modules.
"""

from __future__ import annotations

import importlib

import click

# name: (module under controller/cli, the first paragraph of the command's help)
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("safety_cmds", "Say what would be refused or limited for PROGRAM, and why; exit 5 if it may "
                             "not run."),
    "conformance": ("conformance_cmds", "Check a massager's firmware against firmware_protocol.md, over "
                                        "the wire only."),
    "list": ("program_cmds", "List the built-in and user programs (user folder: "
                             "$XDG_CONFIG_HOME/massagectl/programs)."),
    "new": ("program_cmds", "Write a commented starter program called NAME that validates as it is."),
    "plot": ("program_cmds", "Draw a program: zones as lanes over time, intensity as height and colour, heat "
                             "marked."),
    "ports": ("device_cmds", "List serial ports; with --probe, mark those that answer as massagers."),
    "probe": ("device_cmds", "Handshake with a massager and print its identity and capabilities."),
    "report": ("report_cmds", "Summarise the session log LOG: time per zone, peak intensity, pauses, faults "
                              "and how it ended."),
    "run": ("run_cmds", "Run PROGRAM (a built-in name or a file) on a massager (--port) or the simulator "
                        "(--sim)."),
    "schema": ("program_cmds", "Print the JSON Schema of program files, for editors' YAML support."),
    "serve": ("serve_cmds", "Drive several massagers at once (--config FILE, or --sim N), on MQTT with Home "
                            "Assistant discovery, and with --web the web console over the same devices, in "
                            "one process."),
    "show": ("program_cmds", "Show a program (a name or a file) as a timeline table for a device profile."),
    "sim": ("sim_cmds", "Run a simulated massager until Ctrl-C; prints the port to open as the first line."),
    "validate": ("program_cmds", "Check program files; print every error as FILE:LINE: step N (name): "
                                 "field: message."),
    "web": ("web_cmds", "Serve the web console: programs with their plot and table, an editor that validates "
                        "as you type, 'check against my profile', and (with --sim or --config) the devices "
                        "live, with their controls."),
}


def load_command(name: str) -> click.Command | None:
    """The command called `name`, its module imported now; None for no such command."""
    if name not in COMMANDS:
        return None
    module = importlib.import_module(f"controller.cli.{COMMANDS[name][0]}")
    return next(c for c in module.COMMANDS if c.name == name)


class LazyGroup(click.Group):
    """A click group whose commands live in COMMANDS until one is used (click's lazy-loading pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load_command(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `--help`, from the table: the summaries click would cut from each help."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, click.Command(name, help=summary).get_short_help_str(limit))
                for name, (_module, summary) in sorted(COMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
