"""Fixtures of the integration tests: a simulator in its own process (tests/integration/simprocess.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.simprocess import SimProcess


@pytest.fixture
def sim_process(tmp_path: Path) -> Iterator[SimProcess]:
    sim = SimProcess(tmp_path / "record.jsonl")
    yield sim
    assert sim.stop() == 0
