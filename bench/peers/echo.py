"""The floor: a minimal peer on a pty that answers every frame with a canned ACK carrying the frame's seq.

No device model and no CRC check: it finds the 0x00 that ends a frame, reads the seq byte out of the COBS
encoding, and writes the canned reply for that seq (argv[1]: the 256 replies, hex, comma-separated). What
is left of a round trip against it is the OS's pty and pyserial's cost, and the host side's own work.
Prints {"path", "pid"} on stdout, serves until stdin closes.
"""

from __future__ import annotations

import json
import os
import select
import sys
import tty


def seq_of(encoded: bytes) -> int:
    """Body byte 1 (seq) of a COBS-encoded frame whose ver byte is non-zero.

    A first code byte of 2 means "ver, then an implied 0": the seq is 0. Otherwise seq is encoded[2].
    """
    return encoded[2] if encoded[0] > 2 else 0


def serve(master: int, replies: list[bytes]) -> None:
    """Answer each complete non-empty frame until stdin closes."""
    stdin = sys.stdin.fileno()
    pending = b""
    while True:
        readable, _, _ = select.select([master, stdin], [], [])
        if stdin in readable and not os.read(stdin, 4096):
            return
        if master in readable:
            *frames, pending = (pending + os.read(master, 4096)).split(b"\x00")
            for frame in frames:
                if len(frame) >= 3:
                    os.write(master, replies[seq_of(frame)])


def main() -> None:
    """Open a raw pty, say where, and echo."""
    master, slave = os.openpty()
    tty.setraw(slave)  # as the simulator does: no echo, no newline translation
    print(json.dumps({"path": os.ttyname(slave), "pid": os.getpid()}), flush=True)
    serve(master, [bytes.fromhex(h) for h in sys.argv[1].split(",")])


if __name__ == "__main__":
    main()
