"""`massagectl check`: what the safety policy would refuse or limit for a program, before anything runs."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from controller import exitcodes
from controller.cli.options import profile_option, program_dirs_option, safety_options
from controller.ui.text import printable


@click.command("check")
@click.argument("program")
@profile_option("Device to check against (the simulator's profile of it).")
@safety_options
@program_dirs_option
def check_cmd(program: str, profile_file: Path | None, profile: str, acknowledge: bool,
              session_limit_s: float | None, max_intensity: int | None, dirs: tuple[Path, ...]) -> None:
    """Say what would be refused or limited for PROGRAM, and why; exit 5 if it may not run.

    The same steps as `run` up to the first SET: the program, the profile and the verdict (plan_for),
    then what the policy changes on the device (check_findings, through timeline_for), here the
    simulator's profile of it.
    """
    from controller.cli.run_session import plan_for
    from controller.cli.simdevice import sim_profile_capabilities
    from controller.paths import health_profile_file
    from controller.runs.plan import check_findings

    plan, health = plan_for(program, dirs=dirs, profile_file=profile_file, acknowledge=acknowledge,
                            session_limit_s=session_limit_s, max_intensity=max_intensity)
    caps = sim_profile_capabilities(profile)
    where = profile_file or health_profile_file()
    click.echo(printable(f"{plan.loaded.program.name} ({plan.loaded.file}) on {caps.model}; health profile: "
                         f"{where if health is not None else f'none ({where} not found)'}"))
    for finding in check_findings(plan, caps):
        click.echo(printable(f"  {finding}"))
    click.echo(plan.assessment.verdict)
    sys.exit(exitcodes.REFUSED if plan.assessment.refused else exitcodes.OK)


COMMANDS = (check_cmd,)
