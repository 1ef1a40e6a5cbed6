"""The live view rendered on a recording console, and the plain view's exact lines."""

from __future__ import annotations

import dataclasses
import io

import pytest
from rich.console import Console

from controller.cli.simdevice import sim_profile_capabilities
from controller.runs.player import Snapshot
from controller.timeline import Command, Timeline, ZoneSetting
from controller.ui import live as live_module
from controller.ui.devicemap import map_layout, render_map
from controller.ui.live import LiveView, render_live
from controller.ui.plain import PlainView
from controller.ui.view import make_view
from controller.wire.capabilities import DeviceCapabilities, Zone

FOOT = sim_profile_capabilities("foot")
CHAIR = sim_profile_capabilities("chair")


def setting(caps: DeviceCapabilities, zone: str, motion: str, intensity: int, speed: int = 3,
            heat: int = 0) -> ZoneSetting:
    z = caps.zone(zone)
    assert z is not None
    return ZoneSetting(zone, z.id, motion, 1, intensity, speed, heat)


def timeline(caps: DeviceCapabilities) -> Timeline:
    first = caps.zone_names[0]
    return Timeline("circulation-warmup", "Circulation warm-up", caps.model, (
        Command(0, 60, 1, "ankle swing", (setting(caps, first, "swing", 6),)),
        Command(60, 60, 2, "heel warmth", (setting(caps, first, "knead", 4, 2, 1),)),
        Command(120, 60, 3, "taper", (setting(caps, first, "roll", 2),)),
    ))


def snap(settings: tuple[ZoneSetting, ...] = (), *, state: str = "running", step: int = 1,
         position_s: float = 0.0, offset: int = 0, temperature_c: float | None = None) -> Snapshot:
    names = {1: ("ankle swing", "heel warmth"), 2: ("heel warmth", "taper"), 3: ("taper", "")}
    name, nxt = names[step]
    return Snapshot(state, step, name, nxt, position_s, 180.0, offset, settings, temperature_c)


def recording_console() -> Console:
    return Console(record=True, width=100, file=io.StringIO(), force_terminal=True, color_system="standard")


def rendered(caps: DeviceCapabilities, s: Snapshot, notes: tuple[str, ...] = ()) -> tuple[str, str]:
    console = recording_console()
    console.print(render_live(timeline(caps), caps, s, notes))
    return console.export_text(clear=False), console.export_text(styles=True)


# --- live view ------------------------------------------------------------------------------------

def test_foot_map_highlights_the_active_zone_with_its_intensity() -> None:
    text, ansi = rendered(FOOT, snap((setting(FOOT, "ball", "knead", 7),), position_s=90, temperature_c=38.4))
    assert " ball  7 " in text
    assert "\x1b[1;30;41m ball  7 \x1b[0m" in ansi  # bold black on red: 7 of 10 is the top third
    assert "\x1b[2m heel    \x1b[0m" in ansi  # an idle zone is dim
    assert "01:30 elapsed · 01:30 remaining" in text
    assert "███████░░░ 7/10" in text
    assert "knead (speed 3/5)" in text
    assert "38.4 °C" in text
    assert "SIMULATOR" in text
    assert "step      1/3 ankle swing" in text
    assert "next      heel warmth" in text
    assert "e EMERGENCY STOP" in text and "q quit (stops safely)" in text


def test_chair_map_for_a_chair_and_heat_only_zones_show_their_level() -> None:
    held = (setting(CHAIR, "shoulders", "knead", 2), setting(CHAIR, "seat", "none", 0, 0, heat=2))
    text, ansi = rendered(CHAIR, snap(held, position_s=175, temperature_c=None))
    assert "\x1b[1;30;43m shoulders  2 \x1b[0m" in ansi  # 2 of 5: the middle third, yellow
    assert " seat h2 " in text
    assert "ball" not in text and "neck" in text
    assert "00:05 remaining" in text
    assert "2/2 · — °C" in text


def test_no_badge_for_a_real_device_and_notes_are_shown() -> None:
    real = dataclasses.replace(FOOT, simulator=False)
    text, _ = rendered(real, snap(state="paused"), notes=("foot removed: pausing",))
    assert "SIMULATOR" not in text
    assert "» foot removed: pausing" in text
    assert "paused" in text


def test_zones_off_the_map_get_their_own_row_and_missing_ones_are_left_out() -> None:
    caps = dataclasses.replace(FOOT, zones=(Zone(1, "heel", True), Zone(2, "wrist", False)))
    layout_text = render_map(caps, (setting(caps, "wrist", "vibrate", 3),)).plain
    assert "wrist  3" in layout_text and "heel" in layout_text
    assert "kidney" not in layout_text
    assert map_layout(CHAIR)[0] != map_layout(FOOT)[0]


