"""The peer users would pick instead: pymodbus's RTU clients writing one holding register (FC 6).

They run against two peers: pymodbus's own server in another process (issue 6's row, which mostly measures
that server), and the C echo answering the exact request with its canned reply at once (the client alone).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

MODBUS_BAUD = 115200
READ_TIMEOUT_S = 1.0
DEVICE_ID, REGISTER, VALUE = 1, 0, 1234


def crc16_modbus(data: bytes) -> bytes:
    """CRC-16/MODBUS (reflected 0xA001, initial 0xFFFF), low byte first as RTU sends it."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc.to_bytes(2, "little")


def write_register_request() -> bytes:
    """The RTU frame the clients send: device, FC 6, register, value, CRC."""
    body = bytes([DEVICE_ID, 6]) + REGISTER.to_bytes(2, "big") + VALUE.to_bytes(2, "big")
    return body + crc16_modbus(body)


def write_register_reply() -> bytes:
    """A server's answer to FC 6 is the request echoed: same register, same value, same CRC."""
    return write_register_request()


class ModbusSyncContender:
    """pymodbus's blocking RTU client writing one holding register."""

    def __init__(self, path: str) -> None:
        from pymodbus.client import ModbusSerialClient

        self.client = ModbusSerialClient(port=path, baudrate=MODBUS_BAUD, timeout=READ_TIMEOUT_S, retries=0)
        if not self.client.connect():
            raise RuntimeError(f"pymodbus could not open {path}")

    def one(self) -> None:
        reply = self.client.write_register(REGISTER, VALUE, device_id=DEVICE_ID)
        if reply.isError():
            raise RuntimeError(f"pymodbus write failed: {reply}")

    def batch(self, n: int) -> list[float]:
        out = []
        for _ in range(n):
            t0 = time.perf_counter()
            self.one()
            out.append(time.perf_counter() - t0)
        return out

    def close(self) -> None:
        self.client.close()


class ModbusAsyncContender:
    """pymodbus's asyncio RTU client writing one holding register, on an event loop kept across batches."""

    def __init__(self, path: str) -> None:
        from pymodbus.client import AsyncModbusSerialClient

        async def connect() -> Any:
            client = AsyncModbusSerialClient(port=path, baudrate=MODBUS_BAUD, timeout=READ_TIMEOUT_S,
                                             retries=0)  # it needs a running loop to be built
            if not await client.connect():
                raise RuntimeError(f"pymodbus could not open {path}")
            return client

        self.loop = asyncio.new_event_loop()
        self.client = self.loop.run_until_complete(connect())

    async def _batch(self, n: int) -> list[float]:
        out = []
        for _ in range(n):
            t0 = time.perf_counter()
            reply = await self.client.write_register(REGISTER, VALUE, device_id=DEVICE_ID)
            out.append(time.perf_counter() - t0)
            if reply.isError():
                raise RuntimeError(f"pymodbus write failed: {reply}")
        return out

    def batch(self, n: int) -> list[float]:
        return self.loop.run_until_complete(self._batch(n))

    def close(self) -> None:
        self.client.close()
        self.loop.run_until_complete(asyncio.sleep(0))  # let the transport's close callbacks run
        self.loop.close()
