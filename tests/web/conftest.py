"""Fixtures for the web console's tests: a user folder of its own, and a test client over the app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from controller.cli.simdevice import sim_profiles
from controller.web.app import WebConfig, create_app


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A home of the test's own: no user programs, no health profile, until a test writes them."""
    return {"XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)}


@pytest.fixture
def user_dir(env: dict[str, str]) -> Path:
    return Path(env["XDG_CONFIG_HOME"]) / "massagectl" / "programs"


@pytest.fixture
def client(env: dict[str, str]) -> Iterator[TestClient]:
    app = create_app(WebConfig(env=env, hosts=("testserver",), profiles=sim_profiles()))
    with TestClient(app) as test_client:
        yield test_client
