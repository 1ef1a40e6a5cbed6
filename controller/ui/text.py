"""Words the views share (a step count, the settings a device holds, a session state), and `printable`:
the one way text from a program file, a health profile, a session log or a device reaches a terminal."""

from __future__ import annotations

import logging
import unicodedata
from typing import TYPE_CHECKING

from controller.timeline import Timeline, ZoneSetting

if TYPE_CHECKING:
    from rich.text import Text

# Control characters (C0, DEL, C1: the introducers of escape sequences, \r, \b, bell), invisible format
# characters (bidirectional overrides and isolates, zero-width joiners), lone surrogates, line and
# paragraph separators: each can move the cursor, retitle or clear a terminal, or make it show text other
# than what it holds.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: object, *, newlines: bool = False) -> str:
    r"""`text` as it may be written to a terminal: every control or invisible format character escaped.

    Escapes are Python's (`\x1b`, `\r`, `\u202e`), so a user sees exactly what a file or a device holds
    and the terminal does nothing it was not asked to. `newlines` keeps line breaks, for messages of
    several lines. Rich markup is not touched here: give text to rich as `literal(text)`, never as a
    string, which rich would read as markup.
    """
    value = str(text)
    if value.isprintable():
        return value
    return "".join(_escaped(c, newlines) for c in value)


def _escaped(char: str, newlines: bool) -> str:
    if (newlines and char == "\n") or unicodedata.category(char) not in _UNSAFE_CATEGORIES:
        return char
    code = ord(char)
    named = _NAMED_ESCAPES.get(char)
    return named or (f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF
                     else f"\\U{code:08x}")


def literal(text: object, style: str = "", *, newlines: bool = False) -> Text:
    """`printable(text)` as a rich Text, which rich never reads as markup (`[bold]` stays `[bold]`)."""
    from rich.text import Text  # here, so the command line's start (and --help) does not load rich

    return Text(printable(text, newlines=newlines), style=style)


class PrintableFormatter(logging.Formatter):
    """Log lines as `printable` text: a logged device string cannot reach the terminal raw either."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record), newlines=True)


def step_count(timeline: Timeline) -> int:
    """How many program steps the timeline plays (steps are numbered from 1)."""
    return max((c.step for c in timeline.commands), default=0)


def settings_text(settings: tuple[ZoneSetting, ...]) -> str:
    """One zone per clause, in device units: `ankle swing i=6 s=3`, heat only when on."""
    if not settings:
        return "all off"
    return ", ".join(f"{s.zone} {s.motion} i={s.intensity} s={s.speed}" + (f" h={s.heat}" if s.heat else "")
                     for s in settings)


def state_label(state: str) -> str:
    """A session state as a user reads it; the emergency stop shouts."""
    return "EMERGENCY STOP" if state == "emergency_stop" else state.replace("_", " ")
