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


# --- the store's edges (issue 14's mutation run: 13 survivors in resttime.py) ---------------------------

def test_the_record_is_bounded_to_one_number(tmp_path: Path) -> None:
    path = tmp_path / "last"
    path.write_text("1000".ljust(64))  # 64 bytes, the bound: read
    assert last_session_end(path, now=5000.0) == 1000.0
    path.write_text("1000".ljust(65))  # one byte more: refused, never read whole
    assert last_session_end(path, now=5000.0) is None


def test_the_last_second_of_the_pause_still_refuses(tmp_path: Path) -> None:
    path = tmp_path / "last"
    policy = SafetyPolicy()
    record_session_end(path, now=1000.0)
    with pytest.raises(SafetyRefusal, match=r"rest 0\.0 more minutes"):
        require_rest(policy, path, now=1000.0 + policy.min_pause_s - 0.5)


def test_a_write_error_is_named_by_its_reason(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "file").write_text("in the way")
    with caplog.at_level("WARNING", logger="controller.safety.resttime"):
        record_session_end(tmp_path / "file" / "last", now=1000.0)
    assert "(File exists)" in caplog.text


@pytest.mark.parametrize("text", ["inf", "-inf", "nan", "1e999"])
def test_a_time_that_is_not_finite_is_no_record(tmp_path: Path, text: str) -> None:
    path = tmp_path / "last"
    path.write_text(text)
    assert last_session_end(path, now=5000.0) is None
    require_rest(SafetyPolicy(), path, now=5000.0)


def test_a_time_in_the_future_counts_as_now(tmp_path: Path) -> None:
    path = tmp_path / "last"
    record_session_end(path, now=9000.0)  # the clock was set back since
    assert last_session_end(path, now=1000.0) == 1000.0
    policy = SafetyPolicy()
    with pytest.raises(SafetyRefusal, match=r"rest 5\.0 more minutes"):  # one pause, not hours of them
        require_rest(policy, path, now=1000.0)


def test_the_record_is_written_whole_seconds_in_a_folder_it_makes(tmp_path: Path) -> None:
    path = tmp_path / "state" / "massagectl" / "last"
    record_session_end(path, now=1234.6)
    assert path.read_text() == "1235\n"


def test_the_default_place_and_the_present_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from controller.clock import wall_time
    from controller.paths import rest_file

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    before = wall_time()
    record_session_end()
    ended = last_session_end()
    assert rest_file().exists() and ended is not None
    assert before - 1 <= ended <= wall_time()
    with pytest.raises(SafetyRefusal):
        require_rest(SafetyPolicy())


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_record_that_cannot_be_written_is_a_warning_not_an_error(
        tmp_path: Path, kind: str, caplog: pytest.LogCaptureFixture) -> None:
    import os

    path = tmp_path / "last"
    if kind == "folder":
        path.mkdir()
    else:
        os.mkfifo(path)
    with caplog.at_level("WARNING", logger="controller.safety.resttime"):
        record_session_end(path, now=1000.0)  # returns: the session's own ending is what matters
    assert "cannot record when this session ended" in caplog.text and "wait 5 minutes" in caplog.text
    assert last_session_end(path, now=2000.0) is None
