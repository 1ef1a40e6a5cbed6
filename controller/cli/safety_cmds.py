"""`massagectl check`: what the safety policy would refuse or limit for a program, before anything runs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from controller import exitcodes
from controller.cli.options import program_dirs_option, safety_options

if TYPE_CHECKING:
    from controller.safety.assess import Assessment, Finding


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
        from controller.cli.simdevice import sim_profile_capabilities
        from controller.paths import health_profile_file
        from controller.program.check import compile_loaded, program_meta
        from controller.program.library import program_folders, resolve_program
        from controller.safety.assess import assess
        from controller.safety.health import load_profile
        from controller.safety.limits import HARD_MAX_SESSION_S
        from controller.safety.policy import policy_for
        from controller.safety.shaping import limit_timeline

        loaded = resolve_program(program, program_folders(list(dirs)))
        health = load_profile(profile_file)
        policy = policy_for(health, session_limit_s=session_limit * 60 if session_limit else None,
                            max_intensity=max_intensity)
        assessment = assess(program_meta(loaded), health, acknowledge, policy=policy)
        caps = sim_profile_capabilities(profile)
        timeline = compile_loaded(loaded, caps, session_limit_s=HARD_MAX_SESSION_S)
        _, limited = limit_timeline(timeline, caps, policy)
        where = profile_file or health_profile_file()
        click.echo(f"{loaded.program.name} ({loaded.file}) on {caps.model}; health profile: "
                   f"{where if health is not None else f'none ({where} not found)'}")
        for finding in _sorted([*assessment.findings, *limited]):
            click.echo(f"  {finding}")
        click.echo(_verdict(assessment))
        sys.exit(exitcodes.REFUSED if assessment.refused else exitcodes.OK)


def _sorted(findings: list[Finding]) -> list[Finding]:
    """Refusals first, then cautions, limits and notes: the most important line is read first."""
    from controller.safety.assess import Level

    order = (Level.REFUSE, Level.CAUTION, Level.LIMIT, Level.INFO)
    return sorted(findings, key=lambda f: order.index(f.level))


def _verdict(assessment: Assessment) -> str:
    """The one-line answer a user (or a script, by the exit code) acts on."""
    from controller.safety.assess import Level

    if any(f.level is Level.REFUSE for f in assessment.findings):
        return "refused: this program will not run for this profile, even with --acknowledge"
    if assessment.needs_acknowledgement:
        return "needs acknowledgement: read the cautions above, then run with --acknowledge"
    return "may run" + (" (cautions acknowledged)" if assessment.acknowledged else "")
