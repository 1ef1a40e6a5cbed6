"""The live view adapts to the terminal: full with room, compact at 80×24, one status line below that.

Screens are rendered on rich consoles of fixed sizes and checked for what a user sees: nothing wrapped,
nothing taller than the terminal, every important item (or the one-line status), and a last frame that
shows the state the device was left in.
"""

from __future__ import annotations

import dataclasses
import io

import pytest
from rich.console import Console

from controller.runs.player import Snapshot
from controller.ui.live import LiveView, render_live
from controller.wire.capabilities import DeviceCapabilities, Zone
from tests.ui.test_view import CHAIR, FOOT, setting, snap, timeline

KEY_ITEMS = ("space pause", "+/- intensity", "n next", "s stop", "e EMERGENCY STOP", "q quit")


def console(width: int, height: int) -> Console:
    return Console(record=True, width=width, height=height, file=io.StringIO(), force_terminal=True,
                   color_system="standard")


def shown(width: int, height: int, s: Snapshot, caps: DeviceCapabilities = FOOT,
          notes: tuple[str, ...] = ()) -> list[str]:
    c = console(width, height)
    c.print(render_live(timeline(caps), caps, s, notes))
    return c.export_text().splitlines()


def running() -> Snapshot:
    held = (setting(FOOT, "ball", "knead", 7), setting(FOOT, "heel", "knead", 5, heat=1))
    return snap(held, position_s=90, temperature_c=38.4, offset=1)


def fits(lines: list[str], width: int, height: int) -> None:
    assert len(lines) <= height - 1, "\n".join(lines)   # the line under a full frame would scroll it
    assert all(len(line) <= width for line in lines)


def one_line_with(lines: list[str], *items: str) -> None:
    """One line holds every item: nothing of it was wrapped onto the next."""
    assert [line for line in lines if all(item in line for item in items)], "\n".join(lines)


@pytest.mark.parametrize("notes", [(), ("a" * 200, "foot removed: pausing", "skipped", "limited")])
def test_at_80x24_a_compact_screen_shows_everything_important(notes: tuple[str, ...]) -> None:
    lines = shown(80, 24, running(), notes=notes)
    fits(lines, 80, 24)
    text = "\n".join(lines)
    for item in ("running", "1/3 ankle swing", "heel warmth", "01:30 remaining", "━", "7/10", "offset +1",
                 "1/2 · 38.4 °C", " ball  7 ", " heel  5 ", "knead (speed 3/5)", "SIMULATOR"):
        assert item in text, item
    one_line_with(lines, *KEY_ITEMS)
    for note in notes[1:]:
        assert f"» {note}" in text


@pytest.mark.parametrize("caps", [FOOT, CHAIR], ids=["foot", "chair"])
def test_at_120x40_the_full_screen_has_the_map_unwrapped_and_every_key(caps: DeviceCapabilities) -> None:
    lines = shown(120, 40, running_on(caps), caps)
    fits(lines, 120, 40)
    if caps is FOOT:
        one_line_with(lines, "(   big_toe_pad  4", "toe_tips      )")
        one_line_with(lines, "spine_arch", "outer_edge", "|")
        one_line_with(lines, "'.______________________.'")
    else:
        one_line_with(lines, "╭─", "shoulders  4", "─╮")
    one_line_with(lines, "step      1/3 ankle swing")
    one_line_with(lines, "next      heel warmth")
    one_line_with(lines, "space pause/resume", "n next step", "e EMERGENCY STOP", "q quit (stops safely)")


@pytest.mark.parametrize(("width", "height"), [(60, 15), (40, 10), (200, 8), (71, 24)])
def test_anything_smaller_gets_one_status_line(width: int, height: int) -> None:
    lines = shown(width, height, running())
    assert len(lines) == 1 and len(lines[0]) <= width, lines
    assert lines[0].startswith("running · ") and "7/10+1" in lines[0] and "01:30 left" in lines[0]


