"""RELIABILITY 32: every file a user names is read through one hardened, bounded loader.

The same hostile corpus goes to each YAML loader (program files, health profiles): each file is refused with
its file and line, quickly, without running anything. controller/userfiles.py, which opens them, refuses
FIFOs and devices without blocking and reads lines of a log within a bound.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from controller.errors import InputFileError, MassagerError, OutputError
from controller.program.loader import load_program_file
from controller.safety.health import load_profile
from controller.userfiles import bounded_lines, open_for_append, open_user_file, read_user_file
from tests.nonblocking import within

CANARY = Path("/tmp/massagectl_canary_user_files")

HOSTILE: dict[str, bytes] = {
    "python_tag": f"a: !!python/object/apply:os.system ['touch {CANARY}']\n".encode(),
    "alias_bomb": b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                  b"c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
    "merge_key": b"base: {x: 1}\nother:\n  <<: {x: 2}\n",
    "duplicate_key": b"conditions: [fracture]\nconditions: []\n",
    "deep_nesting": b"a: " + b"[" * 40 + b"]" * 40 + b"\n",
    "nan": b"limits: {max_intensity: .nan}\n",
    "huge_number": b"limits: {max_intensity: " + b"9" * 5000 + b"}\n",
    "two_documents": b"a: 1\n---\nb: 2\n",
    "not_utf8": b"a: \xff\xfe\n",
    "utf16_bom": "a: 1\n".encode("utf-16"),
    "nul": b"a: 1\x00\n",
    "ten_megabytes": b"# padding\n" * (1024 * 1024),
    "syntax": b"a: [\n",
}

LOADERS: dict[str, tuple[Callable[[Path], object], type[MassagerError]]] = {
    "program": (load_program_file, MassagerError),
    "health profile": (load_profile, MassagerError),
}


@pytest.mark.parametrize("loader", sorted(LOADERS))
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_hostile_corpus_is_refused_by_every_loader(tmp_path: Path, loader: str, name: str) -> None:
    CANARY.unlink(missing_ok=True)
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(HOSTILE[name])
    load, error = LOADERS[loader]
    started = time.perf_counter()
    with pytest.raises(error) as caught:
        load(path)
    assert time.perf_counter() - started < 1.0
    assert f"{path}:" in str(caught.value)  # the file, and for YAML problems its line
    assert not CANARY.exists()


def test_fifos_and_devices_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for target, kind in ((fifo, "a FIFO"), (Path("/dev/zero"), "a device file")):
        with pytest.raises(InputFileError) as caught:
            within(2.0, lambda t=target: open_user_file(t, "session log"), fifos=(fifo,))
        assert str(caught.value) == f"{target}: is {kind}, not a regular file; refusing to read it"


def test_a_size_cap_is_checked_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"x" * 101)
    with pytest.raises(InputFileError, match="file is 101 bytes; profiles are limited to 100"):
        read_user_file(big, "profile", 100)
    assert read_user_file(big, "profile", 101) == b"x" * 101


def test_missing_files_and_folders_say_so(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        read_user_file(tmp_path / "none", "profile", 10)
    with pytest.raises(InputFileError, match="is a directory, not a profile"):
        read_user_file(tmp_path, "profile", 10)
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputFileError, match="a part of the path is not a folder"):
        read_user_file(tmp_path / "file" / "x", "profile", 10)


def test_bounded_lines_skip_an_overlong_line_without_holding_it() -> None:
    stream = io.BytesIO(b"one\n" + b"x" * 10_000 + b"\ntwo\n\xffend")
    assert list(bounded_lines(stream, 100)) == ["one\n", None, "two\n", "\ufffdend"]
    assert list(bounded_lines(io.BytesIO(b"y" * 250), 100)) == [None]  # no newline at all


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p.parent.write_text("a file where the folder should be"),
     "cannot make the folder for the session log: a file is in the way of the folder"),
    (lambda p: p.parent.mkdir() or os.mkfifo(p),
     "cannot write the session log: it is a FIFO or device nobody reads; the session log must be a "
     "regular file"),
    (lambda p: p.mkdir(parents=True), "cannot write the session log: is a directory"),
])
def test_open_for_append_refuses_with_a_message(tmp_path: Path, make: Callable[[Path], None],
                                                message: str) -> None:
    path = tmp_path / "logs" / "x.jsonl"
    make(path)
    with pytest.raises(OutputError) as caught:
        within(2.0, lambda: open_for_append(path, "session log"))
    assert str(caught.value) == f"{path}: {message}"


def test_open_for_append_refuses_a_fifo_with_a_reader_and_a_device(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with pytest.raises(OutputError, match="must be a regular file, not a FIFO; use --no-log"):
            within(2.0, lambda: open_for_append(fifo, "session log"))
    finally:
        os.close(reader)
    with pytest.raises(OutputError, match="must be a regular file, not a device file"):
        open_for_append(Path("/dev/full"), "session log")
