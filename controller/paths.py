"""Where massagectl keeps its files, by the XDG Base Directory rules, decided once for every module.

    config    $XDG_CONFIG_HOME/massagectl  (~/.config/massagectl)       health.yaml, programs/
    state     $XDG_STATE_HOME/massagectl   (~/.local/state/massagectl)  logs/, last-session-end
    runtime   $XDG_RUNTIME_DIR             port lock files (else /run/lock, else the temp folder)

An XDG variable counts only when it holds an absolute path: the specification calls a relative one
invalid and says to ignore it. Every function takes the environment to read (default: the process's), so
tests never touch the real home.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

APP = "massagectl"


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def home(env: Mapping[str, str] | None = None) -> Path:
    """$HOME, or the account's home directory when it is unset."""
    value = _env(env).get("HOME")
    return Path(value) if value else Path.home()


def _xdg(env: Mapping[str, str] | None, variable: str, *default: str) -> Path:
    """$variable when it is an absolute path, else the specification's default under the home."""
    value = _env(env).get(variable) or ""
    return Path(value) if os.path.isabs(value) else home(env).joinpath(*default)


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    return _xdg(env, "XDG_CONFIG_HOME", ".config") / APP


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    return _xdg(env, "XDG_STATE_HOME", ".local", "state") / APP


def health_profile_file(env: Mapping[str, str] | None = None) -> Path:
    """The health profile read unless --profile-file names another."""
    return config_dir(env) / "health.yaml"


def user_programs_dir(env: Mapping[str, str] | None = None) -> Path:
    """The user's own programs, found by id after --dir folders and before the built-in ones."""
    return config_dir(env) / "programs"


def logs_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where `run` writes its session logs unless --log or --no-log say otherwise."""
    return state_dir(env) / "logs"


def rest_file(env: Mapping[str, str] | None = None) -> Path:
    """When the last session on a real massager ended (controller/safety/resttime.py)."""
    return state_dir(env) / "last-session-end"


def lock_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where port lock files live: $XDG_RUNTIME_DIR, else /run/lock, else the temp folder; writable."""
    runtime = _env(env).get("XDG_RUNTIME_DIR") or ""
    runtime = runtime if os.path.isabs(runtime) else ""
    for candidate in (runtime, "/run/lock", _env(env).get("TMPDIR", "/tmp")):
        if candidate and os.path.isdir(candidate) and os.access(candidate, os.W_OK):
            return Path(candidate)
    return Path("/tmp")
