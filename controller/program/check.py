"""A loaded program compiled and checked with every error placed on its line in the file, and the safety
layer's view of it (`program_meta`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from controller.errors import ProgramError, ProgramErrors
from controller.program.compiler import compile_program
from controller.program.loader import LoadedProgram
from controller.program.model import RepeatBlock, Step
from controller.safety.assess import DeclaredCondition, ProgramMeta
from controller.safety.limits import DEFAULT_SESSION_LIMIT_S
from controller.timeline import Timeline
from controller.wire.capabilities import DeviceCapabilities


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


def program_meta(loaded: LoadedProgram) -> ProgramMeta:
    """The policy's view of a loaded program: its declared conditions with their lines, and its heat."""
    refs = loaded.conditions()
    declared = {kind: tuple(DeclaredCondition(r.condition, r.line, r.note) for r in refs if r.kind == kind)
                for kind in ("contraindication", "caution")}
    program = loaded.program
    return ProgramMeta(program.id, program.name, loaded.file, declared["contraindication"],
                       declared["caution"], _uses_heat(program.steps))


def _uses_heat(steps: Iterable[Step]) -> bool:
    return any(_uses_heat(s.steps) if isinstance(s, RepeatBlock) else s.heat != "off" for s in steps)

