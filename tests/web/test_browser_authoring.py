"""The editor and the program page in a real browser (Chromium): what an author sees and does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from controller.cli import main
from controller.cli.simdevice import sim_profiles
from controller.web.app import WebConfig, create_app
from tests.web.browser import chromium, screenshot, served

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def site(env: dict[str, str]) -> Iterator[str]:
    with served(create_app(WebConfig(env=env, profiles=sim_profiles()))) as url:
        yield url


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    opened = context.new_page()
    yield opened
    context.close()


def _type_at(page: Any, line: int, after: str, keys: str) -> None:
    """Put the caret after `after` on `line` of the editor and type `keys`, as a person would."""
    page.locator("#source").evaluate(
        """(area, [line, after]) => {
            const lines = area.value.split("\\n");
            const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
            const at = start + lines[line - 1].indexOf(after) + after.length;
            area.focus();
            area.setSelectionRange(at, at);
        }""", [line, after])
    page.keyboard.type(keys)


def test_an_error_typed_in_the_editor_shows_at_its_line_as_validate_says(
        page: Any, site: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from playwright.sync_api import expect

    page.goto(f"{site}/programs/sleep/edit")
    expect(page.locator("#status")).to_contain_text("✓ ok (sleep, 12m")
    text = page.locator("#source").input_value()
    line = text.splitlines().index("    intensity: 3") + 1
    _type_at(page, line, "intensity: 3", "0")

    (tmp_path / "sleep.yaml").write_text(page.locator("#source").input_value())
    monkeypatch.chdir(tmp_path)
    printed = CliRunner().invoke(main, ["validate", "sleep.yaml"]).output.splitlines()
    expected = [p for p in printed if p.startswith("sleep.yaml:")]
    assert expected == [f"sleep.yaml:{line}: step 1 (settle in): intensity: 30 is out of range 0..10"]

    expect(page.locator("#problems li")).to_have_count(1)
    expect(page.locator("#problems li code")).to_have_text(expected[0])
    marked = page.locator(f'#gutter .gutter-line[data-line="{line}"]')
    expect(marked).to_have_class("gutter-line bad")
    expect(marked).to_have_text(f"✗ {line}")  # a symbol and the number, not colour alone
    expect(page.locator("#status")).to_have_text("1 error")
    screenshot(page, "editor-error")

    page.locator("#problems li button").click()  # "line N" takes the author to the line
    selected = page.locator("#source").evaluate("a => a.value.slice(a.selectionStart, a.selectionEnd)")
    assert selected == "    intensity: 30"
    page.keyboard.press("End")
    page.keyboard.press("Backspace")
    expect(page.locator("#status")).to_contain_text("✓ ok")
    expect(page.locator("#gutter .bad")).to_have_count(0)


def test_a_new_program_is_saved_to_the_user_folder_and_opens(page: Any, site: str, user_dir: Path) -> None:
    from playwright.sync_api import expect

    page.goto(f"{site}/new?id=evening-feet")
    expect(page.locator("#status")).to_contain_text("✓ ok (evening-feet")
    page.get_by_role("button", name="Save to my programs").click()
    expect(page.locator("#save-status")).to_contain_text("✓ Saved to")
    saved = user_dir / "evening-feet.yaml"
    assert saved.read_text() == page.locator("#source").input_value()

    _type_at(page, 1, "# ", "x")  # harmless: inside a comment
    lines = page.locator("#source").input_value().splitlines()
    _type_at(page, next(n for n, t in enumerate(lines, 1) if t.startswith("    speed: 3")), "speed: 3", "3")
    expect(page.locator("#status")).to_have_text("1 error")
    page.get_by_role("button", name="Save to my programs").click()
    expect(page.locator("#save-status")).to_have_text("✗ Not saved: fix the errors above first")
    assert "speed: 33" not in saved.read_text()

    page.goto(f"{site}/programs/evening-feet")
    expect(page.locator("h1")).to_contain_text("Evening feet")
    expect(page.locator("figure.plot svg")).to_be_visible()


def test_check_against_my_profile_shows_the_refusal_and_why(page: Any, site: str,
                                                            env: dict[str, str]) -> None:
    from playwright.sync_api import expect

    profile = Path(env["XDG_CONFIG_HOME"]) / "massagectl" / "health.yaml"
    profile.parent.mkdir(parents=True)
    profile.write_text("conditions: [neuropathy]\n")
    page.goto(f"{site}/programs/sleep")
    page.get_by_role("button", name="Check against my profile").click()
    expect(page.locator("#check-result .finding.refuse")).to_contain_text(
        "REFUSED: 'Sleep' is not for people with neuropathy (reduced sensation)")
    expect(page.locator("#check-result .verdict")).to_have_text(
        "✗ refused: this program will not run for this profile, even with --acknowledge")
    screenshot(page, "program-check")
