"""Issue 14: every example in README.md and docs/ works as written.

Each ```yaml block is read as its kind: a program (it has `steps`) must pass `massagectl validate` for every
simulator profile; a health profile must load; a `serve` configuration must load. A block of comments only
(an editor hint) is skipped; any other block is a failure, so a new kind of example gets a check here too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from controller.cli import main
from controller.safety.health import parse_profile
from controller.service.config import load_config

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _examples() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((f"{doc.relative_to(REPO)}:{line}", match.group(1)))
    return found


EXAMPLES = _examples()


def test_the_docs_have_examples() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize(("where", "text"), EXAMPLES, ids=[w for w, _ in EXAMPLES])
def test_every_yaml_example_in_the_docs_is_valid(where: str, text: str, tmp_path: Path) -> None:
    data = yaml.safe_load(text)
    if data is None:  # comments only: an editor hint
        return
    assert isinstance(data, dict), f"{where}: an example of an unknown kind"
    if "steps" in data:
        file = tmp_path / "example.yaml"
        file.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(main, ["validate", str(file)])
        assert result.exit_code == 0, f"{where}: {result.output}"
    elif {"conditions", "limits", "age_group"} & data.keys():
        parse_profile(text.encode(), where)
    elif "devices" in data:  # a `serve` configuration
        file = tmp_path / "serve.yaml"
        file.write_text(text, encoding="utf-8")
        config = load_config(file)
        assert config.devices, where
    else:
        pytest.fail(f"{where}: an example of an unknown kind: add a check for it here")
