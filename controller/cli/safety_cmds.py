"""`massagectl check`: what the safety policy would refuse or limit for a program, before anything runs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from controller import exitcodes
from controller.cli.options import profile_option, program_dirs_option, safety_options

if TYPE_CHECKING:
    from controller.safety.assess import Assessment, Finding


@click.command("check")
@click.argument("program")
@profile_option("Device to check against (the simulator's profile of it).")
@safety_options
@program_dirs_option
def check_cmd(program: str, profile_file: Path | None, profile: str, acknowledge: bool,
              session_limit_s: float | None, max_intensity: int | None, dirs: tuple[Path, ...]) -> None:
    """Say what would be refused or limited for PROGRAM, and why; exit 5 if it may not run.

    The same steps as `run` up to the first SET: the program, the profile and the verdict (plan_for),
    then the timeline for the device (timeline_for), here the simulator's profile of it.
    """
    from controller.cli.run_session import plan_for
    from controller.cli.simdevice import sim_profile_capabilities
    from controller.paths import health_profile_file
    from controller.runs.plan import timeline_for

    plan, health = plan_for(program, dirs=dirs, profile_file=profile_file, acknowledge=acknowledge,
                            session_limit_s=session_limit_s, max_intensity=max_intensity)
    caps = sim_profile_capabilities(profile)
    _, limited = timeline_for(plan, caps)
    where = profile_file or health_profile_file()
    click.echo(f"{plan.loaded.program.name} ({plan.loaded.file}) on {caps.model}; health profile: "
               f"{where if health is not None else f'none ({where} not found)'}")
    for finding in _sorted([*plan.assessment.findings, *limited]):
        click.echo(f"  {finding}")
    click.echo(_verdict(plan.assessment))
    sys.exit(exitcodes.REFUSED if plan.assessment.refused else exitcodes.OK)


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


COMMANDS = (check_cmd,)
