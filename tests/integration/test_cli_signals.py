"""Issue 14 unsafe #2, RELIABILITY 29: a signal stops the device however `run` was started.

A shell without job control starts a background job with SIGINT and SIGQUIT ignored (`bash -c 'cmd &'`
in a script); a program relying on Python's default SIGINT handler then never stops. Each signal is sent
to `run` started from `subprocess.Popen` and as a background job of `bash -c`, against a simulator in
another process on a pty; the simulator's own record must show the host turned everything off.
Synchronised on the run's own output (the first step's line comes after its first SET), never on time.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
from pathlib import Path

import pytest

from controller import exitcodes
from tests.integration.simprocess import MASSAGECTL, SIM_SHUTDOWN, SimProcess, left_on

SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT]
EXIT_WAIT_S = 20  # a bound on a broken run, never a synchronisation


class RunProcess:
    """`massagectl run` started from Popen, or as a background job of a non-interactive bash."""

    def __init__(self, how: str, port: str, tmp_path: Path) -> None:
        self.how = how
        self.log = tmp_path / "session.jsonl"
        self.err = tmp_path / "run.err"
        args = [*MASSAGECTL, "run", "circulation-warmup", "--port", port, "--log", str(self.log)]
        if how == "popen":
            with self.err.open("w") as err:
                self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, text=True)
            self.pid = self.proc.pid
        else:
            script = (f"{shlex.join(args)} 2>{shlex.quote(str(self.err))} & echo \"pid $!\"; "
                      "wait $!; echo \"exit $?\"")
            self.proc = subprocess.Popen(["bash", "-c", script], stdout=subprocess.PIPE, text=True)
            self.pid = int(self._line().split()[1])

    def _line(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline()

    def wait_for(self, text: str) -> None:
        """Read the run's lines until one contains `text` (an event in its own output)."""
        while line := self._line():
            if text in line:
                return
        raise AssertionError(f"the run ended before printing {text!r}: {self.err.read_text()}")

    def exit_code(self) -> int:
        try:
            out, _ = self.proc.communicate(timeout=EXIT_WAIT_S)
        except subprocess.TimeoutExpired:
            os.kill(self.pid, signal.SIGKILL)
            self.proc.kill()
            self.proc.communicate()
            raise AssertionError(f"the run went on after the signal ({self.how})") from None
        if self.how == "popen":
            return self.proc.returncode
        return int(next(line for line in out.splitlines() if line.startswith("exit ")).split()[1])


@pytest.mark.parametrize("how", ["popen", "bash-background"])
@pytest.mark.parametrize("sig", SIGNALS, ids=[s.name for s in SIGNALS])
def test_every_stop_signal_stops_the_device(sim_process: SimProcess, tmp_path: Path, how: str,
                                            sig: signal.Signals) -> None:
    run = RunProcess(how, sim_process.path, tmp_path)
    run.wait_for("step 1/")  # printed after the first SET reached the device
    os.kill(run.pid, sig)
    code = run.exit_code()
    err = run.err.read_text()
    assert code == exitcodes.STOPPED_BY_USER, (code, err)
    assert "Traceback" not in err and "internal error" not in err
    sent = [json.loads(line) for line in run.log.read_text().splitlines()]
    actuator_frames = [r["type"] for r in sent
                       if r["kind"] == "tx" and r["type"] in ("SET", "SOFT_STOP", "ESTOP")]
    assert actuator_frames[-1] in ("SOFT_STOP", "ESTOP")  # a stop is the last actuator frame
    assert sim_process.stop() == 0  # now its record is complete
    actuators = sim_process.actuators()
    assert any(a["intensity"] for a in actuators), "the run had the device on when the signal came"
    by_host = [a for a in actuators if a["cause"] != SIM_SHUTDOWN]
    assert left_on(by_host) == {}, ("the host turned everything off, not the simulator's exit", actuators)
    assert not [a for a in actuators if a["cause"] in ("watchdog", "lease")], ("host stopped it", actuators)
