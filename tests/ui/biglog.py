"""A large, realistic session log for measuring `report`: one session whose middle repeats a real run's
frames with times moved on, so every record is one `report` must read (not skipped as damaged).

    python -m tests.ui.biglog OUT.jsonl 100      # about 100 MB
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.ui.test_report import FAULT_LOG


def write_big_log(path: Path, megabytes: float) -> int:
    """Write a log of about `megabytes` MB to `path`; returns its size in bytes."""
    records = [json.loads(line) for line in FAULT_LOG.read_text().splitlines() if line.strip()]
    head = [r for r in records if r["kind"] == "session"]
    body = [r for r in records if r["kind"] in ("tx", "rx", "state", "event")]
    span = max(r["t"] for r in body) + 1.0
    target = int(megabytes * 1024 * 1024)
    with path.open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(r) + "\n" for r in head)
        lap = 0
        while out.tell() < target:
            out.writelines(json.dumps({**r, "t": r["t"] + lap * span}) + "\n" for r in body)
            lap += 1
        out.write(json.dumps({"t": lap * span, "kind": "end", "outcome": "completed", "position_s": 0,
                              "error": ""}) + "\n")
        return out.tell()


if __name__ == "__main__":
    print(write_big_log(Path(sys.argv[1]), float(sys.argv[2])))
