"""Hostile text for the tests that check nothing reaches a terminal raw, and how to look for it."""

from __future__ import annotations

import re
import unicodedata

OSC_TITLE = "\x1b]0;pwned\x07"       # retitles the terminal
CLEAR = "\x1b[2J"                    # clears the screen
BIDI = "\u202e"                      # right-to-left override: shows text reversed
MARKUP = "[bold]B[/bold]"            # rich markup, which must print as it is
LINK = "[link=http://x]L[/link]"     # a hyperlink, if read as markup
# A step or program name (programs allow 60 characters) and a device string (the protocol allows 24 bytes).
NAME = f"s{OSC_TITLE}{CLEAR}\r{BIDI}{MARKUP}{LINK}"
DEVICE = f"D{OSC_TITLE}{CLEAR}\r{BIDI}[b]"
ESCAPED_OSC = r"\x1b]0;pwned\x07"
ESCAPED_CLEAR = r"\x1b[2J"

_SGR = re.compile(r"\x1b\[[0-9;]*m")   # colours and styles: the only sequences a view writes itself
_UNSAFE = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def raw_controls(output: str) -> list[str]:
    """Every control or format character in `output` outside a colour sequence, but line breaks."""
    return [c for c in _SGR.sub("", output) if c != "\n" and unicodedata.category(c) in _UNSAFE]


def assert_shown_escaped(output: str, *, markup: str = MARKUP) -> None:
    """Nothing hostile reached the terminal raw; the escapes and the markup are visible as text."""
    assert raw_controls(output) == []
    plain = _SGR.sub("", output)
    assert ESCAPED_OSC in plain and ESCAPED_CLEAR in plain and r"\u202e" in plain, plain
    assert markup in plain, plain
