"""Program files in, validated programs out: bytes → text → plain data → Program, with every error located.

`load_program_bytes` is pure; `load_program_file` is the one place that reads a program from disk, through
controller/userfiles.py (nothing it could block on, nothing over the size limit) and the hardened YAML
reader controller/yamlsafe.py that health profiles share.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from controller.errors import InputFileError, ProgramError, ProgramErrors
from controller.program.diagnostics import program_errors, step_paths
from controller.program.model import Program
from controller.safety.conditions import Condition
from controller.userfiles import read_user_file
from controller.yamlsafe import MAX_BYTES as MAX_FILE_BYTES
from controller.yamlsafe import Path as DataPath
from controller.yamlsafe import Rules, SourceMap, load_yaml_bytes

PROGRAM_RULES = Rules("program files", nesting_hint="repeat blocks nest at most 2 deep")


@dataclass(frozen=True, slots=True)
class ConditionRef:
    """A condition a program names, whether it forbids or only cautions, and where in the file."""

    condition: Condition
    kind: Literal["contraindication", "caution"]
    note: str | None
    file: str
    line: int


@dataclass(frozen=True, slots=True)
class LoadedProgram:
    """A valid program with the file it came from and where each of its parts is written."""

    program: Program
    file: str
    source: SourceMap
    steps: tuple[DataPath, ...]  # path of step N (1-based) at index N-1

    def line_of_step(self, step: int | None, field: str | None = None) -> int:
        """The line of step `step` (or of its `field`); of the steps list when `step` is None."""
        if step is None or not 1 <= step <= len(self.steps):
            return self.source.line_of((field or "steps",), key=True)
        base = self.steps[step - 1]
        return self.source.line_of((*base, field) if field else base)

    def conditions(self) -> tuple[ConditionRef, ...]:
        """Every contraindication and caution, with the line that declares it."""
        found = [
            ConditionRef(c, "contraindication", None, self.file,
                         self.source.line_of(("contraindications", i)))
            for i, c in enumerate(self.program.contraindications)
        ]
        found += [
            ConditionRef(c.condition, "caution", c.note, self.file,
                         self.source.line_of(("cautions", i, "condition")))
            for i, c in enumerate(self.program.cautions)
        ]
        return tuple(found)


def load_program_bytes(data: bytes, file: str) -> LoadedProgram:
    """The valid program in `data`; raises ProgramErrors listing every problem found."""
    raw, source = load_yaml_bytes(data, file, PROGRAM_RULES)
    if not isinstance(raw, dict):
        raise _one(_not_a_mapping(raw), file, source.line_of(()))
    try:
        program = Program.model_validate(raw)
    except ValidationError as err:
        raise ProgramErrors(program_errors(err, raw, source, file)) from None
    steps = tuple(path for path, _ in step_paths(raw))
    return LoadedProgram(program, file, source, steps)


def _not_a_mapping(raw: Any) -> str:
    keys = "schema_version, id, name, description, intensity_class and steps"
    if raw is None:
        return f"file is empty; a program needs {keys}"
    return f"a program is a mapping of keys ({keys}), not a {type(raw).__name__}"


def read_program_file(path: Path) -> bytes:
    """The bytes of a regular file, at most the size limit; never blocks on a FIFO or device."""
    try:
        return read_user_file(path, "program file", MAX_FILE_BYTES)
    except InputFileError as err:
        raise _one(err.problem, str(path)) from None


def load_program_file(path: Path) -> LoadedProgram:
    """The valid program in the file at `path`; raises ProgramErrors."""
    return load_program_bytes(read_program_file(path), str(path))


def _one(message: str, file: str, line: int = 1) -> ProgramErrors:
    return ProgramErrors([ProgramError(message, file=file, line=line)])
