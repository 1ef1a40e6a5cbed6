"""The reference firmware on an emulated ATmega328P, for `massagectl sim --firmware ELF` and for the tests.

`Emulator` runs firmware/build/massager-emu (the simavr harness in firmware/emulator/, built with `make` when
it is missing or older than its sources) on an ELF such as firmware/massager.elf. The harness runs the chip
in real time with UART0 on a new pseudo-terminal, whose path it prints first; `start` returns it. With
`monitor` on, the harness also reports what the board's outputs actually do (`on`/`off` edges, each output's
duty over 10 ms windows) and when frames cross the UART, in simulated microseconds, independently of the
link; `Emulator` collects those lines for tests and benchmarks, and can hold the plate at a temperature,
press the stop button, reset the chip, and read the stack's high-water mark.
"""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from controller.clock import RealClock

FIRMWARE_DIR = Path(__file__).resolve().parents[1] / "firmware"
HARNESS = FIRMWARE_DIR / "build" / "massager-emu"
DEFAULT_ELF = FIRMWARE_DIR / "massager.elf"
START_TIMEOUT_S = 10.0
ANSWER_TIMEOUT_S = 5.0
_PRINTABLE = re.compile(r"[^\x20-\x7e\n]")


class EmulatorError(Exception):
    """The emulator could not be built or started; the message says what to do."""


@dataclass(frozen=True, slots=True)
class MonitorLine:
    """One line of the harness's monitor: simulated microseconds, what happened, and its arguments."""

    t_us: int
    kind: str
    args: tuple[str, ...]


def zone_outputs() -> tuple[int, ...]:
    """Which board output drives each zone (ZONE_INFO order): the one table, in firmware/board/uno.c."""
    source = (FIRMWARE_DIR / "board" / "uno.c").read_text(encoding="utf-8")
    table = re.search(r"zone_output\[PROFILE_ZONE_COUNT\]\s*=\s*\{([^}]*)\}", source)
    if table is None:
        raise EmulatorError("firmware/board/uno.c has no zone_output table")
    return tuple(int(value) for value in table.group(1).split(","))


def duties(line: MonitorLine) -> tuple[tuple[int, ...], int]:
    """A `duty` line's percentages: one per board output, then the heater's."""
    values = tuple(int(v) for v in line.args[0].split(","))
    return values[:-1], values[-1]


def _clean(text: str) -> str:
    """Process output made safe for a terminal."""
    return _PRINTABLE.sub("?", text).strip()


def _stale(target: Path, sources: list[Path]) -> bool:
    if not target.exists():
        return True
    built = target.stat().st_mtime
    return any(source.stat().st_mtime > built for source in sources)


