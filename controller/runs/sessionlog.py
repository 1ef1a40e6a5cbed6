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
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import IO, Any

from controller.clock import Clock
from controller.paths import logs_dir
from controller.wire.protocol import EventCode, Frame


def default_log_path(now: dt.datetime | None = None) -> Path:
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    return logs_dir() / f"session-{stamp}.jsonl"


SCHEMA_VERSION = 2


def frame_record(frame: Frame) -> dict[str, Any]:
    """A frame as plain JSON data, its type by the protocol's name for it."""
    fields = dataclasses.asdict(frame.message)
    return {"seq": frame.seq, "type": frame.message.TYPE.name, "fields": fields}


class SessionLog:
    """Appends records to a JSON Lines file, flushed per line so a crash loses nothing written."""

    def __init__(self, path: Path, clock: Clock) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._clock = clock
        self._t0 = clock.now()
        self._file: IO[str] = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()

    def write(self, kind: str, **fields: Any) -> None:
        record = {"t": round(self._clock.now() - self._t0, 6),
                  "wall": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), "kind": kind, **fields}
        self._file.write(json.dumps(record, default=str) + "\n")
        self._file.flush()

    def trace(self, direction: str, frame: object) -> None:
        """The link's trace callback."""
        if isinstance(frame, Frame):
            record = frame_record(frame)
            if record["type"] == "EVENT":
                code = record["fields"]["code"]
                name = EventCode(code).name if code in EventCode._value2member_map_ else str(code)
                self.write("event", code=code, name=name, arg=record["fields"]["arg"])
            self.write(direction, **record)

    def begin(self, **fields: Any) -> None:
        """The `session` record that starts a session, with the log's schema version."""
        self.write("session", schema_version=SCHEMA_VERSION, **fields)

    def state(self, to: str, error: str = "", frm: str = "") -> None:
        self.write("state", to=to, error=error, **({"from": frm} if frm else {}))

    def close(self) -> None:
        self._file.close()
