"""Program lookup: names only inside configured folders, precedence, duplicates, close matches."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from controller.errors import ProgramErrors
from controller.paths import user_programs_dir
from controller.program.library import (
    ProgramFolder,
    duplicate_ids,
    program_folders,
    resolve_program,
    scan_folder,
)
from programs import PROGRAMS_DIR

SLEEP = (PROGRAMS_DIR / "sleep.yaml").read_text()


def _write(folder: Path, file: str, program_id: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file
    path.write_text(SLEEP.replace("id: sleep", f"id: {program_id}"))
    return path


def _folders(tmp_path: Path, *extra: Path) -> tuple[ProgramFolder, ...]:
    return program_folders(extra, env={"XDG_CONFIG_HOME": str(tmp_path / "config")})


def test_user_folder_respects_xdg_config_home(tmp_path: Path) -> None:
    assert user_programs_dir({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "massagectl" / "programs"
    assert user_programs_dir({"HOME": "/home/u"}) == Path("/home/u/.config/massagectl/programs")
    assert user_programs_dir({"HOME": "/home/u", "XDG_CONFIG_HOME": "relative"}) == Path(
        "/home/u/.config/massagectl/programs")


def test_user_program_found_by_id(tmp_path: Path) -> None:
    _write(tmp_path / "config" / "massagectl" / "programs", "mine.yaml", "my-sleep")
    assert resolve_program("my-sleep", _folders(tmp_path)).program.id == "my-sleep"


def test_dir_option_comes_first(tmp_path: Path) -> None:
    path = _write(tmp_path / "extra", "other.yaml", "sleep")
    assert resolve_program("sleep", _folders(tmp_path, tmp_path / "extra")).file == str(path)
    assert resolve_program("sleep", _folders(tmp_path)).file == str(PROGRAMS_DIR / "sleep.yaml")


def test_duplicate_ids_in_one_folder(tmp_path: Path) -> None:
    first = _write(tmp_path / "d", "a.yaml", "twin")
    second = _write(tmp_path / "d", "b.yaml", "twin")
    with pytest.raises(ProgramErrors) as caught:
        resolve_program("twin", _folders(tmp_path, tmp_path / "d"))
    id_line = SLEEP.splitlines().index("id: sleep") + 1
    assert str(caught.value) == (
        f"{second}:{id_line}: program id 'twin' is also used by {first}; ids must be unique in a folder")
    entries = scan_folder(ProgramFolder(tmp_path / "d", "dir"))
    assert len(duplicate_ids(entries)) == 1


def test_unknown_name_lists_close_matches(tmp_path: Path) -> None:
    with pytest.raises(ProgramErrors) as caught:
        resolve_program("slep", _folders(tmp_path))
    assert str(caught.value) == (
        "no program named 'slep'; did you mean sleep? (`massagectl list` shows them all)")


@pytest.mark.parametrize("ref", ["../../etc/passwd", "..", "Sleep!", "a b"])
def test_names_cannot_leave_the_folders(tmp_path: Path, ref: str) -> None:
    with pytest.raises(ProgramErrors):
        resolve_program(ref, _folders(tmp_path))


def test_symlink_out_of_folder_is_ignored(tmp_path: Path) -> None:
    outside = _write(tmp_path / "outside", "x.yaml", "escape")
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "link.yaml").symlink_to(outside)
    (folder / "root.yaml").symlink_to("/")
    with pytest.raises(ProgramErrors, match="no program named 'escape'"):
        resolve_program("escape", _folders(tmp_path, folder))
    errors = [e for entry in scan_folder(ProgramFolder(folder, "dir")) for e in entry.errors]
    assert all("links outside its program folder" in str(e) for e in errors) and len(errors) == 2


def test_fifo_in_folder_does_not_block(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    os.mkfifo(folder / "pipe.yaml")
    started = time.perf_counter()
    (entry,) = scan_folder(ProgramFolder(folder, "dir"))
    assert time.perf_counter() - started < 1.0
    assert entry.loaded is None and "not a regular file" in str(entry.errors[0])


def test_explicit_paths_may_be_absolute(tmp_path: Path) -> None:
    path = _write(tmp_path / "anywhere", "p.yaml", "anywhere")
    assert resolve_program(str(path), _folders(tmp_path)).program.id == "anywhere"
    with pytest.raises(ProgramErrors, match="not a regular file"):
        resolve_program("/dev/zero", _folders(tmp_path))


def test_missing_dir_option_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ProgramErrors, match="no such program folder"):
        resolve_program("sleep", _folders(tmp_path, tmp_path / "nope"))


def test_a_file_named_after_the_id_is_found_without_parsing_the_others(tmp_path: Path) -> None:
    """Start-up (issue 12): `sleep` opens sleep.yaml and parses nothing else — not even a neighbour that
    claims the same id (which `list` reports, test_duplicate_ids_in_one_folder)."""
    folder = tmp_path / "d"
    path = _write(folder, "sleep.yaml", "sleep")
    _write(folder, "also-sleep.yaml", "sleep")
    assert resolve_program("sleep", _folders(tmp_path, folder)).file == str(path)


def test_a_file_named_after_another_id_falls_back_to_the_scan(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    _write(folder, "sleep.yaml", "calm")
    path = _write(folder, "other.yaml", "sleep")
    assert resolve_program("sleep", _folders(tmp_path, folder)).file == str(path)


def test_a_folder_name_too_long_for_the_file_system_is_said_not_a_crash(tmp_path: Path) -> None:
    """Looking for sleep.yaml in a --dir whose name is too long (ENAMETOOLONG) must not raise OSError."""
    with pytest.raises(ProgramErrors, match="no such program folder"):
        resolve_program("sleep", _folders(tmp_path, tmp_path / ("x" * 5000)))
