"""A loaded program compiled and checked with every error placed on its line in the file."""

from __future__ import annotations

from collections.abc import Sequence

from controller.capabilities import DeviceCapabilities
from controller.errors import ProgramError, ProgramErrors
from controller.limits import DEFAULT_SESSION_LIMIT_S
from controller.program.compiler import compile_program
from controller.program.loader import LoadedProgram
from controller.timeline import Timeline


def compile_loaded(
    loaded: LoadedProgram, caps: DeviceCapabilities, *, session_limit_s: int = DEFAULT_SESSION_LIMIT_S
) -> Timeline:
    """compile_program for a program read from a file; its errors carry file and line."""
    try:
        return compile_program(loaded.program, caps, session_limit_s=session_limit_s)
    except ProgramErrors as err:
        raise ProgramErrors([_placed(e, loaded) for e in err.errors]) from None


def check_program(
    loaded: LoadedProgram,
    devices: Sequence[DeviceCapabilities],
    *,
    session_limit_s: int = DEFAULT_SESSION_LIMIT_S,
) -> list[ProgramError]:
    """Every problem compiling `loaded` for each of `devices` has, each reported once, by line."""
    found: dict[str, ProgramError] = {}
    for caps in devices:
        try:
            compile_loaded(loaded, caps, session_limit_s=session_limit_s)
        except ProgramErrors as err:
            for e in err.errors:
                found.setdefault(str(e), e)
    return sorted(found.values(), key=lambda e: e.line or 0)


def _placed(err: ProgramError, loaded: LoadedProgram) -> ProgramError:
    """`err` with the program's file and the line of its step and field."""
    return ProgramError(
        err.message,
        file=loaded.file,
        line=loaded.line_of_step(err.step, err.field),
        step=err.step,
        step_name=err.step_name,
        field=err.field,
    )
