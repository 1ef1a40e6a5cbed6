"""Options shared by several commands, declared once so the commands cannot drift apart."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from controller.cli.simdevice import DEFAULT_PROFILE, SIM_PROFILES

F = TypeVar("F", bound=Callable[..., object])


class FiniteFloatRange(click.FloatRange):
    """click.FloatRange that also refuses nan and inf, which pass every comparison-based range check."""

    name = "finite float range"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


class SessionLimit(click.ParamType):
    """--session-limit, one unit for every command: minutes (`20`, `1.5`), or a unit in the value (`20m`,
    `90s`, `1m30s`). Converted to seconds; 0 or less is an error (leave the option out for the default).
    Whether it is within the allowed range is the safety policy's to say."""

    name = "minutes"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, int | float):
            return value
        from controller.program.duration import text_seconds

        text = str(value).strip()
        try:
            seconds = float(text) * 60
        except ValueError:
            try:
                seconds = text_seconds(text)
            except ValueError:
                self.fail(f"cannot read {text!r}: write minutes (20, 1.5) or a unit (20m, 90s, 1m30s)",
                          param, ctx)
        if not math.isfinite(seconds) or seconds <= 0:
            self.fail(f"{text!r}: a session limit must be more than 0 (leave it out for the default)",
                      param, ctx)
        return seconds


SESSION_LIMIT = SessionLimit()


def safety_options(command: F) -> F:
    """--profile-file, --acknowledge, --session-limit and --max-intensity: what the safety layer reads."""
    for option in reversed([
        click.option("--profile-file", type=click.Path(dir_okay=False, path_type=Path),
                     help="Health profile (default $XDG_CONFIG_HOME/massagectl/health.yaml)."),
        click.option("--acknowledge", is_flag=True,
                     help="Acknowledge the program's cautions and heat notice."),
        click.option("--session-limit", "session_limit_s", type=SESSION_LIMIT,
                     help="Session limit: minutes, or with a unit (20m, 90s); at most the hard maximum."),
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
