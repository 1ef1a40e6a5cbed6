"""Text a device sent, made safe for a terminal before any report shows it."""

from __future__ import annotations

import string

_SAFE = frozenset(string.printable) - frozenset("\r\n\t\x0b\x0c")


def printable(text: str) -> str:
    """Anything but printable ASCII becomes '?'."""
    return "".join(c if c in _SAFE else "?" for c in text)
