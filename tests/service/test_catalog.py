"""The service's programs are read again when their folders change, so a program saved or edited while the
service runs is started as it now is, without a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.clock import VirtualClock
from controller.service.api import Command, CommandRefused
from controller.service.catalog import ProgramCatalog
from controller.service.config import ServiceConfig
from tests.integration.test_pty_realtime import SHORT_PROGRAM
from tests.service.helpers import SimBench, device, running_hub


def test_refresh_reads_the_folders_again_only_when_they_changed(tmp_path: Path) -> None:
    changes: list[int] = []
    catalog = ProgramCatalog([tmp_path])
    catalog.subscribe(lambda: changes.append(1))
    assert catalog.get("pty-short") is None
    (tmp_path / "short.yaml").write_text(SHORT_PROGRAM)
    catalog.refresh()
    loaded = catalog.get("pty-short")
    assert loaded is not None and ("pty-short", "Short pty check") in catalog.names()
    assert changes == [1]
    catalog.refresh()
    assert catalog.get("pty-short") is loaded and changes == [1], "nothing changed: nothing read"
    (tmp_path / "short.yaml").write_text(SHORT_PROGRAM.replace("Short pty check", "Renamed"))
    catalog.refresh()
    renamed = catalog.get("pty-short")
    assert renamed is not None and renamed.program.name == "Renamed" and changes == [1, 1]
    (tmp_path / "short.yaml").unlink()
    catalog.refresh()
    assert catalog.get("pty-short") is None and len(changes) == 3


def test_a_program_written_while_the_hub_runs_can_be_started(tmp_path: Path) -> None:
    folder = tmp_path / "programs"
    folder.mkdir()
    config = ServiceConfig(devices=[device("a")], program_dirs=[folder], logs=False)
    with running_hub(config, SimBench(VirtualClock())) as (hub, watchers):
        watchers["a"].wait(lambda s: s.state == "ready")
        with pytest.raises(CommandRefused, match="no program named 'pty-short'"):
            hub.device("a").command(Command.START, program="pty-short")
        (folder / "short.yaml").write_text(SHORT_PROGRAM)
        hub.device("a").command(Command.START, program="pty-short")
        done = watchers["a"].wait(lambda s: s.note.endswith(": completed"))
        assert done.note == "Short pty check: completed"
        assert ("pty-short", "Short pty check") in hub.programs()
