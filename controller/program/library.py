"""Finding programs: built-in ones, the user's folder, folders given on the command line, or a file path.

A name resolves only inside the configured folders: names are program ids (no `/`, no `..`), and a file
found there is used only if it is a regular file whose real path stays inside the folder. Only a
reference written as a path (with a `/` or a .yaml/.yml ending) opens a file elsewhere.
Folders are searched in order — `--dir` folders, then the user folder, then the built-in library — and the
first folder holding the id wins; two files with one id in the same folder are an error. A file named
after the id (`sleep.yaml` for `sleep`) is tried first in each folder and, when it holds that id, wins
without the folder's other files being parsed (start-up, issue 12); `massagectl list` still reports a
second file with the same id there.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from controller.errors import ProgramError, ProgramErrors
from controller.paths import user_programs_dir
from controller.program.diagnostics import UnplacedProgramError
from controller.program.loader import LoadedProgram, load_program_file
from controller.program.vocabulary import PROGRAM_ID_RE
from controller.userfiles import is_folder, is_regular
from programs import PROGRAMS_DIR

PROGRAM_SUFFIXES = (".yaml", ".yml")

Origin = Literal["dir", "user", "built-in"]


@dataclass(frozen=True, slots=True)
class ProgramFolder:
    """A folder programs are looked up in, and why it is searched."""

    path: Path
    origin: Origin


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One program file found in a folder: its program when valid, its errors when not."""

    file: Path
    folder: ProgramFolder
    loaded: LoadedProgram | None
    errors: tuple[ProgramError, ...] = ()

    @property
    def id(self) -> str | None:
        return self.loaded.program.id if self.loaded else None


def program_folders(
    extra: Sequence[Path] = (), env: Mapping[str, str] | None = None
) -> tuple[ProgramFolder, ...]:
    """The folders searched for program names, in order of precedence."""
    folders = [ProgramFolder(Path(p), "dir") for p in extra]
    folders.append(ProgramFolder(user_programs_dir(env), "user"))
    folders.append(ProgramFolder(PROGRAMS_DIR, "built-in"))
    return tuple(folders)


def scan_folder(folder: ProgramFolder) -> list[CatalogEntry]:
    """Every program file in `folder` (not recursive), loaded or with its errors; sorted by name."""
    if folder.origin == "dir" and not is_folder(folder.path):
        raise ProgramErrors([UnplacedProgramError(f"{folder.path}: no such program folder")])
    if not is_folder(folder.path):
        return []
    try:
        files = sorted(folder.path.iterdir())
    except OSError as err:
        raise ProgramErrors([UnplacedProgramError(f"{folder.path}: cannot read: {err.strerror}")]) from None
    entries = []
    for file in files:
        if file.suffix in PROGRAM_SUFFIXES and not file.name.startswith("."):
            entries.append(_entry(file, folder))
    return entries


def _entry(file: Path, folder: ProgramFolder) -> CatalogEntry:
    """`file` loaded, unless it leaves the folder or is invalid."""
    if not file.resolve().is_relative_to(folder.path.resolve()):
        outside = ProgramError("links outside its program folder; ignored", file=str(file), line=1)
        return CatalogEntry(file, folder, None, (outside,))
    try:
        return CatalogEntry(file, folder, load_program_file(file))
    except ProgramErrors as err:
        return CatalogEntry(file, folder, None, tuple(err.errors))


def duplicate_ids(entries: Sequence[CatalogEntry]) -> list[ProgramError]:
    """An error for each id that two files of one folder share."""
    seen: dict[tuple[Path, str], Path] = {}
    errors = []
    for entry in entries:
        if entry.id is None:
            continue
        key = (entry.folder.path, entry.id)
        if key in seen:
            errors.append(ProgramError(
                f"program id {entry.id!r} is also used by {seen[key]}; ids must be unique in a folder",
                file=str(entry.file), line=entry.loaded.source.line_of(("id",)) if entry.loaded else 1))
        else:
            seen[key] = entry.file
    return errors


def looks_like_path(ref: str) -> bool:
    """Whether `ref` is written as a file path rather than a program name."""
    return "/" in ref or os.sep in ref or ref.endswith(PROGRAM_SUFFIXES) or ref.startswith(("~", "."))


def resolve_program(ref: str, folders: Sequence[ProgramFolder]) -> LoadedProgram:
    """The program `ref` names (an id in `folders`, or a file path); raises ProgramErrors."""
    if looks_like_path(ref):
        return load_program_file(Path(ref).expanduser())
    if not PROGRAM_ID_RE.match(ref):
        raise ProgramErrors([UnplacedProgramError(
            f"{ref!r} is neither a program name (lower-case letters, digits, - and _) nor a file path")])
    known: list[str] = []
    for folder in folders:
        named = _named_file(ref, folder)
        if named is not None:
            return named
        entries = scan_folder(folder)
        matches = [e for e in entries if e.id == ref]
        if len(matches) > 1:
            raise ProgramErrors(duplicate_ids(matches))
        if matches and matches[0].loaded is not None:
            return matches[0].loaded
        known += [e.id for e in entries if e.id]
    close = difflib.get_close_matches(ref, sorted(set(known)), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ProgramErrors([UnplacedProgramError(
        f"no program named {ref!r}{hint} (`massagectl list` shows them all)")])


def _named_file(ref: str, folder: ProgramFolder) -> LoadedProgram | None:
    """The program in `folder` from the file named after `ref`, if there is one and its id is `ref`; None
    also for a folder it cannot look in (the scan that follows says why)."""
    if not is_folder(folder.path):
        return None
    for suffix in PROGRAM_SUFFIXES:
        file = folder.path / f"{ref}{suffix}"
        if is_regular(file):
            entry = _entry(file, folder)
            if entry.id == ref:
                return entry.loaded
    return None
