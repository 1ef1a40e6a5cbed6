"""Program files in, validated programs out: bytes → text → plain data → Program, with every error located.

`load_program_bytes` is pure; `load_program_file` is the one place that reads a program from disk, and it
opens nothing it could block on (FIFOs, devices) and reads nothing over the size limit.
"""

from __future__ import annotations

import codecs
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from controller.errors import ProgramError, ProgramErrors
from controller.program.diagnostics import program_errors, step_paths
from controller.program.model import Program
from controller.program.yamlsource import Path as DataPath
from controller.program.yamlsource import SourceMap, parse_yaml
from controller.safety.conditions import Condition

MAX_FILE_BYTES = 64 * 1024   # RELIABILITY 24: larger files are refused before parsing
_FOREIGN_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32", codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16", codecs.BOM_UTF16_BE: "UTF-16",
}


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


def decode_program_bytes(data: bytes, file: str) -> str:
    """UTF-8 text of a program file (a UTF-8 BOM is dropped); raises ProgramErrors otherwise."""
    if len(data) > MAX_FILE_BYTES:
        raise _one(f"file is {len(data)} bytes; program files are limited to {MAX_FILE_BYTES}", file)
    for bom, name in _FOREIGN_BOMS.items():
        if data.startswith(bom):
            raise _one(f"file is {name}-encoded; save it as UTF-8", file)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        byte = data[err.start : err.start + 1].hex()
        raise _one(f"file is not UTF-8 text (byte 0x{byte}); save it as UTF-8", file, line) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise _one("file holds a NUL character; it is not a text file", file, line)
    return text


def load_program_bytes(data: bytes, file: str) -> LoadedProgram:
    """The valid program in `data`; raises ProgramErrors listing every problem found."""
    raw, source = parse_yaml(decode_program_bytes(data, file), file)
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
    file = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise _one("no such file", file) from None
    except IsADirectoryError:
        raise _one("is a directory, not a program file", file) from None
    except OSError as err:
        raise _one(f"cannot open: {err.strerror}", file) from None
    try:
        _check_opened(os.fstat(fd), file)
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)


def _check_opened(info: os.stat_result, file: str) -> None:
    """Refuse what is not a regular program-sized file, before reading a byte of it."""
    if stat.S_ISDIR(info.st_mode):
        raise _one("is a directory, not a program file", file)
    if not stat.S_ISREG(info.st_mode):
        raise _one("is not a regular file (device, FIFO or socket); refusing to read it", file)
    if info.st_size > MAX_FILE_BYTES:
        raise _one(f"file is {info.st_size} bytes; program files are limited to {MAX_FILE_BYTES}", file)


def load_program_file(path: Path) -> LoadedProgram:
    """The valid program in the file at `path`; raises ProgramErrors."""
    return load_program_bytes(read_program_file(path), str(path))


def _one(message: str, file: str, line: int = 1) -> ProgramErrors:
    return ProgramErrors([ProgramError(message, file=file, line=line)])
