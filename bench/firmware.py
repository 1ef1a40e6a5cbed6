"""The reference firmware on the emulated Uno: what a host feels over its UART, and what the chip does.

    .venv/bin/python -m bench --only firmware   # about a minute: the table, and bench/results/firmware.json
    .venv/bin/python -m bench.firmware          # the same, on its own
    .venv/bin/python -m bench.firmware --quick  # fewer samples (writes no file)

Needs `make -C firmware` (gcc-avr, avr-libc, libsimavr-dev); without them `python -m bench --only
firmware` skips, naming what to install. Figures, each with the clock it is read on:
- SET round trip (wall clock, perf_counter): one-zone SET to its ACK through the controller's Link and
  SerialTransport over the emulated UART, p50/p99/max; and the chip's share of it (the emulator's clock): from
  the SET's last byte reaching UART0 to the ACK's last byte leaving it.
- ESTOP -> all outputs off (the emulator's clock): from the ESTOP's last byte reaching UART0 to the instant no
  shift-register output and not the heater is on, with every zone at full duty and the heater on before.
- Watchdog trip (the emulator's clock): from the last frame's last byte to every output off.
- Pacing: the emulated chip's clock against the wall clock over the run, and the emulator's CPU use.
- Memory: avr-size, and the stack's high-water mark read from the painted RAM after all of the above.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.stats import summary_us
from controller.clock import RealClock
from controller.wire.link import Link
from controller.wire.protocol import SetEntry
from controller.wire.transport import SerialTransport
from sim.emulator import DEFAULT_ELF, FIRMWARE_DIR, Emulator, MonitorLine
from sim.messages import Estop, Heartbeat, Hello, SetCmd
from sim.profiles import FOOT
from tests.sim.helpers import Host, entry

RESULTS = Path(__file__).parent / "results" / "firmware.json"
ONE_ZONE = (SetEntry(zone=1, motion=1, intensity=3, speed=2, heat=0, lease_ms=1500),)
EVERYTHING = SetCmd(tuple(entry(z.id, intensity=10, motion=9, heat=1 if z.heated else 0) for z in FOOT.zones))
# what `make -C firmware firmware emulator` needs: (a program or a file, the Debian package providing it)
PARTS = (("avr-gcc", "gcc-avr"), ("avr-objcopy", "binutils-avr"), ("avr-size", "binutils-avr"),
         ("/usr/lib/avr/include/avr/io.h", "avr-libc"), ("/usr/include/simavr/sim_avr.h", "libsimavr-dev"),
         ("cc", "gcc"), ("make", "make"))


def _edges(board: Emulator, kind: str, after_us: int) -> list[MonitorLine]:
    return [line for line in board.snapshot() if line.kind == kind and line.t_us >= after_us]


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def round_trips(board: Emulator, n: int) -> dict[str, Any]:
    transport = SerialTransport(board.path)
    link = Link(transport, RealClock())
    try:
        link.handshake()
        wall = []
        start = len(board.snapshot())
        for _ in range(n):
            t0 = time.perf_counter()
            link.set_actuators(ONE_ZONE)
            wall.append(time.perf_counter() - t0)
        lines = board.snapshot()[start:]
    finally:
        link.close()
    chip, pending = [], None
    for line in lines:  # each SET's last byte in, to the next frame's last byte out (its ACK)
        if line.kind == "rx":
            pending = line.t_us
        elif line.kind == "tx" and pending is not None:
            chip.append((line.t_us - pending) / 1e6)
            pending = None
    return {"wall": summary_us(wall), "chip": summary_us(chip), "per_s": n / sum(wall)}


def _off_since(mark_us: int) -> Callable[[list[MonitorLine]], bool]:
    return lambda lines: any(x.kind == "off" and x.t_us >= mark_us for x in lines)


def _now_on(lines: list[MonitorLine]) -> bool:
    return [x.kind for x in lines if x.kind in ("on", "off")][-1:] == ["on"]


def _all_on(host: Host, board: Emulator) -> None:
    host.command(Hello(1, 0))
    host.command(EVERYTHING)
    for _ in range(20):
        if board.wait_for(_now_on, 0.1):
            return
        host.command(Heartbeat())
    raise RuntimeError("the outputs never came on")


def estop_latency(board: Emulator, n: int) -> dict[str, Any]:
    transport = SerialTransport(board.path)
    host = Host(transport)
    chip = []
    try:
        for _ in range(n):
            _all_on(host, board)
            mark = board.now_us()
            host.command(Estop())
            board.wait_for(_off_since(mark), 2.0)
            estop_rx = _edges(board, "rx", mark)[-1].t_us
            off = _edges(board, "off", mark)[0].t_us
            chip.append((off - estop_rx) / 1e6)
    finally:
        transport.close()
    return summary_us(chip)


def watchdog_trip(board: Emulator, n: int) -> dict[str, Any]:
    transport = SerialTransport(board.path)
    host = Host(transport)
    trips = []
    try:
        for _ in range(n):
            _all_on(host, board)
            mark = board.now_us()
            board.wait_for(_off_since(mark), 3.0)
            off = _edges(board, "off", mark)[0].t_us
            last = [x.t_us for x in board.snapshot() if x.kind == "rx" and x.t_us <= off][-1]
            trips.append((off - last) / 1e6)
    finally:
        transport.close()
    return summary_us(trips)


def memory(elf: Path) -> dict[str, int]:
    sections = subprocess.run(["avr-size", "-A", str(elf)], capture_output=True, text=True, check=True).stdout
    size = {p[0]: int(p[1]) for p in (line.split() for line in sections.splitlines()) if len(p) >= 2
            and p[1].isdigit()}
    return {"flash": size[".text"] + size[".data"], "static_ram": size[".data"] + size[".bss"]
            + size.get(".noinit", 0)}


def measure(quick: bool) -> dict[str, Any]:
    subprocess.run(["make", "-C", str(FIRMWARE_DIR), "firmware", "emulator"], check=True, capture_output=True)
    with Emulator(DEFAULT_ELF, monitor=True) as board:
        assert board.pid is not None
        wall0, chip0, cpu0 = time.monotonic(), board.now_us(), _cpu_s(board.pid)
        result = {
            "round_trip": round_trips(board, 100 if quick else 1000),
            "estop_to_off": estop_latency(board, 5 if quick else 30),
            "watchdog_trip": watchdog_trip(board, 3 if quick else 10),
        }
        wall, chip, cpu = time.monotonic() - wall0, (board.now_us() - chip0) / 1e6, _cpu_s(board.pid) - cpu0
        idle0, cpu_idle0 = time.monotonic(), _cpu_s(board.pid)
        time.sleep(2 if quick else 10)  # an idle board: what it costs to keep one running
        idle = (_cpu_s(board.pid) - cpu_idle0) / (time.monotonic() - idle0)
        used, static = board.stack()
    result["pacing"] = {"chip_per_wall": chip / wall, "cpu_busy": cpu / wall, "cpu_idle": idle}
    result["memory"] = {**memory(DEFAULT_ELF), "stack_high_water": used, "static_ram_seen": static}
    return result


def _ms(summary: dict[str, float], *keys: str) -> str:
    """p50 / p99 / max of a summary in milliseconds, and its count."""
    shown = ", ".join(f"{k.split('_')[0]} {summary[k] / 1000:.2f} ms" for k in keys)
    return f"{shown} (n={summary['n']:.0f})"


def missing_parts() -> str | None:
    """What to install before the firmware can be built and emulated here; None when nothing is missing."""
    absent = " ".join(sorted({pkg for part, pkg in PARTS
                              if not (Path(part).exists() if part.startswith("/") else shutil.which(part))}))
    return f"needs the Debian packages {absent} (apt-get install {absent})" if absent else None


def run(quick: bool) -> dict[str, Any]:
    """The section for `python -m bench --only firmware`: skipped with the reason, or measured and saved."""
    why = missing_parts()
    if why is not None:
        return {"skipped": {"firmware": why}, "targets": []}
    return {"figures": measure_and_save(quick), "targets": []}


def measure_and_save(quick: bool) -> dict[str, Any]:
    """Measure; a full run also writes bench/results/firmware.json."""
    result = measure(quick)
    result["machine"] = {"load_avg": os.getloadavg(), "cores": os.cpu_count(), "quick": quick,
                         "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    if not quick:
        RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    return result


def rows(r: dict[str, Any]) -> list[tuple[str, str]]:
    """(figure, value) for each of the firmware's figures."""
    rt, es, wd, pace, mem = (r[k] for k in ("round_trip", "estop_to_off", "watchdog_trip", "pacing",
                                            "memory"))
    ram = mem["static_ram"] + mem["stack_high_water"]
    busy, idle = pace["cpu_busy"] * 100, pace["cpu_idle"] * 100
    return [
        ("SET round trip, host (Link over the pty)",
         f"{_ms(rt['wall'], 'p50_us', 'p99_us', 'max_us')}, {rt['per_s']:.0f}/s"),
        ("SET round trip, chip (last byte in -> ACK out)", _ms(rt["chip"], "p50_us", "p99_us")),
        ("ESTOP -> all outputs off (chip clock)", _ms(es, "p50_us", "p99_us", "max_us")),
        ("watchdog trip after the last frame", _ms(wd, "p50_us", "max_us")),
        ("emulated clock / wall clock", f"{pace['chip_per_wall']:.4f}"),
        ("emulator CPU, busy / idle", f"{busy:.1f} % / {idle:.1f} % of a core"),
        ("flash", f"{mem['flash']} bytes ({mem['flash'] / 32768:.1%} of 32 KB)"),
        ("RAM: static + stack high-water", f"{mem['static_ram']} + {mem['stack_high_water']} = {ram} bytes "
         f"({ram / 2048:.1%} of 2 KB)"),
    ]


def table(r: dict[str, Any]) -> str:
    return "\n".join(["| figure | value |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows(r))])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.firmware", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples")
    result = measure_and_save(parser.parse_args().quick)
    print(table(result))
    print(f"\n(medians on a {os.cpu_count()}-core machine, load {statistics.mean(os.getloadavg()):.1f})")


if __name__ == "__main__":
    main()
