"""`massagectl sim` with outputs and addresses it cannot use (issue 14): one line and an exit code.

Before: --record or --link into a missing folder was exit 1 "internal error", --tcp 999.1.1.1:5000 exit 1
(ClickException), and --record on a FIFO blocked forever.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from controller import exitcodes

MASSAGECTL = [sys.executable, "-m", "controller.cli"]


def sim(*args: str) -> subprocess.CompletedProcess[str]:
    """`massagectl sim …` that must fail at once: a timeout means it started serving (or blocked)."""
    return subprocess.run([*MASSAGECTL, "sim", *args], capture_output=True, text=True, timeout=30)


def refused(done: subprocess.CompletedProcess[str], code: int, message: str) -> None:
    assert done.returncode == code, done.stderr
    assert message in done.stderr
    assert done.stdout == ""  # no port was announced
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


@pytest.mark.parametrize("option", ["--record", "--link"])
def test_an_output_in_a_missing_folder(tmp_path: Path, option: str) -> None:
    target = tmp_path / "nope" / "x"
    refused(sim("--pty", option, str(target)), exitcodes.BAD_INPUT, f"{target}: no folder {target.parent}")


def test_a_record_file_that_is_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "record.fifo"
    os.mkfifo(fifo)
    refused(sim("--pty", "--record", str(fifo)), exitcodes.BAD_INPUT, "is a FIFO; refusing to replace it")


def test_a_link_never_replaces_a_regular_file(tmp_path: Path) -> None:
    precious = tmp_path / "notes.txt"
    precious.write_text("mine")
    refused(sim("--pty", "--link", str(precious)), exitcodes.BAD_INPUT,
            "is a regular file; refusing to replace it")
    assert precious.read_text() == "mine"


def test_a_link_the_system_refuses_is_one_line() -> None:
    done = sim("--pty", "--link", "/sys/massagectl-link")
    refused(done, exitcodes.BAD_INPUT, "cannot start the simulator: Operation not permitted")


@pytest.mark.parametrize(("address", "message"), [
    ("999.1.1.1:5000", "not an address or host name this machine can resolve"),
    ("no-such-host.invalid:5000", "not an address or host name this machine can resolve"),
    ("192.0.2.1:5000", "no such address on this machine"),  # TEST-NET-1: never a local address
])
def test_an_address_that_cannot_be_listened_on_is_bad_input(address: str, message: str) -> None:
    refused(sim("--tcp", address), exitcodes.BAD_INPUT, f"cannot listen on {address}: {message}")


def test_a_port_in_use_is_busy() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        refused(sim("--tcp", f"127.0.0.1:{port}"), exitcodes.LINK, "the port is in use")
