"""What the web console's authoring pages show and do, without HTTP: the library, a program's page,
validating, checking and saving editor text. Every answer is the one the command line gives
(`list`, `show`, `plot`, `validate`, `check`), from the same functions. The devices a program is shown,
validated and checked against are given as capabilities (the command line gives the simulator's profiles).
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from controller.errors import ProgramError, ProgramErrors
from controller.program.check import compile_loaded
from controller.program.diagnostics import UnplacedProgramError
from controller.program.library import (
    CatalogEntry,
    ProgramFolder,
    duplicate_ids,
    looks_like_path,
    resolve_program,
    scan_folder,
)
from controller.program.loader import PROGRAM_RULES, LoadedProgram, load_program_bytes, read_program_file
from controller.program.validate import validate_bytes
from controller.runs.plan import assess_run, check_findings
from controller.safety.assess import Assessment, Finding
from controller.safety.conditions import CONDITIONS
from controller.safety.health import HealthProfile
from controller.safety.limits import DEFAULT_SESSION_LIMIT_S
from controller.timetext import format_duration
from controller.ui.programs import timeline_caption, timeline_columns, timeline_row
from controller.wire.capabilities import DeviceCapabilities
from controller.yamlsafe import decode_text


class ProgramExists(UnplacedProgramError):
    """Saving would replace a program in the user's folder that the editor did not open."""

    def __init__(self, message: str, program_id: str) -> None:
        super().__init__(message)
        self.program_id = program_id


@dataclass(frozen=True, slots=True)
class LibraryRow:
    """One program of the library, as the list shows it."""

    id: str
    name: str
    intensity_class: str
    length: str
    origin: str
    file: str
    hidden_by: str | None


@dataclass(frozen=True, slots=True)
class ConditionLine:
    """A contraindication or caution as the program page lists it."""

    condition: str
    label: str
    note: str | None
    line: int


@dataclass(frozen=True, slots=True)
class ProgramPage:
    """A program opened: where it comes from, its text, and its compiled timeline for one device."""

    loaded: LoadedProgram
    origin: str
    text: str
    caps: DeviceCapabilities
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str
    contraindications: tuple[ConditionLine, ...]
    cautions: tuple[ConditionLine, ...]
    svg: str                       # the `massagectl plot` picture

    @property
    def length(self) -> str:
        return format_duration(self.loaded.program.total_s)


def library(folders: Sequence[ProgramFolder]) -> tuple[list[LibraryRow], list[str]]:
    """Every program found, in lookup order, and every problem (invalid files, clashing ids), as `list`."""
    entries: list[CatalogEntry] = []
    problems: list[str] = []
    for folder in folders:
        try:
            entries += scan_folder(folder)
        except ProgramErrors as err:
            problems += [str(e) for e in err.errors]
    first: dict[str, CatalogEntry] = {}
    rows = []
    for entry in entries:
        if entry.loaded is None:
            problems += [str(e) for e in entry.errors]
            continue
        p = entry.loaded.program
        owner = first.setdefault(p.id, entry)
        rows.append(LibraryRow(p.id, p.name, p.intensity_class, format_duration(p.total_s),
                               entry.folder.origin, str(entry.file),
                               None if owner is entry else str(owner.file)))
    problems += [str(e) for e in duplicate_ids(entries)]
    return rows, problems


def find_program(ref: str, folders: Sequence[ProgramFolder]) -> tuple[LoadedProgram, str]:
    """The program named `ref` (an id, never a path) and the origin of its folder."""
    if looks_like_path(ref):
        raise ProgramErrors([UnplacedProgramError(f"{ref!r} is not a program name")])
    loaded = resolve_program(ref, folders)
    file = Path(loaded.file).resolve()
    origin = next((f.origin for f in folders if file.is_relative_to(f.path.resolve())), "file")
    return loaded, origin


def program_page(ref: str, folders: Sequence[ProgramFolder], caps: DeviceCapabilities) -> ProgramPage:
    """What the program page shows for `ref` compiled for the device `caps`."""
    from controller.ui.plot import timeline_svg

    loaded, origin = find_program(ref, folders)
    timeline = compile_loaded(loaded, caps)
    text = read_text(Path(loaded.file))
    refs = loaded.conditions()
    lines = [ConditionLine(r.condition, CONDITIONS[r.condition].label, r.note, r.line) for r in refs]
    kinds = [r.kind for r in refs]
    return ProgramPage(
        loaded, origin, text, caps, timeline_columns(caps),
        tuple(timeline_row(c) for c in timeline.commands), timeline_caption(timeline),
        tuple(c for c, k in zip(lines, kinds, strict=True) if k == "contraindication"),
        tuple(c for c, k in zip(lines, kinds, strict=True) if k == "caution"),
        timeline_svg(timeline, caps),
    )


