"""The floor: a minimal peer on a pty that answers every frame with a fixed reply of the ACK's size.

No decoding, no device model: it only looks for the 0x00 that ends a frame and writes the reply bytes
given as argv[1] (hex). What is left of a round trip against it is the OS's pty and pyserial's cost.
Prints {"path", "pid"} on stdout, serves until stdin closes.
"""

from __future__ import annotations

import json
import os
import select
import sys
import tty


def serve(master: int, reply: bytes) -> None:
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
                if frame:
                    os.write(master, reply)


def main() -> None:
    """Open a raw pty, say where, and echo."""
    master, slave = os.openpty()
    tty.setraw(slave)  # as the simulator does: no echo, no newline translation
    print(json.dumps({"path": os.ttyname(slave), "pid": os.getpid()}), flush=True)
    serve(master, bytes.fromhex(sys.argv[1]))


if __name__ == "__main__":
    main()
