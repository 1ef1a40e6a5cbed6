"""Runs the checks against one device and leaves it with every actuator off, whatever happens.

The handshake comes first (without it nothing else can be checked); then every selected check, each from a
fresh HELLO; then, in a `finally`, ESTOP and HELLO — so a failed check, a kit error, a lost link or Ctrl-C
all end with the device stopped, and unlatched for whoever uses it next.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from controller import exitcodes
from controller.clock import Clock
from controller.conformance.catalog import CHECKS, Check
from controller.conformance.check_handshake import establish
from controller.conformance.context import Caps, Ctx
from controller.conformance.dut import Dut, NoAnswer, Port
from controller.conformance.host_wire import DEFAULT_BAUD, PROTOCOL_MAJOR, MsgType
from controller.conformance.outcome import Failed, NotRun, Result, Status
from controller.errors import LinkError

ALWAYS = ("handshake", "reply-time", "device-frames")  # run whatever --check selects
STOP_TIMEOUT_S = 2.0


@dataclass(frozen=True, slots=True)
class Options:
    long: bool = False
    only: tuple[str, ...] = ()  # check ids; empty: all
    tolerance_s: float = 0.05
    baud: int = DEFAULT_BAUD
    heat_s: float = 600.0


@dataclass
class Report:
    port: str
    clock: str
    options: Options
    results: list[Result]
    caps: Caps | None = None
    link_error: str = ""
    interrupted: bool = False
    stop_problem: str | None = None  # None: not tried yet; "": the device confirmed ESTOP and HELLO

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status is status)

    @property
    def exit_code(self) -> int:
        """6 interrupted; 3 no link (or the final stop unconfirmed); 1 a kit error; 4 a check failed; 0."""
        if self.interrupted:
            return exitcodes.STOPPED_BY_USER
        if self.link_error or self.stop_problem:
            return exitcodes.LINK
        if self.count(Status.ERROR):
            return exitcodes.INTERNAL
        return exitcodes.DEVICE_FAULT if self.count(Status.FAIL) else exitcodes.OK


def run_kit(port: Port, clock: Clock, options: Options, *, name: str, clock_name: str = "real time",
            progress: Callable[[Check], None] | None = None) -> Report:
    """Every selected check against the device on `port`; `progress` hears of each check as it starts."""
    dut = Dut(port, clock)
    report = Report(name, clock_name, options, [Result(c.id, c.title, c.sections) for c in CHECKS])
    try:
        _run_all(dut, report, progress or (lambda check: None))
    except KeyboardInterrupt:
        report.interrupted = True
        for result in report.results:
            if result.status is Status.NOT_RUN and not result.reason:
                result.reason = "interrupted"
    finally:
        try:
            report.stop_problem = leave_stopped(dut)
        except KeyboardInterrupt:  # Ctrl-C during the final stop: stop again (the CLI ignores a second one)
            report.interrupted = True
            report.stop_problem = leave_stopped(dut)
    return report


def _run_all(dut: Dut, report: Report, progress: Callable[[Check], None]) -> None:
    results = {r.id: r for r in report.results}
    try:
        caps, _, _ = establish(dut)
    except NoAnswer as err:
        report.link_error = f"no massager answered on {report.port}: {err}"
        _not_run(report, "nothing answered HELLO")
        return
    except Failed as err:
        results["handshake"].status, results["handshake"].reason = Status.FAIL, str(err)
        _not_run(report, "the handshake failed")
        return
    report.caps = caps
    for check in CHECKS:
        reason = _skip_reason(check, report.options, caps)
        if reason:
            results[check.id].reason = reason
            continue
        progress(check)
        ctx = Ctx(dut, caps, results[check.id], tolerance_s=report.options.tolerance_s,
                  baud=report.options.baud, heat_s=report.options.heat_s)
        if not _run_one(check, ctx, report):
            _not_run(report, "the link failed")
            return


def _skip_reason(check: Check, options: Options, caps: Caps) -> str:
    if options.only and check.id not in options.only and check.id not in ALWAYS:
        return "not selected (--check)"
    if check.long and not options.long:
        why = check.long.format(max_session_s=caps.hello.max_session_s, heat_s=options.heat_s)
        return f"needs --long ({why})"
    return ""


def _not_run(report: Report, reason: str) -> None:
    for result in report.results:
        if result.status is Status.NOT_RUN and not result.reason:
            result.reason = reason


def _run_one(check: Check, ctx: Ctx, report: Report) -> bool:
    """Run one check into its Result; False when the link failed (nothing more can be checked)."""
    result = ctx.result
    started = ctx.dut.now()
    try:
        check.run(ctx)
        result.status = Status.PASS
    except Failed as err:
        result.status, result.reason = Status.FAIL, str(err)
    except NotRun as err:
        result.reason = str(err)
    except (LinkError, OSError) as err:
        result.status, result.reason = Status.FAIL, f"the link failed: {err}"
        report.link_error = str(err)
        return False
    except Exception as err:  # a bug in the kit: say so, and go on with the other checks
        result.status, result.reason = Status.ERROR, f"kit error {type(err).__name__}: {err}"
    finally:
        result.seconds = ctx.dut.now() - started
    return True


def leave_stopped(dut: Dut) -> str:
    """ESTOP, then HELLO: every actuator off and nothing latched. "" when the device confirmed both."""
    try:
        dut.write(b"\x00")  # end any half-written frame first (§2.2)
        for type_, payload in ((MsgType.ESTOP, b""), (MsgType.HELLO, bytes([PROTOCOL_MAJOR, 1]))):
            if dut.answer_among_noise(dut.send(type_, payload), STOP_TIMEOUT_S) is None:
                return f"the device did not answer the final {MsgType(type_).name}: it may not have stopped"
    except (LinkError, OSError) as err:
        return f"the link failed while stopping the device: {err}"
    return ""
