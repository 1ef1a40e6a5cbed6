"""Text from program files, health profiles, session logs and devices never reaches a terminal raw.

Each test puts an OSC title sequence, ESC[2J, a carriage return, a bidi override and rich markup in one
place a user's terminal shows (a step name, a zone name, a device's model, a health profile, a log entry)
and asserts on what is written: no control character outside the views' own colours, the escapes visible
as text, the markup printed as it is. The commands run with colour on, as on a terminal (click would
otherwise strip some escape sequences itself and hide the defect).
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rich.console import Console

from controller.cli import main
from controller.cli.simdevice import sim_profile_capabilities
from controller.runs.player import Snapshot
from controller.timeline import Command, Timeline, ZoneSetting
from controller.ui.live import LiveView
from controller.ui.plain import PlainView
from controller.ui.text import PrintableFormatter, printable
from controller.wire.capabilities import DeviceCapabilities, Zone
from sim import profiles as sim_profiles
from sim.pty_server import PtyServer
from tests.ui.hostile import (
    BIDI,
    CLEAR,
    DEVICE,
    ESCAPED_CLEAR,
    ESCAPED_OSC,
    NAME,
    OSC_TITLE,
    assert_shown_escaped,
    raw_controls,
)

FOOT = sim_profile_capabilities("foot")
HOSTILE_CAPS = dataclasses.replace(FOOT, model=DEVICE, firmware=DEVICE[:16], serial=DEVICE,
                                   zones=(*FOOT.zones, Zone(12, "z" + DEVICE[:23], False)))
HOSTILE_PROFILE = dataclasses.replace(sim_profiles.FOOT, model=DEVICE, serial=DEVICE)
# §3.5 allows a zone name only lower-case letters, digits and _: the handshake refuses this one, quoting it
HOSTILE_ZONE_PROFILE = dataclasses.replace(sim_profiles.FOOT, zones=(
    *sim_profiles.FOOT.zones, sim_profiles.SimZone(12, "z" + DEVICE[:20], False)))


def cli(*args: str) -> Result:
    """massagectl in-process, its output as a terminal would get it (colour on: nothing stripped)."""
    return CliRunner().invoke(main, list(args), color=True, catch_exceptions=False)


# --- the one function ----------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "shown"), [
    (OSC_TITLE, r"\x1b]0;pwned\x07"),
    (CLEAR + "\r\b\t\x00\x7f", r"\x1b[2J\r\x08\t\x00\x7f"),
    ("\x9b31m", r"\x9b31m"),                       # C1 CSI: an escape sequence in one byte
    (f"abc{BIDI}def\u2066\u200b", r"abc\u202edef\u2066\u200b"),
    ("\ud800 \u2028 \U000e0041", r"\ud800 \u2028 \U000e0041"),
    ("ä °C — 足 [bold]x[/]\u00a0", "ä °C — 足 [bold]x[/]\u00a0"),   # printable text is left alone
])
def test_printable_escapes_every_control_and_format_character(raw: str, shown: str) -> None:
    assert printable(raw) == shown
    assert raw_controls(printable(raw)) == []


def test_printable_keeps_line_breaks_only_when_asked() -> None:
    assert printable("a\nb\r") == r"a\nb\r"
    assert printable("a\nb\r", newlines=True) == "a\nb\\r"


def test_log_lines_are_printable_too() -> None:
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "device said %s", (DEVICE,), None)
    assert raw_controls(PrintableFormatter("%(message)s").format(record)) == []


# --- the run views -------------------------------------------------------------------------------

def _setting(caps: DeviceCapabilities, zone: str, intensity: int) -> ZoneSetting:
    z = caps.zone(zone)
    assert z is not None
    return ZoneSetting(zone, z.id, "knead", 2, intensity, 3, 0)


HOSTILE_TIMELINE = Timeline("hostile", NAME, DEVICE, (
    Command(0, 60, 1, NAME, (_setting(FOOT, "heel", 4),)),
    Command(60, 60, 2, "two" + NAME, (_setting(FOOT, "ball", 6),)),
))


def _snap(state: str = "running") -> Snapshot:
    return Snapshot(state, 1, NAME, "two" + NAME, 30.0, 120.0, 0, (_setting(FOOT, "heel", 4),), 36.0)


def _live_session(width: int, height: int) -> str:
    console = Console(record=True, width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="standard")
    view = LiveView(console, now=lambda: 0.0)
    view.note(f"a note quoting {NAME}")
    view.start(HOSTILE_TIMELINE, HOSTILE_CAPS)
    view.update(_snap())
    view.finish("fault", f"the device said {DEVICE}")
    return console.export_text()  # all the text drawn; rich's own cursor and screen controls left out


@pytest.mark.parametrize(("width", "height"), [(120, 40), (80, 24), (60, 15), (40, 10)])
def test_the_live_view_writes_no_control_characters_at_any_size(width: int, height: int) -> None:
    assert raw_controls(_live_session(width, height)) == []


def test_the_live_view_shows_hostile_names_escaped_and_markup_as_it_is() -> None:
    shown = _live_session(400, 60)
    assert_shown_escaped(shown)
    assert "[b]" in shown and "[link=http://x]L[/link]" in shown


def test_the_plain_view_shows_hostile_names_escaped() -> None:
    out = io.StringIO()
    view = PlainView(out)
    view.start(HOSTILE_TIMELINE, HOSTILE_CAPS)
    view.update(_snap())
    view.note(f"a note quoting {NAME}")
    view.finish("fault", f"the device said {DEVICE}")
    assert_shown_escaped(out.getvalue())


# --- program commands ----------------------------------------------------------------------------

def _yaml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted string


def hostile_program(folder: Path, *, speed: int = 2) -> Path:
    """A valid program (with speed 2) whose name, description, caution note and step names are hostile."""
    path = folder / "hostile.yaml"
    path.write_text(f"""schema_version: 1
