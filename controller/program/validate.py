"""The `validate` command's core: which files to check, and every problem each one has."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from controller.errors import ProgramError, ProgramErrors
from controller.program.check import check_program
from controller.program.library import PROGRAM_SUFFIXES
from controller.program.loader import load_program_bytes, read_program_file
from controller.timetext import format_duration
from controller.userfiles import is_folder
from controller.wire.capabilities import DeviceCapabilities


def expand_files(
    paths: Sequence[Path], skipped_suffixes: Sequence[str]
) -> tuple[list[Path], list[Path]]:
    """Files to validate (a folder stands for its .yaml/.yml files) and files skipped as not programs.

    `validate programs/*` then works although the folder also holds Python files.
    """
    files: list[Path] = []
    skipped: list[Path] = []
    for path in paths:
        if is_folder(path):
            files += _programs_in(path)
        elif path.suffix in skipped_suffixes:
            skipped.append(path)
        else:
            files.append(path)
    return files, skipped


def _programs_in(folder: Path) -> list[Path]:
    """The program files of `folder`; the folder itself when it cannot be listed (its error says why)."""
    try:
        return sorted(p for p in folder.iterdir() if p.suffix in PROGRAM_SUFFIXES)
    except OSError:
        return [folder]


def validate_file(
    path: Path, devices: Sequence[DeviceCapabilities], session_limit_s: int
) -> tuple[list[ProgramError], str]:
    """Every error in the program file at `path` (format, then compiling for each device), and a summary."""
    try:
        data = read_program_file(path)
    except ProgramErrors as err:
        return err.errors, ""
    return validate_bytes(data, str(path), devices, session_limit_s)


def validate_bytes(
    data: bytes, file: str, devices: Sequence[DeviceCapabilities], session_limit_s: int
) -> tuple[list[ProgramError], str]:
    """`validate_file` for text not (yet) on disk, such as the web editor's, reported as `file`."""
    try:
        loaded = load_program_bytes(data, file)
    except ProgramErrors as err:
        return err.errors, ""
    errors = check_program(loaded, devices, session_limit_s=session_limit_s)
    program = loaded.program
    models = ", ".join(d.model for d in devices)
    return errors, f"{program.id}, {format_duration(program.total_s)}, runs on {models}"