def read_text(path: Path) -> str:
    """A program file's text, read as the loader reads it (bounded, UTF-8); ProgramErrors otherwise."""
    return decode_text(read_program_file(path), str(path), PROGRAM_RULES)


def validate_text(text: str, file: str, devices: Sequence[DeviceCapabilities],
                  session_limit_s: int = DEFAULT_SESSION_LIMIT_S) -> tuple[list[ProgramError], str]:
    """Every error in `text` exactly as `massagectl validate FILE` reports it, and its summary."""
    return validate_bytes(text.encode("utf-8", "surrogatepass"), file, devices, session_limit_s)


def check_program(loaded: LoadedProgram, health: HealthProfile | None,
                  caps: DeviceCapabilities) -> tuple[list[Finding], Assessment]:
    """What `massagectl check` says for `loaded` on `caps` with this health profile, by the same path: the
    run's verdict (assess_run) and what the policy would change on the device (check_findings)."""
    plan = assess_run(loaded, health, acknowledged=False)
    return check_findings(plan, caps), plan.assessment


def load_text(text: str, file: str) -> LoadedProgram:
    """The valid program in editor text; ProgramErrors otherwise."""
    return load_program_bytes(text.encode("utf-8", "surrogatepass"), file)


def save_program(text: str, file: str, user: ProgramFolder, built_in: ProgramFolder,
                 devices: Sequence[DeviceCapabilities], *, replace: str | None) -> Path:
    """Write valid `text` to the user's folder as `<id>.yaml`; returns the path.

    Refused with ProgramErrors when the text has any `validate` error, when its id is a built-in's, when
    another file of the folder has its id, or (ProgramExists) when `<id>.yaml` exists and `replace` is
    not that id: the editor opened it, so saving over it is what the author asked for.
    """
    errors, _ = validate_text(text, file, devices)
    if errors:
        raise ProgramErrors(errors)
    program_id = load_text(text, file).program.id
    if any(e.id == program_id for e in scan_folder(built_in)):
        raise ProgramErrors([UnplacedProgramError(
            f"{program_id!r} is a built-in program; give your version its own id "
            f"(for example {program_id}-mine) so both stay available")])
    target = user.path / f"{program_id}.yaml"
    _refuse_clash(program_id, target, user, replace)
    write_atomically(target, text.encode("utf-8"))
    return target


def _refuse_clash(program_id: str, target: Path, user: ProgramFolder, replace: str | None) -> None:
    """Refuse a second file with one id in the folder, and a replacement the author did not ask for."""
    try:
        entries = scan_folder(user)
    except ProgramErrors:
        entries = []
    for entry in entries:
        if entry.id == program_id and entry.file.name != target.name:
            raise ProgramErrors([UnplacedProgramError(
                f"{entry.file} already has the id {program_id!r}; ids must be unique in a folder")])
    if target.exists() and replace != program_id:
        raise ProgramExists(
            f"{target} exists; replace it only if you mean to (or give the program another id)", program_id)


def write_atomically(target: Path, data: bytes) -> None:
    """Write `data` to `target` through a temporary file in its folder; a clear error for each failure."""
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise _write_error(err, folder, target) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except OSError as err:
        Path(temp).unlink(missing_ok=True)
        raise _write_error(err, folder, target) from None


def _write_error(err: OSError, folder: Path, target: Path) -> ProgramErrors:
    """The failure to write `target`, in words that say what to do."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        text = f"the disk is full: no room to save {target.name} in {folder}; free some space and save again"
    elif err.errno == errno.EROFS:
        text = f"{folder} is on a read-only file system; programs cannot be saved there"
    elif err.errno in (errno.EACCES, errno.EPERM):
        text = f"no permission to write in {folder}; check the folder's owner and permissions"
    elif err.errno in (errno.ENOTDIR, errno.EEXIST):
        text = f"{folder} is not a folder (a file is in the way); move it aside to save programs"
    else:
        text = f"{target}: cannot write: {err.strerror or err}"
    return ProgramErrors([UnplacedProgramError(text)])