def build_harness() -> Path:
    """The harness binary, built (`make -C firmware emulator`) when missing or older than its sources."""
    sources = [*FIRMWARE_DIR.glob("emulator/*.[ch]"), FIRMWARE_DIR / "Makefile"]
    if _stale(HARNESS, sources):
        try:
            done = subprocess.run(["make", "-C", str(FIRMWARE_DIR), "emulator"], capture_output=True,
                                  text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise EmulatorError(f"cannot run make to build the emulator: {err}") from err
        if done.returncode != 0:
            tail = _clean("\n".join((done.stdout + done.stderr).splitlines()[-5:]))
            raise EmulatorError(
                f"building the emulator failed (make -C firmware emulator); it needs a C compiler and the "
                f"Debian package libsimavr-dev:\n{tail}")
    return HARNESS


class Emulator:
    """One emulated board running `elf`; `start` returns its pty path, `stop` powers it off."""

    def __init__(self, elf: Path = DEFAULT_ELF, monitor: bool = False, temp_dC: float | None = None,
                 eeprom: Path | None = None) -> None:
        self.elf = Path(elf)
        self.monitor = monitor
        self.temp_dC = temp_dC
        self.eeprom = eeprom
        self.lines: list[MonitorLine] = []
        self._answers: list[MonitorLine] = []
        self._changed = threading.Condition()
        self._proc: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self.path = ""

    def start(self) -> str:
        """Power the board up; returns the pty to open (the harness's first line)."""
        if not self.elf.is_file():
            raise EmulatorError(f"no firmware at {self.elf}: build it with `make -C firmware`")
        args = [str(build_harness())]
        if self.monitor:
            args.append("--monitor")
        if self.temp_dC is not None:
            args += ["--temp-dc", str(self.temp_dC)]
        if self.eeprom is not None:
            args += ["--eeprom", str(self.eeprom)]
        self._proc = subprocess.Popen([*args, str(self.elf)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, bufsize=1)
        assert self._proc.stdout is not None
        first = self._proc.stdout.readline().strip()
        if not first.startswith("/dev/"):
            error = self._proc.stderr.read() if self._proc.stderr else ""
            self._proc.wait(timeout=START_TIMEOUT_S)
            raise EmulatorError(_clean(error) or f"the emulator did not start on {self.elf}")
        self.path = first
        self._reader = threading.Thread(target=self._read_lines, name="emulator-monitor", daemon=True)
        self._reader.start()
        return self.path

    def stop(self, *, power_off: bool = True) -> None:
        """SIGTERM, then wait. Stopping the emulator is always a power cut (everything off): `power_off`
        is accepted so the simulator's servers and the emulator stop alike."""
        proc = self._proc
        if proc is None:
            return
        self._proc = None
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=START_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        if self._reader is not None:
            self._reader.join(timeout=START_TIMEOUT_S)

    @property
    def pid(self) -> int | None:
        """The harness process, while it runs (for measuring its CPU time)."""
        return self._proc.pid if self._proc is not None else None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _read_lines(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        for raw in proc.stdout:
            parts = raw.split()
            if len(parts) < 2 or not parts[0].isdigit():
                continue
            line = MonitorLine(int(parts[0]), parts[1], tuple(parts[2:]))
            with self._changed:
                if line.kind in ("ok", "stack", "time", "error"):
                    self._answers.append(line)
                else:
                    self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    # --- the monitor ---------------------------------------------------------------------------------

    def wait_for(self, found: Callable[[list[MonitorLine]], bool], timeout_s: float) -> bool:
        """Wait (real time) until `found(lines)` holds; False on timeout or if the harness ended."""
        clock = RealClock()
        deadline = clock.now() + timeout_s
        with self._changed:
            while not found(self.lines):
                left = deadline - clock.now()
                if left <= 0 or not self.running():
                    return found(self.lines)
                self._changed.wait(left)
            return True

    def snapshot(self) -> list[MonitorLine]:
        with self._changed:
            return list(self.lines)

    def outputs_on(self) -> bool:
        """Whether any output (a zone or the heater) is on now, by the last on/off edge."""
        edges = [line.kind for line in self.snapshot() if line.kind in ("on", "off")]
        return bool(edges) and edges[-1] == "on"

    # --- commands --------------------------------------------------------------------------------------

    def command(self, text: str) -> MonitorLine:
        """Send one harness command and wait for its answer line."""
        proc = self._proc
        if proc is None or proc.stdin is None:
            raise EmulatorError("the emulator is not running")
        with self._changed:
            self._answers.clear()
        proc.stdin.write(text + "\n")
        proc.stdin.flush()
        clock = RealClock()
        deadline = clock.now() + ANSWER_TIMEOUT_S
        with self._changed:
            while not self._answers:
                left = deadline - clock.now()
                if left <= 0 or not self.running():
                    raise EmulatorError(f"the emulator did not answer {text!r}")
                self._changed.wait(left)
            return self._answers.pop(0)

    def hold_temperature(self, temp_dC: float | None) -> None:
        """Hold the plate at `temp_dC` (tenths of °C), or let it follow the heater again (None)."""
        self.command("temp model" if temp_dC is None else f"temp {temp_dC:g}")

    def press_button(self, down: bool = True) -> None:
        self.command(f"button {1 if down else 0}")

    def now_us(self) -> int:
        """The emulated chip's time, in microseconds since it started."""
        return self.command("time").t_us

    def stack(self) -> tuple[int, int]:
        """(bytes of stack used at most so far, bytes of static RAM), from the painted RAM."""
        answer = self.command("stack")
        return int(answer.args[0]), int(answer.args[1])

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
