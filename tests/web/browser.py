"""Real-browser testing: Debian's Chromium driven by Playwright, against a real uvicorn server.

Playwright's own browser download is not used (nor available): the system's /usr/bin/chromium is launched.
Without it the tests skip naming the Debian package; under CI=true that is a failure (tests/parts.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from controller.web.server import WebServer, bind
from tests.parts import need

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"   # git-ignored


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium under Playwright; skips (fails under CI) without the package."""
    executable = need(CHROMIUM, "chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def served(app: object) -> Iterator[str]:
    """`app` under uvicorn on a free loopback port, in a thread; yields its base URL."""
    server = WebServer(app, bind("127.0.0.1", 0))
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as a test artifact and say where."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path
