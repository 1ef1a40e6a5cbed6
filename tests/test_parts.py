"""The skip-or-fail rule for real parts: a skip outside CI, a failure under CI=true."""

from __future__ import annotations

import pytest

from tests import parts


def test_missing_part_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="apt-get install no-such-package"):
        parts.need("no-such-program-massagectl", "no-such-package")


def test_missing_part_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        parts.need("no-such-program-massagectl", "no-such-package")


def test_present_part_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert parts.need("sh", "dash").endswith("sh")
