"""docs/state-machine.md shows the machine the code declares (its diagram is drawn by transitions)."""

from __future__ import annotations

from pathlib import Path

from controller.runs.diagram import mermaid_diagram
from controller.runs.session import TRANSITIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "state-machine.md"


def test_diagram_in_docs_is_current() -> None:
    assert mermaid_diagram() in DOC.read_text(encoding="utf-8")


def test_every_transition_is_in_the_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    for row in TRANSITIONS:
        sources = row["source"] if isinstance(row["source"], list) else [row["source"]]
        assert f"| `{row['trigger']}` | {', '.join(sources)} | {row['dest']} |" in text
