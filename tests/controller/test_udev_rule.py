"""Lint of the shipped udev rule (RELIABILITY 28): least privilege, ModemManager kept away, a stable name."""

from __future__ import annotations

from pathlib import Path

RULES = Path(__file__).resolve().parents[2] / "udev" / "60-massagectl.rules"


def rule_lines() -> list[str]:
    return [ln for ln in RULES.read_text().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def test_every_rule_matches_a_vid_pid_and_is_least_privilege() -> None:
    lines = rule_lines()
    assert lines
    for line in lines:
        assert 'ATTRS{idVendor}=="' in line and 'ATTRS{idProduct}=="' in line
        assert 'MODE="0660"' in line and "0666" not in line
        assert 'ENV{ID_MM_DEVICE_IGNORE}="1"' in line
        assert 'SYMLINK+="massager-' in line
