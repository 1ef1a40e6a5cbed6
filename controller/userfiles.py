"""Opening the files a user names: never blocking, never unbounded, always a clear message (RELIABILITY 32).

Every file a user names for reading (a program, a health profile, a session log to report on) is opened
here: regular files only. A FIFO or a device file is refused without blocking (opened with O_NONBLOCK, then
checked with fstat before a byte is read), so `/dev/zero` or a FIFO with no writer cannot hang or fill
memory. `read_user_file` reads at most a size limit; `open_user_file` hands back a stream for readers that
go line by line (`bounded_lines`).

Files a user names for writing (the session log) are opened with `open_for_append`: a regular file (made if
missing, with its folder), never a FIFO, socket or device. A FIFO would block the run until someone reads
it, or stall it mid-session when its reader stops; use --no-log for no log.

Errors are InputFileError / OutputError (controller/errors.py) with the path and what to do.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from controller.errors import InputFileError, OutputError

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def open_user_file(path: Path, what: str) -> IO[bytes]:
    """A binary stream on the regular file at `path`; InputFileError for anything else.

    `what` names the file in messages ("program file", "health profile", "session log").
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _CLOEXEC)
    except OSError as err:
        raise InputFileError(path, _open_problem(err, what)) from None
    try:
        _check_regular(os.fstat(fd), path, what)
        return os.fdopen(fd, "rb")  # still non-blocking: a /proc file that waits (kmsg) reads as empty
    except BaseException:
        os.close(fd)
        raise


def read_user_file(path: Path, what: str, max_bytes: int) -> bytes:
    """The bytes of the regular file at `path`, refused past `max_bytes`; InputFileError otherwise."""
    with open_user_file(path, what) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise InputFileError(path, f"file is {size} bytes; {what}s are limited to {max_bytes}")
        try:
            data = handle.read(max_bytes + 1)  # +1: a file that grew while we read is seen as too large
        except OSError as err:
            raise InputFileError(path, f"cannot read: {err.strerror or err}") from None
    if data is None:
        raise InputFileError(path, "is not an ordinary file: reading it would wait for data")
    return data


def bounded_lines(stream: IO[bytes], max_line: int) -> Iterator[str | None]:
    """Each line of `stream` as text (undecodable bytes replaced), or None for a line over `max_line`
    bytes, which is skipped without ever holding more than `max_line` bytes of it."""
    while True:
        line = stream.readline(max_line + 1)
        if not line:
            return
        if len(line) > max_line and not line.endswith(b"\n"):
            while (rest := stream.readline(max_line)) and not rest.endswith(b"\n"):
                pass
            yield None
            continue
        yield line.decode("utf-8", errors="replace")


def open_for_append(path: Path, what: str) -> IO[str]:
    """A text stream appending to the regular file at `path`, made (with its folder) if missing.

    OutputError naming the path when the folder cannot be made, the file is not a regular file
    (FIFO, socket, device), or the operating system refuses (read-only, permissions, no space).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"{path}: cannot make the folder for the {what}: {_folder_problem(err)}") from None
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | _CLOEXEC, 0o644)
    except OSError as err:
        raise OutputError(f"{path}: cannot write the {what}: {_write_problem(err, what)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OutputError(f"{path}: the {what} must be a regular file, not {_file_type(info.st_mode)}; "
                              "use --no-log for no log")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "a", encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise


def is_folder(path: Path) -> bool:
    """Whether `path` is a folder; False, not an exception, for a name too long or a path it cannot see."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return False


def is_regular(path: Path) -> bool:
    """Whether `path` is a regular file; False, not an exception, for a name too long or a path it cannot
    see."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return False


def output_path_problem(path: Path, allow: Callable[[int], bool]) -> str | None:
    """Why `path` cannot be made or replaced as an output, or None: its folder must exist, and what is
    already there must be of a kind `allow` accepts (stat.S_ISREG, stat.S_ISLNK) on its mode."""
    folder = path.parent
    if not is_folder(folder):
        return f"no folder {folder}" if not os.path.lexists(folder) else f"{folder} is not a folder"
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        return f"cannot use it: {getattr(err, 'strerror', None) or err}"
    if allow(info.st_mode):
        return None
    kind = "a symlink" if stat.S_ISLNK(info.st_mode) else _file_type(info.st_mode)
    if stat.S_ISREG(info.st_mode):
        kind = "a regular file"
    return f"is {kind}; refusing to replace it"


def _check_regular(info: os.stat_result, path: Path, what: str) -> None:
    """Refuse what is not a regular file, before reading a byte of it."""
    if stat.S_ISDIR(info.st_mode):
        raise InputFileError(path, f"is a directory, not a {what}")
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError(path, f"is {_file_type(info.st_mode)}, not a regular file; refusing to read it")


def _file_type(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file"
    return "a directory" if stat.S_ISDIR(mode) else "not a regular file"


def _open_problem(err: OSError, what: str) -> str:
    if err.errno == errno.ENOENT:
        return "no such file"
    if err.errno == errno.EISDIR:
        return f"is a directory, not a {what}"
    if err.errno == errno.ENOTDIR:
        return "a part of the path is not a folder"
    return f"cannot open: {err.strerror or err}"


def _folder_problem(err: OSError) -> str:
    if err.errno in (errno.EEXIST, errno.ENOTDIR):
        return "a file is in the way of the folder"
    return _write_problem(err, "file")


def _write_problem(err: OSError, what: str) -> str:
    if err.errno == errno.EROFS:
        return "the file system is read-only"
    if err.errno == errno.ENXIO:
        return f"it is a FIFO or device nobody reads; the {what} must be a regular file"
    if err.errno == errno.EISDIR:
        return "is a directory"
    return str(err.strerror or err)
