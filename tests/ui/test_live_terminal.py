"""`massagectl run` on a real terminal: a pty of a fixed size, its output read by a terminal emulator.

The program's step names and the device's model are hostile; the key `e` is typed once the session runs.
What the emulator (pyte) ends with is what a user would see: the title untouched, nothing cleared, the
hostile text escaped, the layout for the size, and a last frame in the state the device was left in.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import struct
import subprocess
import sys
import termios
from dataclasses import dataclass
from pathlib import Path

import pyte

from controller import exitcodes
from tests.ui.hostile import BIDI, CLEAR, DEVICE, ESCAPED_OSC, NAME, OSC_TITLE

# The simulator, as a hostile device: its model carries the escape sequences (the run's own process, so
# the device is in-process as with --sim; only its profile is swapped).
BOOT = f"""
import dataclasses, sys
from sim import profiles
profiles.PROFILES["foot"] = dataclasses.replace(profiles.FOOT, model={DEVICE!r})
from controller.cli import main
sys.argv[0] = "massagectl"
main()
"""


@dataclass
class Terminal:
    screen: pyte.Screen
    raw: bytes
    returncode: int

    @property
    def lines(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display]


def _program(folder: Path) -> Path:
    path = folder / "hostile.yaml"
    path.write_text("schema_version: 1\nid: hostile\nname: " + json.dumps(NAME) + "\n"
                    "description: d\nintensity_class: light\nsteps:\n"
                    "  - {name: " + json.dumps(NAME) + ", duration: 60s, zones: [heel], motion: knead, "
                    "intensity: 3, speed: 2}\n"
                    "  - {name: after, duration: 60s, zones: [ball], motion: knead, intensity: 3, "
                    "speed: 2}\n",
                    encoding="utf-8")
    return path


def run_on_terminal(tmp_path: Path, columns: int, rows: int, key: bytes) -> Terminal:
    """Run the hostile program on a pty of `columns`×`rows`; type `key` once it is running."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "CI", "NO_COLOR")}
    env.update(TERM="xterm-256color", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_STATE_HOME=str(tmp_path / "state"))
    proc = subprocess.Popen([sys.executable, "-c", BOOT, "run", str(_program(tmp_path)), "--sim", "--no-log"],
                            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    screen = pyte.Screen(columns, rows)
    stream = pyte.ByteStream(screen)
    raw, typed = bytearray(), False
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 30)
            assert ready, "no output for 30 s:\n" + "\n".join(screen.display)
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every end of the pty's slave is closed, the run is over
                break
            if not chunk:
                break
            raw += chunk
            stream.feed(chunk)
            if not typed and any("running" in line for line in screen.display):
                os.write(master, key)
                typed = True
        returncode = proc.wait(timeout=30)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return Terminal(screen, bytes(raw), returncode)


def test_a_run_at_80x24_shows_hostile_names_escaped_and_ends_on_the_emergency_stop(tmp_path: Path) -> None:
    term = run_on_terminal(tmp_path, 80, 24, b"e")
    text = "\n".join(term.lines)
    assert term.returncode == exitcodes.EMERGENCY_STOP, text
    assert term.screen.title == ""                          # the OSC sequence did not retitle it
    for payload in (OSC_TITLE, CLEAR, BIDI):
        assert payload.encode() not in term.raw
    assert ESCAPED_OSC in text and "[bold]B[/bold]" in text  # shown escaped, the markup as it is
    last = text[text.rindex("╭─"):]
    assert "state     EMERGENCY STOP" in last and "running" not in last
    assert "space pause  +/- intensity  n next  s stop  e EMERGENCY STOP  q quit" in last
    assert [line for line in term.lines if line][-1] == "emergency stop"


def test_a_run_at_60x15_is_one_status_line_that_ends_stopped(tmp_path: Path) -> None:
    term = run_on_terminal(tmp_path, 60, 15, b"q")
    assert term.returncode == exitcodes.STOPPED_BY_USER, "\n".join(term.lines)
    shown = [line for line in term.lines if line]
    assert shown[-2].startswith("stopped · ") and shown[-1] == "stopped"
    assert all(len(line) <= 60 for line in term.lines)
    assert term.screen.title == "" and OSC_TITLE.encode() not in term.raw
