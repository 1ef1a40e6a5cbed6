"""The programs a service can start: every valid program of its folders by id, read again when they change.

A start (from any front end) and the web editor's save call `refresh`: it looks whether a folder or a
program file changed since the last read (a stat of each, no parsing) and reads them all again only then,
so a program saved or edited while the service runs is started as it now is, without a restart. Front
ends that list the programs (MQTT discovery's select) subscribe to changes of the list.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from controller.errors import ProgramErrors
from controller.program.library import PROGRAM_SUFFIXES, program_folders, scan_folder
from controller.program.loader import LoadedProgram

log = logging.getLogger(__name__)

Stamp = tuple[tuple[str, int, int, int], ...]


def load_catalog(extra_dirs: Sequence[Path]) -> dict[str, LoadedProgram]:
    """Every valid program by id; a folder earlier in the search order wins, as for `run PROGRAM`."""
    catalog: dict[str, LoadedProgram] = {}
    for folder in program_folders(list(extra_dirs)):
        for entry in scan_folder(folder):
            if entry.loaded is None:
                log.warning("skipping %s: %s", entry.file, "; ".join(str(e) for e in entry.errors))
            elif entry.loaded.program.id not in catalog:
                catalog[entry.loaded.program.id] = entry.loaded
    return dict(sorted(catalog.items()))


class ProgramCatalog:
    """The service's programs; `refresh` reads the folders again when they changed. Any thread may call it."""

    def __init__(self, dirs: Sequence[Path]) -> None:
        self.dirs = tuple(dirs)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []
        self._stamp = _stamp(self.dirs)
        self._programs = load_catalog(self.dirs)

    def get(self, program_id: str) -> LoadedProgram | None:
        return self._programs.get(program_id)

    def names(self) -> tuple[tuple[str, str], ...]:
        """(id, name) of every program, by id."""
        return tuple((pid, loaded.program.name) for pid, loaded in self._programs.items())

    def subscribe(self, callback: Callable[[], None]) -> None:
        """Call `callback` (in the refreshing thread) when the list of ids or names has changed."""
        self._listeners.append(callback)

    def refresh(self) -> None:
        """Read the folders again if a folder or program file changed since the last read."""
        with self._lock:
            stamp = _stamp(self.dirs)  # before reading: a change while reading is seen next time
            if stamp == self._stamp:
                return
            try:
                programs = load_catalog(self.dirs)
            except ProgramErrors as err:  # a --dir folder removed meanwhile: keep what was there
                log.warning("programs not read again: %s", err)
                return
            before = self.names()
            self._programs, self._stamp = programs, stamp
            changed = self.names() != before
        for callback in list(self._listeners) if changed else ():
            try:
                callback()
            except Exception:  # a front end's bug must not stop a start
                log.exception("program list subscriber failed")


def _stamp(dirs: Sequence[Path]) -> Stamp:
    """Each folder's and program file's modification time, size and inode: what a save or an edit changes."""
    found: list[tuple[str, int, int, int]] = []
    for folder in program_folders(list(dirs)):
        with contextlib.suppress(OSError):
            info = folder.path.stat()
            found.append((str(folder.path), info.st_mtime_ns, 0, info.st_ino))
            for path in sorted(folder.path.iterdir()):
                if path.suffix in PROGRAM_SUFFIXES:
                    with contextlib.suppress(OSError):
                        info = path.stat()
                        found.append((str(path), info.st_mtime_ns, info.st_size, info.st_ino))
    return tuple(found)
