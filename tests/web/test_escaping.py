"""Program text is never trusted: markup and terminal escapes from a file reach no page raw."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

HOSTILE = """\
schema_version: 1
id: hostile
name: "<script>alert('name')</script>\\e[31m"
description: "</textarea><script>alert('d')</script><img src=x onerror=alert(1)> \\e]0;title\\a"
intensity_class: light
cautions:
  - condition: elderly
    note: "<b onmouseover=alert(2)>hover</b>\\e[2J"
steps:
  - name: "<svg onload=alert(3)>\\e[5m"
    duration: 1m
    zones: [heel]
    motion: knead
    intensity: 3
    speed: 2
"""


@pytest.fixture
def hostile(user_dir: Path) -> Path:
    user_dir.mkdir(parents=True)
    path = user_dir / "hostile.yaml"
    path.write_text(HOSTILE)
    return path


def _assert_inert(html: str) -> None:
    for raw in ("<script>alert", "<img src=x", "<b onmouseover", "<svg onload", "</textarea><script>"):
        assert raw not in html
    assert "\x1b" not in html and "\x07" not in html
    assert "&lt;script&gt;alert(" in html or "&lt;svg onload" in html


@pytest.mark.parametrize("url", ["/programs", "/programs/hostile", "/programs/hostile?device=chair",
                                 "/programs/hostile/edit"])
def test_hostile_program_text_is_escaped_on_every_page(client: TestClient, hostile: Path, url: str) -> None:
    page = client.get(url)
    assert page.status_code == 200
    _assert_inert(page.text)
    assert "\\x1b" in page.text  # the escape is shown, not obeyed


def test_the_editor_keeps_the_text_exactly_while_escaping_it(client: TestClient, hostile: Path) -> None:
    page = client.get("/programs/hostile/edit").text
    body = page[page.index("<textarea"):page.index("</textarea>")]
    assert "&lt;/textarea&gt;&lt;script&gt;" in body  # the file's own </textarea> cannot close the editor


def test_errors_about_hostile_text_are_data_not_markup(client: TestClient) -> None:
    text = HOSTILE.replace("intensity: 3", "intensity: '<script>x</script>'")
    errors = client.post("/api/validate", json={"text": text, "file": "<b>.yaml"}).json()["errors"]
    assert errors and all(e["text"].startswith("<b>.yaml:") for e in errors)  # JSON, drawn with textContent


def test_pages_forbid_inline_scripts(client: TestClient) -> None:
    page = client.get("/programs")
    policy = page.headers["content-security-policy"]
    scripts = policy.split("script-src")[1].split(";")[0]
    assert scripts.strip() == "'self'"
    assert page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text  # every script is a file of the package