class FakeWall:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_live_view_redraws_at_most_every_tenth_of_a_second_or_on_state_change(
        monkeypatch: pytest.MonkeyPatch) -> None:
    draws: list[Snapshot] = []
    real_render = live_module.render_live

    def counting(tl: Timeline, caps: DeviceCapabilities, s: Snapshot, notes: tuple[str, ...] = ()) -> object:
        draws.append(s)
        return real_render(tl, caps, s, notes)

    monkeypatch.setattr(live_module, "render_live", counting)
    wall = FakeWall()
    console = recording_console()
    live = LiveView(console, now=wall)
    live.start(timeline(FOOT), FOOT)
    for k in range(500):
        live.update(snap(position_s=k / 100))
    assert len(draws) == 1
    wall.t += 0.15
    live.update(snap(position_s=6))
    live.update(snap(state="paused", position_s=6))
    assert [d.state for d in draws] == ["running", "running", "paused"]
    live.finish("stopped", "stopped by the user")
    assert len(draws) == 4
    assert "stopped: stopped by the user" in console.export_text()


def test_make_view_picks_by_interactivity() -> None:
    assert isinstance(make_view(io.StringIO(), interactive=True), LiveView)
    assert isinstance(make_view(io.StringIO(), interactive=False), PlainView)


# --- plain view -----------------------------------------------------------------------------------

def test_plain_view_lines_for_a_scripted_session() -> None:
    out = io.StringIO()
    v = PlainView(out)
    ankle = setting(FOOT, "ankle", "swing", 1)
    v.start(timeline(FOOT), FOOT)
    v.update(snap((ankle,), position_s=0.0))
    v.update(snap((ankle,), position_s=0.1))
    v.update(snap((dataclasses.replace(ankle, intensity=3),), position_s=0.5))   # ramping: coalesced
    v.update(snap((dataclasses.replace(ankle, intensity=6),), position_s=1.2))
    v.update(snap((dataclasses.replace(ankle, intensity=6),), position_s=30.0))
    v.update(snap(state="paused", position_s=30.0))
    v.update(snap(state="paused", position_s=30.0, offset=1))
    v.update(snap((dataclasses.replace(ankle, intensity=2),), position_s=30.0, offset=1))
    v.update(snap((dataclasses.replace(ankle, intensity=7),), position_s=31.5, offset=1))
    heel = setting(FOOT, "heel", "knead", 4, 2, heat=1)
    v.update(snap((heel,), step=2, position_s=60.0, offset=1, temperature_c=36.2))
    v.update(snap((heel,), step=2, position_s=75.0, offset=1, temperature_c=36.9))
    v.update(snap((heel,), step=2, position_s=90.0, offset=1, temperature_c=37.3))
    v.note("skipped to 120 s")
    v.update(snap(state="stopping", step=3, position_s=120.0, offset=1, temperature_c=37.3))
    v.finish("stopped", "stopped by the user")
    assert out.getvalue().splitlines() == [
        "[00:00:00] Circulation warm-up (circulation-warmup) on FootMate Sim [simulator]: 3 steps, 03:00",
        "[00:00:00] running",
        "[00:00:00] step 1/3 (ankle swing): ankle swing i=1 s=3",
        "[00:00:01] step 1/3 (ankle swing): ankle swing i=6 s=3",
        "[00:00:30] paused",
        "[00:00:30] intensity offset +1",
        "[00:00:30] running",
        "[00:00:31] step 1/3 (ankle swing): ankle swing i=7 s=3",
        "[00:01:00] step 2/3 (heel warmth): heel knead i=4 s=2 h=1",
        "[00:01:00] temperature 36.2 °C",
        "[00:01:30] temperature 37.3 °C",
        "[00:01:30] skipped to 120 s",
        "[00:02:00] stopping",
        "[00:02:00] step 3/3 (taper): all off",
        "[00:02:00] stopped: stopped by the user",
    ]
    assert "\x1b" not in out.getvalue()


def test_plain_view_is_silent_while_nothing_changes() -> None:
    out = io.StringIO()
    v = PlainView(out)
    held = (setting(FOOT, "kidney", "press", 4),)
    v.update(snap(held, position_s=10.0, temperature_c=30.0))
    before = out.getvalue()
    for k in range(1000):
        v.update(snap(held, position_s=10.0 + k / 1000, temperature_c=30.0 + (k % 2) * 0.5))
    assert out.getvalue() == before


def test_program_text_is_shown_as_is_never_as_markup() -> None:
    s = dataclasses.replace(snap(), step_name="[/]", next_step_name="[bold]x")
    text, _ = rendered(FOOT, s, notes=("[/oops]",))
    assert "1/3 [/]" in text and "[bold]x" in text and "[/oops]" in text
