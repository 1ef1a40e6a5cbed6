"""`massagectl check`: what the safety policy would refuse or limit for a program, before anything runs."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from controller import exitcodes
from controller.cli.options import program_dirs_option, safety_options


def register(group: click.Group) -> None:
    """Add this module's commands to the `massagectl` group."""

    @group.command("check")
    @click.argument("program")
    @click.option("--profile", type=click.Choice(["foot", "chair"]), default="foot", show_default=True,
                  help="Device to check against (the simulator's profile of it).")
    @safety_options
    @program_dirs_option
    def check_cmd(program: str, profile_file: Path | None, profile: str, acknowledge: bool,
                  session_limit: float | None, max_intensity: int | None, dirs: tuple[Path, ...]) -> None:
        """Say what would be refused or limited for PROGRAM, and why; exit 5 if it may not run."""
        from controller.capabilities import sim_profile_capabilities
        from controller.health import default_profile_path, load_profile
        from controller.precheck import precheck
        from controller.program.library import program_folders, resolve_program

        loaded = resolve_program(program, program_folders(list(dirs)))
        health = load_profile(profile_file)
        caps = sim_profile_capabilities(profile)
        result = precheck(loaded, health, caps, acknowledge=acknowledge,
                          session_limit_s=session_limit * 60 if session_limit else None,
                          max_intensity=max_intensity)
        where = profile_file or default_profile_path()
        click.echo(f"{loaded.program.name} ({loaded.file}) on {caps.model}; health profile: "
                   f"{where if health is not None else f'none ({where} not found)'}")
        for finding in result.findings:
            click.echo(f"  {finding}")
        click.echo(result.verdict)
        sys.exit(exitcodes.REFUSED if result.refused else exitcodes.OK)
