"""The minimum pause between sessions on a real massager, remembered across runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.errors import SafetyRefusal
from controller.safety.policy import SafetyPolicy
from controller.safety.resttime import last_session_end, record_session_end, require_rest


def test_a_new_session_waits_out_the_pause(tmp_path: Path) -> None:
    path = tmp_path / "last"
    policy = SafetyPolicy()
    require_rest(policy, path, now=1000.0)  # never ran: no wait
    record_session_end(path, now=1000.0)
    assert last_session_end(path) == 1000.0
    with pytest.raises(SafetyRefusal, match=r"rest 4\.0 more minutes: sessions need a pause of 5 minutes"):
        require_rest(policy, path, now=1060.0)
    require_rest(policy, path, now=1000.0 + policy.min_pause_s)


def test_an_unreadable_record_does_not_block(tmp_path: Path) -> None:
    path = tmp_path / "last"
    path.write_text("garbage")
    require_rest(SafetyPolicy(), path, now=0.0)
