"""The peer: pymodbus's own RTU server with 16 holding registers, on the master side of a pty.

Prints {"path", "pid"} (the slave path for the client) on stdout, then serves until killed. pymodbus
opens ports through pyserial's serial_for_url, so it is handed the master descriptor as `ptyfd://N`.
"""

from __future__ import annotations

import json
import logging
import os
import tty

import serial
from pymodbus.framer import FramerType
from pymodbus.server import StartSerialServer
from pymodbus.simulator import DataType, SimData, SimDevice

BAUD = 115200


def main() -> None:
    """Open a raw pty, say where, and serve Modbus RTU on it."""
    logging.getLogger("pymodbus").setLevel(logging.WARNING)
    serial.protocol_handler_packages.append("bench.serial_handlers")
    master, slave = os.openpty()
    tty.setraw(slave)
    print(json.dumps({"path": os.ttyname(slave), "pid": os.getpid()}), flush=True)
    device = SimDevice(id=1, simdata=[SimData(address=0, count=16, values=0, datatype=DataType.REGISTERS)])
    StartSerialServer(device, framer=FramerType.RTU, port=f"ptyfd://{master}", baudrate=BAUD)


if __name__ == "__main__":
    main()
