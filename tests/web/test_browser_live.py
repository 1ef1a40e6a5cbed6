"""The live page in a real browser against real devices: Chromium drives `massagectl web --config` (a
separate process, its hub and safety gate) whose devices are simulators served over TCP in this process,
so every press is checked on the simulator's own actuator record, not only on the page."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from sim.device import Device
from sim.records import TimelineEntry
from sim.tcp_server import TcpServer
from tests.web.browser import chromium, screenshot

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "programs"   # web-test: heel 4 for 5 min, then ball 3


def eventually(check: Callable[[], T | None], what: str, timeout_s: float = 10.0) -> T:
    """Wait until `check()` gives a value (polling the condition, not sleeping a guess)."""
    deadline = time.monotonic() + timeout_s
    wake = threading.Event()
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        wake.wait(0.02)


def held(device: Device, zone: str) -> TimelineEntry | None:
    """What the simulator's actuator record says `zone` holds now (None: never set)."""
    entries = [e for e in list(device.timeline) if e.zone == zone]
    return entries[-1] if entries else None


def holds(device: Device, zone: str, intensity: int) -> bool:
    entry = held(device, zone)
    return entry is not None and entry.intensity == intensity


def all_off(device: Device) -> bool:
    latest: dict[str, TimelineEntry] = {}
    for entry in list(device.timeline):
        latest[entry.zone] = entry
    return bool(latest) and all(e.is_off for e in latest.values())


@pytest.fixture
def sims() -> Iterator[tuple[TcpServer, TcpServer]]:
    foot, chair = TcpServer(profile="foot"), TcpServer(profile="chair")
    foot.start()
    chair.start()
    yield foot, chair
    foot.stop()
    chair.stop()


@pytest.fixture
def console(tmp_path: Path, sims: tuple[TcpServer, TcpServer]) -> Iterator[str]:
    """`massagectl web --config` over the two simulators; yields its URL, stops it with SIGTERM."""
    foot, chair = sims
    config = tmp_path / "devices.yaml"
    config.write_text(f"""devices:
  - {{id: foot-1, name: Foot massager, port: "{foot.url}", remote_start: true}}
  - {{id: chair-1, name: Chair, port: "{chair.url}"}}
program_dirs: ["{PROGRAMS}"]
logs: false
""")
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_STATE_HOME": str(tmp_path / "state"), "HOME": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-m", "controller.cli", "web", "--config", str(config),
                                "--port", "0"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr or ()], daemon=True).start()
    try:
        url = eventually(lambda: _url(lines), "the console to start")
        yield url
    finally:
        process.terminate()
        assert process.wait(timeout=15) == 0
    assert all_off(foot.device) or not foot.device.timeline  # SIGTERM left every actuator off


def _url(lines: queue.Queue[str]) -> str | None:
    try:
        line = lines.get(timeout=0.05)
    except queue.Empty:
        return None
    found = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
    return found.group(1) if found else None


@pytest.fixture
def page(console: str) -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1300, "height": 1100})
        opened = context.new_page()
        opened.goto(f"{console}/live")
        yield opened
        context.close()


