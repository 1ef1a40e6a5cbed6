"""The session log never raises while the device is being driven: a failed write is kept, and said once.

The link writes the log from inside an exchange with the device (its trace callback); an exception there
would leave the exchange half done. So `write` keeps the first failure in `failure` and skips the rest;
the run stops the device when it sees it (tests/integration/test_cli_outputs.py, in real processes).
"""

from __future__ import annotations

import dataclasses
import errno
import io
import json
from pathlib import Path

import pytest

from controller.clock import RealClock, VirtualClock
from controller.errors import OutputError
from controller.runs.sessionlog import SessionLog, frame_record
from controller.wire.protocol import (
    Frame,
    GetStatus,
    KeepAlive,
    Renew,
    SetActuators,
    SetEntry,
    Status,
    ZoneState,
)


class FillsUp(io.StringIO):
    """A file on a disk that is full after `room` characters: ENOSPC, as the kernel says it."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room

    def write(self, text: str) -> int:
        if self.tell() + len(text) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(text)


def test_a_full_disk_mid_log_is_kept_not_raised() -> None:
    stream = FillsUp(300)
    log = SessionLog(Path("s.jsonl"), VirtualClock(), stream=stream)
    for k in range(20):
        log.write("note", text=f"line {k}")  # never raises
    assert isinstance(log.failure, OutputError)
    assert str(log.failure) == "s.jsonl: cannot write the session log (No space left on device)"
    lines = stream.getvalue().splitlines()
    assert 0 < len(lines) < 20 and all(json.loads(line)["kind"] == "note" for line in lines)
    with pytest.raises(OutputError):
        log.raise_if_failed()
    log.close()


def test_dev_full_fails_on_the_first_flush_for_real() -> None:
    """The kernel's ENOSPC: /dev/full accepts the open and refuses every write (the CLI refuses to open
    a device as a log at all; this drives the write path with a real failing file). In real time every
    line is flushed, so the first one fails."""
    with open("/dev/full", "w", encoding="utf-8") as full:
        log = SessionLog(Path("/dev/full"), RealClock(), stream=full)
        log.begin(program="p")
        log.trace("tx", object())  # the link's callback: must not raise either
        assert log.failure is not None and "No space left on device" in str(log.failure)
        log.write("end", outcome="completed")
        log.close()  # a last flush that fails is kept, not raised


def test_on_a_virtual_clock_a_full_disk_is_found_when_the_buffer_is_written() -> None:
    """A simulated run buffers its log (issue 12): nothing reaches /dev/full until the buffer fills or
    the log is flushed, and then the failure is kept, not raised."""
    with open("/dev/full", "w", encoding="utf-8") as full:
        log = SessionLog(Path("/dev/full"), VirtualClock(), stream=full)
        log.begin(program="p")
        assert log.failure is None
        log.flush()
        assert log.failure is not None and "No space left on device" in str(log.failure)
        log.close()


def test_frames_are_logged_as_asdict_would_give_them(tmp_path: Path) -> None:
    """The log builds records from each message's fields; the result is what `dataclasses.asdict` gave."""
    entries = (SetEntry(1, 2, 3, 4, 1, 1500), SetEntry(2, 1, 0, 1, 0, 1500))
    status = Status(state=1, faults=0, temp_dC=300, uptime_ms=5, session_s=1, invalid_frames=0,
                    boot_count=2, zones=(ZoneState(1, 2, 3, 4, 1),))
    for message in (SetActuators(entries), status, Renew(1500, (0, 3)), KeepAlive(), GetStatus(None)):
        assert frame_record(Frame(7, message))["fields"] == dataclasses.asdict(message)
    log = SessionLog(tmp_path / "s.jsonl", VirtualClock())
    log.trace("tx", Frame(7, SetActuators(entries)))
    log.close()
    record = json.loads((tmp_path / "s.jsonl").read_text())
    assert record["fields"] == json.loads(json.dumps(dataclasses.asdict(SetActuators(entries))))


def test_a_healthy_log_has_no_failure(tmp_path: Path) -> None:
    log = SessionLog(tmp_path / "logs" / "s.jsonl", VirtualClock())
    log.begin(program="p")
    log.close()
    assert log.failure is None
    log.raise_if_failed()
    assert json.loads((tmp_path / "logs" / "s.jsonl").read_text())["kind"] == "session"
