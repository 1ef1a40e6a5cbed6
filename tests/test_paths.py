"""Every file massagectl keeps is placed by one set of XDG rules (controller/paths.py), the same for all."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from controller import paths
from controller.timetext import clock_text, format_duration, minutes_text, stamp_text

HOME = {"HOME": "/home/u"}


@pytest.mark.parametrize(("where", "variable", "default", "moved"), [
    (paths.health_profile_file, "XDG_CONFIG_HOME", "/home/u/.config/massagectl/health.yaml",
     "/x/massagectl/health.yaml"),
    (paths.user_programs_dir, "XDG_CONFIG_HOME", "/home/u/.config/massagectl/programs",
     "/x/massagectl/programs"),
    (paths.logs_dir, "XDG_STATE_HOME", "/home/u/.local/state/massagectl/logs", "/x/massagectl/logs"),
    (paths.rest_file, "XDG_STATE_HOME", "/home/u/.local/state/massagectl/last-session-end",
     "/x/massagectl/last-session-end"),
])
def test_every_place_follows_xdg_and_ignores_a_relative_variable(
        where: Callable[[Mapping[str, str]], Path], variable: str, default: str, moved: str) -> None:
    assert where(HOME) == Path(default)
    assert where({**HOME, variable: ""}) == Path(default)
    assert where({**HOME, variable: "relative/dir"}) == Path(default)  # invalid by the spec: ignored
    assert where({**HOME, variable: "/x"}) == Path(moved)


def test_the_lock_folder_ignores_a_relative_runtime_dir(tmp_path: Path) -> None:
    assert paths.lock_dir({"XDG_RUNTIME_DIR": str(tmp_path)}) == tmp_path
    assert paths.lock_dir({"XDG_RUNTIME_DIR": "."}) != Path(".")
    assert paths.lock_dir({"XDG_RUNTIME_DIR": str(tmp_path / "missing"), "TMPDIR": str(tmp_path)}) in (
        Path("/run/lock"), tmp_path)


def test_the_four_ways_time_is_written() -> None:
    assert [format_duration(s) for s in (45, 120, 90, 605)] == ["45s", "2m", "1m30s", "10m05s"]
    assert [minutes_text(s) for s in (45, 605.9, 1800)] == ["0:45", "10:05", "30:00"]
    assert [clock_text(s) for s in (-3, 45, 605, 3723)] == ["00:00", "00:45", "10:05", "1:02:03"]
    assert [stamp_text(s) for s in (-3, 125, 3723)] == ["00:00:00", "00:02:05", "01:02:03"]