def test_start_watch_and_control_a_device_from_the_page(page: Any, sims: tuple[TcpServer, TcpServer]) -> None:
    from playwright.sync_api import expect

    foot, chair = sims
    card = page.locator("#device-foot-1")
    expect(page.locator("#connection")).to_have_text("● live")
    expect(card.locator('[data-field="state_text"]')).to_have_text("● ready")
    chair_state = page.locator("#device-chair-1 [data-field='state_text']")
    expect(chair_state).to_have_text("● ready")  # several devices on one page
    expect(page.get_by_role("button", name="Start the chosen program: Chair")).to_be_disabled()

    card.get_by_label("Program", exact=True).select_option("web-test")
    page.get_by_role("button", name="Start the chosen program: Foot massager").click()
    heel = card.locator('g.zone[data-zone="heel"]')
    expect(heel).to_have_class(re.compile(r"\bon\b"))
    expect(heel.locator(".zlevel")).to_have_text("4 knead")
    expect(card.locator('[data-field="step_text"]')).to_have_text("1: heel")
    expect(card.locator('[data-field="next_step_name"]')).to_have_text("ball")
    eventually(lambda: holds(foot.device, "heel", 4), "the simulator's heel at 4")
    assert "lit-hatch" in heel.locator("rect").evaluate("r => getComputedStyle(r).fill")  # not colour alone
    expect(card.locator('[data-field="time_text"]')).to_contain_text("remaining")

    card.get_by_role("button", name="Intensity up: Foot massager").click()
    expect(heel.locator(".zlevel")).to_have_text("5 knead")
    eventually(lambda: holds(foot.device, "heel", 5), "the simulator's heel at 5")
    for _ in range(2):
        card.get_by_role("button", name="Intensity down: Foot massager").click()
    expect(heel.locator(".zlevel")).to_have_text("3 knead")
    eventually(lambda: holds(foot.device, "heel", 3), "the simulator's heel at 3")
    expect(card.locator('[data-field="offset_text"]')).to_contain_text("−1")

    card.get_by_role("button", name="Pause or resume: Foot massager").click()
    expect(card.locator('[data-field="state_text"]')).to_have_text("❚❚ paused")
    expect(heel).not_to_have_class(re.compile(r"\bon\b"))
    eventually(lambda: holds(foot.device, "heel", 0), "the simulator's heel off while paused")
    expect(card.get_by_role("button", name="Pause or resume: Foot massager")).to_have_text("▶ Resume")
    card.get_by_role("button", name="Pause or resume: Foot massager").click()
    expect(heel.locator(".zlevel")).to_have_text("3 knead")
    eventually(lambda: holds(foot.device, "heel", 3), "the simulator's heel back on after resuming")
    screenshot(page, "live-running")

    keyboard = page.context.new_page()  # a keyboard user arriving at the page
    keyboard.goto(page.url)
    expect(keyboard.locator("#connection")).to_have_text("● live")
    presses = 0
    while not keyboard.evaluate("document.activeElement.classList.contains('estop')") and presses < 12:
        keyboard.keyboard.press("Tab")  # the emergency stop is reached with Tab, and pressed with Enter
        presses += 1
    focused = keyboard.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused == "Emergency stop every device" and presses <= 5  # right after the menu
    keyboard.keyboard.press("Enter")
    expect(card.locator('[data-field="state_text"]')).to_have_text("■ EMERGENCY STOP")
    expect(chair_state).to_have_text("■ EMERGENCY STOP")
    eventually(lambda: all_off(foot.device), "every actuator of the simulator off")
    assert any(e.cause == "estop" for e in foot.device.timeline)
    expect(heel).not_to_have_class(re.compile(r"\bon\b"))
    screenshot(page, "live-emergency-stop")

    clear = card.get_by_role("button", name="Clear the emergency stop or fault and reconnect: Foot massager")
    clear.click()  # latched until cleared; then ready for a new start
    expect(card.locator('[data-field="state_text"]')).to_have_text("● ready")
    expect(clear).to_be_disabled()
    expect(page.get_by_role("button", name="Start the chosen program: Foot massager")).to_be_enabled()


def test_every_button_has_a_name_and_the_device_stop_is_always_enabled(page: Any) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#connection")).to_have_text("● live")
    for button in page.get_by_role("button").all():
        name = button.get_attribute("aria-label") or button.inner_text()
        assert name.strip(), f"a button without a name: {button}"
    for device in ("foot-1", "chair-1"):
        expect(page.get_by_role("button", name=f"Stop (a 3-second ramp down): "
                                f"{'Foot massager' if device == 'foot-1' else 'Chair'}")).to_be_enabled()
        expect(page.locator(f"#device-{device} .estop-device")).to_be_enabled()
