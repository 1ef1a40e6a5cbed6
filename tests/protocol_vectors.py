"""Reads the test vectors straight out of firmware_protocol.md, so the document cannot drift from the code."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "firmware_protocol.md"


@dataclass(frozen=True)
class Vector:
    name: str
    direction: str
    seq: int
    type: str
    fields: dict[str, object]
    body: bytes
    wire: bytes


def load_vectors() -> list[Vector]:
    """Every ```vector block in the protocol document."""
    blocks = re.findall(r"```vector\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    out = []
    for block in blocks:
        kv = dict(line.split(":", 1) for line in block.strip().splitlines())
        kv = {k.strip(): v.strip() for k, v in kv.items()}
        out.append(Vector(kv["name"], kv["dir"], int(kv["seq"]), kv["type"], json.loads(kv["fields"]),
                          bytes.fromhex(kv["body"]), bytes.fromhex(kv["wire"])))
    return out
