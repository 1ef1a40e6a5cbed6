"""Real parts a test needs (a broker, a browser, an AVR toolchain, an emulator), found or explained.

A test that needs a program from the system calls `need(...)`. Without it the test is skipped with a reason
naming the Debian package that provides it — except under CI (`CI=true`), where a missing part is a
failure: `.ci/run` installs every part, so a skip there would mean CI had silently stopped testing it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def in_ci() -> bool:
    """True when the suite runs in CI, where every real part must be present."""
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def missing(reason: str) -> None:
    """Skip with `reason`, or fail under CI: a part CI installs must never be silently untested."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: a missing part is a failure; .ci/run installs it)", pytrace=False)
    pytest.skip(reason)


def need(program: str, package: str) -> str:
    """The path of `program` (a command name or an absolute path); skip/fail naming `package` if absent."""
    found = program if Path(program).is_absolute() and os.access(program, os.X_OK) else shutil.which(program)
    if not found:
        missing(f"needs {program}: install the Debian package {package} (apt-get install {package})")
    return str(found)


def need_file(path: str, package: str) -> Path:
    """A file the system provides (a header, a library); skip/fail naming `package` if absent."""
    if not Path(path).exists():
        missing(f"needs {path}: install the Debian package {package} (apt-get install {package})")
    return Path(path)
