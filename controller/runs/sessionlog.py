"""Session log: JSON Lines of every command, reply, event and state change, with timestamps.

One object per line, always with `t` (seconds since the session began, on the session's clock), `wall`
(UTC ISO time) and `kind`:

    session  schema_version, program, program_name, device (model/firmware/serial/simulator),
             zones {id: name}, total_s
    state    from, to, error (the error's stable kind, controller/errors.py, or "")
    tx / rx  seq, type (the §3 message type: SET, SOFT_STOP, ESTOP, ACK, NAK …), fields (the frame's
             message, device ids and units)
    event    code, name, arg
    note     text
    end      outcome, position_s, error (its message)

Schema version 2. Logs written before there was a `schema_version` (version 1) named frame types and
errors by their Python classes (SetActuators, LinkClosed); `report` reads both. Written by the command
line from the link's trace callback and the session's hooks; read by `report`.

On a VirtualClock (a simulated run at full speed) lines are buffered and written at the end, when the
buffer fills, and on close (a run that fails closes the log too); on any other clock each line is flushed
as it is written, so a crash loses nothing. Records are built from each message's fields directly (no
`dataclasses.asdict`, which copies every value deeply): the log is most of a simulated run's cost (issue 12).

The log is opened through controller/userfiles.py (a regular file, made with its folder if missing; a
FIFO, socket or device is refused before anything runs). Writing never raises: the link calls `trace` in
the middle of an exchange with the device, where an exception would leave it half done. A write that
fails (disk full, file too large, I/O error) is kept in `failure` and every later write is skipped; the
run checks `failure` as it plays and stops the device (controller/cli/run_session.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import IO, Any

from controller.clock import Clock, VirtualClock
from controller.errors import OutputError
from controller.paths import logs_dir
from controller.userfiles import open_for_append
from controller.wire.protocol import EventCode, Frame

_encode = json.JSONEncoder(default=str).encode


def default_log_path(now: dt.datetime | None = None) -> Path:
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    return logs_dir() / f"session-{stamp}.jsonl"


SCHEMA_VERSION = 2


_FIELDS: dict[type, tuple[str, ...]] = {}


def _names(kind: type) -> tuple[str, ...]:
    """A message class's field names, in order (looked up once per class)."""
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return names


def _plain(value: Any) -> Any:
    """A field's value as JSON data: a tuple of records (SET entries, STATUS zones) becomes dicts."""
    if type(value) is tuple and value and hasattr(value[0], "__dataclass_fields__"):
        return tuple(message_fields(item) for item in value)
    return value


def message_fields(message: object) -> dict[str, Any]:
    """A message's fields by name, as `dataclasses.asdict` gives them, at a fraction of its cost."""
    return {name: _plain(getattr(message, name)) for name in _names(type(message))}


def frame_record(frame: Frame) -> dict[str, Any]:
    """A frame as plain JSON data, its type by the protocol's name for it."""
    return {"seq": frame.seq, "type": frame.message.TYPE.name, "fields": message_fields(frame.message)}


class SessionLog:
    """Appends records to a JSON Lines file: flushed per line in real time, buffered on a VirtualClock."""

    def __init__(self, path: Path, clock: Clock, stream: IO[str] | None = None) -> None:
        """Open (append to) the log at `path`, or write to `stream` when given; OutputError when the
        file cannot be opened for writing (controller/userfiles.py `open_for_append`)."""
        self.path = path
        self._clock = clock
        self._t0 = clock.now()
        self._file: IO[str] = stream if stream is not None else open_for_append(path, "session log")
        self.failure: OutputError | None = None
        self._flush_each = not isinstance(clock, VirtualClock)

    def write(self, kind: str, **fields: Any) -> None:
        """Append one record; never raises (a failure is kept in `failure`, see the module's docstring)."""
        if self.failure is not None:
            return
        record = {"t": round(self._clock.now() - self._t0, 6),
                  "wall": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), "kind": kind, **fields}
        try:
            self._file.write(_encode(record) + "\n")
            if self._flush_each:
                self._file.flush()
        except (OSError, ValueError) as err:  # ValueError: written after close
            self._failed(err)

    def trace(self, direction: str, frame: object) -> None:
        """The link's trace callback."""
        if isinstance(frame, Frame):
            record = frame_record(frame)
            if record["type"] == "EVENT":
                code = record["fields"]["code"]
                name = EventCode(code).name if code in EventCode._value2member_map_ else str(code)
                self.write("event", code=code, name=name, arg=record["fields"]["arg"])
            self.write(direction, **record)

    def flush(self) -> None:
        """Write out what is buffered; a failure is kept in `failure`, never raised."""
        try:
            self._file.flush()
        except (OSError, ValueError) as err:
            self._failed(err)

    def begin(self, **fields: Any) -> None:
        """The `session` record that starts a session, with the log's schema version."""
        self.write("session", schema_version=SCHEMA_VERSION, **fields)

    def state(self, to: str, error: str = "", frm: str = "") -> None:
        self.write("state", to=to, error=error, **({"from": frm} if frm else {}))

    def raise_if_failed(self) -> None:
        """OutputError when a write has failed: the run stops rather than go on unrecorded."""
        if self.failure is not None:
            raise self.failure

    def close(self) -> None:
        """Close the file; a failure to flush its last lines is kept in `failure` too."""
        try:
            self._file.close()
        except OSError as err:
            self._failed(err)

    def _failed(self, err: Exception) -> None:
        if self.failure is None:
            why = getattr(err, "strerror", None) or str(err)
            self.failure = OutputError(f"{self.path}: cannot write the session log ({why})")
