"""Options shared by several commands, declared once so the commands cannot drift apart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from controller.cli.simdevice import DEFAULT_PROFILE, SIM_PROFILES

F = TypeVar("F", bound=Callable[..., object])


def safety_options(command: F) -> F:
    """--profile-file, --acknowledge, --session-limit and --max-intensity: what the safety layer reads."""
    for option in reversed([
        click.option("--profile-file", type=click.Path(dir_okay=False, path_type=Path),
                     help="Health profile (default $XDG_CONFIG_HOME/massagectl/health.yaml)."),
        click.option("--acknowledge", is_flag=True,
                     help="Acknowledge the program's cautions and heat notice."),
        click.option("--session-limit", type=float,
                     help="Session limit in minutes (up to the hard maximum)."),
        click.option("--max-intensity", type=int, help="Lower (or raise, up to 10) the intensity limit."),
    ]):
        command = option(command)
    return command


def program_dirs_option(command: F) -> F:
    """--dir: more folders to find programs in."""
    option = click.option("--dir", "dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
                          help="Another folder of programs (searched before the user folder; repeatable).")
    return option(command)


def profile_option(help_text: str, *, multiple: bool = False) -> Callable[[F], F]:
    """--profile: one of the simulator's device profiles (foot by default; with `multiple`, any number)."""
    if multiple:
        return click.option("--profile", "profiles", multiple=True, type=click.Choice(SIM_PROFILES),
                            help=help_text)
    return click.option("--profile", type=click.Choice(SIM_PROFILES), default=DEFAULT_PROFILE,
                        show_default=True, help=help_text)


def baud_option(command: F) -> F:
    """--baud: the line rate of a real massager's port (firmware_protocol.md §2.1), 115200 by default."""
    option = click.option("--baud", type=click.Choice(["115200", "9600"]), default="115200",
                          show_default=True, callback=lambda ctx, param, value: int(value),
                          help="Line rate of the massager's port (§2.1 of the protocol).")
    return option(command)
