"""A `massagectl`-like group holding only the program commands, with the real group's error handling.

program_cmds.py is loaded from its file, not through `controller.cli`, so these tests exercise the
program commands whatever state the other command modules (imported by `controller.cli`) are in.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import click

from controller.errors import MassagerError

_SOURCE = Path(__file__).resolve().parents[2] / "controller" / "cli" / "program_cmds.py"
_spec = importlib.util.spec_from_file_location("massagectl_program_cmds", _SOURCE)
assert _spec and _spec.loader
program_cmds = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(program_cmds)


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except MassagerError as err:
            click.echo(f"massagectl: {err}", err=True)
            sys.exit(2)


@click.group(cls=_Group)
def main() -> None:
    """massagectl (program commands only)."""


program_cmds.register(main)

if __name__ == "__main__":
    main()