def test_the_status_line_keeps_the_state_and_the_stop_key_first_and_cuts_the_step_name() -> None:
    (wide,) = shown(60, 15, running())
    assert wide == "running · 1/3 ankle swing · 7/10+1 · 01:30 left · e E-STOP"
    (narrow,) = shown(40, 10, snap(state="emergency_stop", position_s=90))
    assert narrow == "EMERGENCY STOP · 0/10 · e E-STOP"
    (cut,) = shown(57, 15, running())
    assert cut == "running · 1/3 ankle swi… · 7/10+1 · 01:30 left · e E-STOP" and len(cut) == 57


def _last_frame(output: str) -> str:
    return output[output.rindex("╭─"):]


@pytest.mark.parametrize(("size", "key", "outcome", "label"), [
    ((80, 24), "e", "emergency_stop", "EMERGENCY STOP"),
    ((120, 40), "e", "emergency_stop", "EMERGENCY STOP"),
    ((80, 24), "q", "stopped", "stopped"),
])
def test_the_last_frame_shows_the_state_the_device_is_left_in(size: tuple[int, int], key: str, outcome: str,
                                                                label: str) -> None:
    c = console(*size)
    view = LiveView(c, now=lambda: 0.0)
    view.start(timeline(FOOT), FOOT)
    view.update(running())
    view.finish(outcome, "")
    last = _last_frame(c.export_text())
    assert f"state     {label}" in last
    assert "running" not in last
    assert "0/10" in last and "7/10" not in last and " ball  7 " not in last   # every zone is off


def test_the_last_status_line_shows_the_state_the_device_is_left_in() -> None:
    c = console(40, 10)
    view = LiveView(c, now=lambda: 0.0)
    view.start(timeline(FOOT), FOOT)
    view.update(running())
    view.finish("emergency_stop", "")
    frames, outcome = c.export_text().rstrip("\n").rsplit("\n", 1)   # a one-line frame has no newline
    assert frames.startswith("running · 7/10+1") and frames.endswith("EMERGENCY STOP · 0/10+1 · e E-STOP")
    assert outcome == "emergency stop"


def test_a_resize_clears_the_screen_once_and_the_next_frame_fits_the_new_size() -> None:
    out = io.StringIO()
    c = Console(width=120, height=40, file=out, force_terminal=True, color_system=None)
    wall = [0.0]
    view = LiveView(c, now=lambda: wall[0])
    view.start(timeline(FOOT), FOOT)
    view.update(running())
    before = out.getvalue()
    assert "big_toe_pad" in before and "\x1b[2J" not in before
    c.size = (60, 15)
    wall[0] += 1.0
    view.update(running())
    after = out.getvalue()[len(before):]
    assert after.count("\x1b[2J\x1b[H") == 1
    frame = after[after.index("\x1b[2J\x1b[H") + 7:]
    assert "running · 1/3 ankle swing" in frame and "big_toe_pad" not in frame
    wall[0] += 1.0
    view.update(running())
    assert out.getvalue().count("\x1b[2J") == 1   # only on a change of size


def test_zones_off_the_map_come_in_rows_of_the_map_width_and_leave_the_figures_their_room() -> None:
    extra = tuple(Zone(40 + i, f"extra_zone_{i}", False) for i in range(6))
    caps = dataclasses.replace(CHAIR, zones=CHAIR.zones + extra)
    lines = shown(120, 40, running_on(caps), caps)
    fits(lines, 120, 40)
    one_line_with(lines, "step      1/3 ankle swing")
    one_line_with(lines, "state     running")
    rows = [line for line in lines if "extra_zone" in line]
    assert len(rows) == 3 and all(line.count("extra_zone") == 2 for line in rows)


def running_on(caps: DeviceCapabilities) -> Snapshot:
    return snap((setting(caps, caps.zone_names[1], "knead", 4),), position_s=90)


def test_notes_wrap_into_the_lines_left_newest_kept_and_cut_to_fit_when_it_must() -> None:
    roomy = shown(80, 24, running(), notes=("old", "x " * 100))
    fits(roomy, 80, 24)
    assert sum("x x x" in line for line in roomy) == 3 and any("» old" in line for line in roomy)
    tight = shown(80, 15, running(), notes=("old", "x " * 100))   # two lines left for notes
    fits(tight, 80, 15)
    assert sum("x x x" in line for line in tight) == 2 and not any("old" in line for line in tight)
    assert any(line.rstrip(" │").endswith("…") for line in tight)