id: hostile
name: {_yaml_string(NAME)}
description: {_yaml_string("about " + NAME)}
intensity_class: light
cautions:
  - condition: elderly
    note: {_yaml_string("note " + NAME)}
steps:
  - name: {_yaml_string(NAME)}
    duration: 10s
    zones: [heel]
    motion: knead
    intensity: 3
    speed: {speed}
""", encoding="utf-8")
    return path


def test_show_escapes_the_program_text(tmp_path: Path) -> None:
    result = cli("show", str(hostile_program(tmp_path)))
    assert result.exit_code == 0, result.output
    assert_shown_escaped(result.output)


def test_list_escapes_program_names_and_file_names(tmp_path: Path) -> None:
    hostile_program(tmp_path)
    (tmp_path / f"bad{OSC_TITLE}.yaml").write_text("steps: [")
    result = cli("list", "--dir", str(tmp_path))
    assert raw_controls(result.output) == []
    assert ESCAPED_OSC in result.stdout and "[bold]B" in result.stdout  # the name (cut to fit) as it is
    assert f"bad{ESCAPED_OSC}.yaml" in result.stderr                   # the broken file's name


def test_validate_escapes_names_quoted_in_errors_and_summaries(tmp_path: Path) -> None:
    bad = cli("validate", str(hostile_program(tmp_path, speed=9)))
    assert bad.exit_code == 2
    assert "speed: 9 is out of range" in bad.stderr
    assert_shown_escaped(bad.stderr)
    good = cli("validate", str(hostile_program(tmp_path)))
    assert good.exit_code == 0 and raw_controls(good.output) == []


def test_check_escapes_the_program_and_its_caution_notes(tmp_path: Path) -> None:
    profile = tmp_path / "health.yaml"
    profile.write_text("age_group: elderly\n")
    result = cli("check", str(hostile_program(tmp_path)), "--profile-file", str(profile))
    assert "Caution" in result.output or "caution" in result.output
    assert_shown_escaped(result.output)


@pytest.mark.parametrize("profile_text", [
    f"conditions: [{_yaml_string(NAME)}]\n",          # an unknown condition, quoted in the error
    f"conditions: []\n{_yaml_string(NAME)}: 1\n",      # an unknown key, named in the error
    f"limits:\n  zone_max_intensity: {{{_yaml_string(NAME)}: 99}}\n",
])
def test_health_profile_text_quoted_in_errors_is_escaped(tmp_path: Path, profile_text: str) -> None:
    profile = tmp_path / "health.yaml"
    profile.write_text(profile_text, encoding="utf-8")
    result = cli("check", "sleep", "--profile-file", str(profile))
    assert result.exit_code != 0 and result.stderr.startswith("massagectl: ")
    assert raw_controls(result.stderr) == []
    assert "\\x1b" in result.stderr


# --- session logs --------------------------------------------------------------------------------

def test_report_escapes_every_string_from_the_log(tmp_path: Path) -> None:
    log = tmp_path / "hostile.jsonl"
    records = [
        {"t": 0.0, "kind": "session", "program": "p" + NAME, "program_name": NAME, "wall": NAME,
         "device": {"model": DEVICE, "simulator": False, "intensity_max": 10}, "zones": {"1": "z" + DEVICE}},
        {"t": 0.5, "kind": "tx", "type": "SetActuators", "fields": {"entries": [
            {"zone": 1, "motion": 1, "intensity": 3, "speed": 2, "heat": 0, "lease_ms": 1500}]}},
        {"t": 1.0, "kind": "note", "text": "a note " + NAME},
        {"t": 2.0, "kind": "event", "code": 9, "name": NAME, "arg": 1},
        {"t": 3.0, "kind": "end", "outcome": NAME, "position_s": 2.0, "error": "error " + NAME},
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = cli("report", str(log))
    assert result.exit_code == 0, result.output
    assert raw_controls(result.output) == []
    assert ESCAPED_OSC in result.output and ESCAPED_CLEAR in result.output


# --- devices -------------------------------------------------------------------------------------

@contextmanager
def served(profile: sim_profiles.Profile) -> Iterator[str]:
    """The simulator on a real pty with this profile; yields the pty's path."""
    server = PtyServer(profile=profile)
    path = server.start()
    try:
        yield path
    finally:
        server.stop()


