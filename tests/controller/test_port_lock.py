"""Issue 14: a port that does not exist leaves no lock file behind (RELIABILITY 27's lock, taken only for a
port that is there)."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.errors import LinkError, PortNotFound
from controller.wire.transport import PortLock, SerialTransport


def test_a_missing_port_leaves_no_lock_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    with pytest.raises(PortNotFound, match="no such port"):
        SerialTransport("/dev/no-such-massager")
    assert list(tmp_path.iterdir()) == []


def test_a_port_that_is_there_is_locked_and_released(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lock still comes before the open: /dev/null exists, is locked, then fails to open as a port."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    lock = PortLock("/dev/null")
    with pytest.raises(LinkError, match="cannot open '/dev/null'"):
        SerialTransport("/dev/null")
    lock.acquire()  # released again after the failed open
    lock.release()
    assert [p.name for p in tmp_path.iterdir()] == [lock.path.name]
