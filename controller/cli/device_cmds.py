"""Commands of `massagectl` for the device feature."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add this module's commands to the `massagectl` group."""