@pytest.fixture
def hostile_device() -> Iterator[str]:
    """The simulator on a real pty, reporting a hostile model and serial in its handshake."""
    with served(HOSTILE_PROFILE) as path:
        yield path


def test_probe_escapes_what_the_device_reports(hostile_device: str) -> None:
    result = cli("probe", "--port", hostile_device)
    assert result.exit_code == 0, result.output
    assert_shown_escaped(result.output, markup="[b]")


def test_a_hostile_zone_name_is_refused_and_quoted_escaped() -> None:
    with served(HOSTILE_ZONE_PROFILE) as path:
        result = cli("probe", "--port", path)
    assert result.exit_code == 3
    assert raw_controls(result.output) == []
    assert f"zD{ESCAPED_OSC}" in result.output   # the zone's name, in the refusal


def test_ports_escapes_port_descriptions_and_the_model(hostile_device: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from controller.wire import transport

    monkeypatch.setattr(transport, "list_ports", lambda: [(hostile_device, "USB " + NAME, "VID " + DEVICE)])
    result = cli("ports", "--probe")
    assert result.exit_code == 0, result.output
    assert raw_controls(result.output) == []
    assert result.output.count(ESCAPED_OSC) == 3   # description, hwid and the model it reported


def test_errors_at_the_top_level_are_escaped(tmp_path: Path) -> None:
    result = cli("run", str(hostile_program(tmp_path, speed=9)), "--sim", "--no-log")
    assert result.exit_code == 2 and result.stderr.startswith("massagectl: ")
    assert "speed: 9 is out of range" in result.stderr
    assert_shown_escaped(result.stderr)


def test_plot_draws_a_name_with_dollar_signs_as_text_not_tex(tmp_path: Path) -> None:
    program = hostile_program(tmp_path)
    program.write_text(program.read_text().replace(_yaml_string(NAME), '"cost $\\\\foo$ x"', 1))
    result = cli("plot", str(program), "-o", str(tmp_path / "p.svg"))
    assert result.exit_code == 0, result.output
    assert "cost $\\foo$ x" in (tmp_path / "p.svg").read_text()


def test_plot_shows_control_characters_escaped(tmp_path: Path) -> None:
    """A program or zone name with an escape sequence is drawn as its escaped text, not as glyphs the font
    lacks (matplotlib warned 'Glyph 27 missing' and drew a box)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = cli("plot", str(hostile_program(tmp_path)), "-o", str(tmp_path / "p.svg"))
    assert result.exit_code == 0, result.output
    drawn = (tmp_path / "p.svg").read_text()
    assert "\x1b" not in drawn and "\\x1b" in drawn


def test_probe_says_when_a_device_has_no_serial_number() -> None:
    from controller.ui.devices import describe

    assert "serial (none)," in describe(dataclasses.replace(FOOT, serial=""))
