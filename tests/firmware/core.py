"""The firmware's core, built with the host's cc as a shared library and driven through ctypes.

`Firmware` is one powered-up device on a millisecond clock the test owns: bytes written arrive at the
present millisecond, one at a time with a pass of the main loop after each (as the chip's RX interrupt wakes
its loop); `advance` runs the loop once per millisecond so every timer fires in its own tick. `FirmwarePort`
gives it the write / read(max_bytes, timeout_s) shape of a serial port, so the simulator's test host
(tests/sim/helpers.py) drives the firmware exactly as it drives the simulator.
"""

from __future__ import annotations

import ctypes
import subprocess
from pathlib import Path

from tests.parts import need, need_file

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware"
LIBRARY = FIRMWARE / "build" / "libmassager_core.so"
_U32 = 0xFFFF_FFFF


def build_library() -> Path:
    """`make -C firmware host` (incremental); the path of the shared library."""
    need("cc", "gcc")
    make = need("make", "make")
    done = subprocess.run([make, "-C", str(FIRMWARE), "host"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return LIBRARY


def build_firmware() -> Path:
    """`make -C firmware firmware emulator` (incremental): the ELF and the simavr harness; the ELF's path."""
    need("avr-gcc", "gcc-avr")
    need("avr-objcopy", "binutils-avr")
    need_file("/usr/lib/avr/include/avr/io.h", "avr-libc")
    need_file("/usr/include/simavr/sim_avr.h", "libsimavr-dev")
    need("cc", "gcc")
    make = need("make", "make")
    done = subprocess.run([make, "-C", str(FIRMWARE), "firmware", "emulator"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return FIRMWARE / "massager.elf"


def _bind(lib: ctypes.CDLL) -> ctypes.CDLL:
    """Argument and result types of host/host_board.h."""
    u8, u16, u32, i16 = ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint32, ctypes.c_int16
    buf = ctypes.c_char_p
    signatures: dict[str, tuple[list[type], type | None]] = {
        "host_boot": ([u16, u8, u32], None),
        "host_stored_boot_count": ([], u16),
        "host_rx": ([buf, u32, u32], None),
        "host_rx_burst": ([buf, u32, u32], None),
        "host_poll": ([u32], None),
        "host_tx_take": ([ctypes.c_void_p, u32], u32),
        "host_tx_hold": ([u8], None),
        "host_tx_release": ([u32], u32),
        "host_rx_pending": ([], u32),
        "host_tx_pending": ([], u32),
        "host_set_adc": ([u16], None),
        "host_set_button": ([u8], None),
        "host_set_stuck": ([u8, u8], None),
        "host_duty": ([u8], u8),
        "host_heater": ([], u8),
        "host_encode": ([u8, u8, buf, u8, ctypes.c_void_p], u8),
        "host_temp_from_adc": ([u16], i16),
        "host_drive_duty": ([u8, u8, u8], u8),
        "host_dropped_frames": ([], u32),
        "host_constant": ([u8], u32),
    }
    for name, (args, result) in signatures.items():
        fn = getattr(lib, name)
        fn.argtypes = args
        fn.restype = result
    return lib


class Firmware:
    """One device: the core's globals live in the library, so there is one per process, rebooted per test."""

    ZONES = 11

    def __init__(self, lib: ctypes.CDLL, start_ms: int = 1000, stored_boot_count: int = 0xFFFF,
                 reset_cause: int = 0) -> None:
        self.lib = lib
        self.now_ms = start_ms
        lib.host_boot(stored_boot_count, reset_cause, start_ms & _U32)

    # time

    def now(self) -> float:
        """Seconds, for code written against a clock."""
        return self.now_ms / 1000

    def poll(self) -> None:
        self.lib.host_poll(self.now_ms & _U32)

    def advance(self, seconds: float, step_ms: int = 1) -> None:
        """Let `seconds` pass, one pass of the main loop every `step_ms`."""
        end = self.now_ms + round(seconds * 1000)
        while self.now_ms < end:
            self.now_ms = min(self.now_ms + step_ms, end)
            self.poll()

    def advance_to(self, ms: int) -> None:
        self.advance((ms - self.now_ms) / 1000)

    # the line

    def receive(self, data: bytes) -> None:
        """Bytes from the host, all at the present millisecond."""
        self.lib.host_rx(data, len(data), self.now_ms & _U32)

    def receive_burst(self, data: bytes) -> None:
        """Bytes that all arrived while the main loop was busy, then one pass of it."""
        self.lib.host_rx_burst(data, len(data), self.now_ms & _U32)

    def transmitted(self) -> bytes:
        """Everything the device sent since the last call."""
        out = ctypes.create_string_buffer(65536)
        n = self.lib.host_tx_take(out, len(out))
        return out.raw[:n]

    # inputs and outputs

    def set_adc(self, adc: int) -> None:
        self.lib.host_set_adc(adc)

    def press(self, down: bool = True) -> None:
        self.lib.host_set_button(1 if down else 0)

    def set_stuck(self, index: int, stuck: bool = True) -> None:
        self.lib.host_set_stuck(index, 1 if stuck else 0)

    def duty(self, index: int) -> int:
        return int(self.lib.host_duty(index))

    def duties(self) -> list[int]:
        return [self.duty(i) for i in range(self.ZONES)]

    def heater(self) -> bool:
        return bool(self.lib.host_heater())

    def all_off(self) -> bool:
        """No zone driven and the heater off: what the actuators actually get."""
        return not any(self.duties()) and not self.heater()


class FirmwarePort:
    """write / read(max_bytes, timeout_s) over a Firmware, its clock moving while a read waits."""

    def __init__(self, fw: Firmware) -> None:
        self.fw = fw
        self._pending = b""

    def write(self, data: bytes) -> None:
        self.fw.receive(data)

    def read(self, max_bytes: int, timeout_s: float) -> bytes:
        """What the device has sent; waits up to `timeout_s` of the firmware's time for something."""
        end = self.fw.now_ms + round(timeout_s * 1000)
        while True:
            self._pending += self.fw.transmitted()
            if self._pending or self.fw.now_ms >= end:
                break
            self.fw.advance(0.001)
        data, self._pending = self._pending[:max_bytes], self._pending[max_bytes:]
        return data
