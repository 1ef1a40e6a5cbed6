"""Read the golden vectors of firmware_protocol.md Appendix A straight from the document."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[2] / "firmware_protocol.md"
_BLOCK = re.compile(r"```vector\n(.*?)```", re.S)


@dataclass(frozen=True)
class Vector:
    name: str
    dir: str
    seq: int
    type: str
    fields: dict[str, Any]
    body: bytes
    wire: bytes


def _parse(block: str) -> Vector:
    """One ```vector block: `key: value` lines."""
    raw = dict(line.split(":", 1) for line in block.strip().splitlines())
    raw = {k.strip(): v.strip() for k, v in raw.items()}
    return Vector(
        name=raw["name"],
        dir=raw["dir"],
        seq=int(raw["seq"]),
        type=raw["type"],
        fields=json.loads(raw["fields"]),
        body=bytes.fromhex(raw["body"]),
        wire=bytes.fromhex(raw["wire"]),
    )


def load_vectors() -> list[Vector]:
    """Every vector block in the protocol document, in document order."""
    return [_parse(b) for b in _BLOCK.findall(DOC.read_text(encoding="utf-8"))]
