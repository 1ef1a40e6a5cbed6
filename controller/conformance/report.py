"""The conformance report, as text for a person and as JSON for a script. Text the device sent (model,
firmware, serial, zone names) is made printable before it reaches a terminal; in the checks' own messages it
appears only as repr() or through text.printable."""

from __future__ import annotations

from controller.conformance.outcome import Result, Status
from controller.conformance.runner import Report
from controller.conformance.text import printable

DOCUMENT = "firmware_protocol.md 1.1"
_LABEL = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.NOT_RUN: "NOT RUN", Status.ERROR: "ERROR"}
_KEY_FIGURES = ("e-stop latency, median", "watchdog trip, host silence after a SET",
                "lease expiry, a SET, then only keep-alives", "SOFT_STOP → EVENT STOPPED, ramp of 1000 ms",
                "reply time, median")


def device_json(report: Report) -> dict[str, object] | None:
    if report.caps is None:
        return None
    hello = report.caps.hello
    return {
        "model": printable(hello.model), "firmware": printable(hello.firmware),
        "serial": printable(hello.serial), "protocol": f"{hello.major}.{hello.minor}",
        "simulator": hello.simulator, "boot_count": hello.boot_count,
        "zones": [z.zone for z in report.caps.zones], "watchdog_ms": hello.watchdog_ms,
        "max_session_s": hello.max_session_s, "has_heater": hello.has_heater,
    }


def to_json(report: Report) -> dict[str, object]:
    return {
        "document": DOCUMENT, "port": report.port, "clock": report.clock,
        "tolerance_ms": 1000 * report.options.tolerance_s, "long": report.options.long,
        "device": device_json(report), "checks": [r.to_json() for r in report.results],
        "summary": {s.value: report.count(s) for s in Status},
        "link_error": report.link_error or None, "interrupted": report.interrupted,
        "left_stopped": report.stop_problem == "", "stop_problem": report.stop_problem or None,
        "exit_code": report.exit_code,
    }


def _header(report: Report) -> list[str]:
    tol = 1000 * report.options.tolerance_s
    lines = [f"Conformance of {printable(report.port)} to {DOCUMENT} ({report.clock}; timings ±{tol:g} ms)"]
    if report.caps is not None:
        d = device_json(report) or {}
        kind = "simulator" if d["simulator"] else "device"
        lines.append(f"Device: {d['model']} ({kind}), firmware {d['firmware']}, serial "
                     f"{d['serial'] or '-'}, protocol {d['protocol']}, {len(report.caps.zones)} zones, "
                     f"boot_count {d['boot_count']}")
    return lines + [""]


def _check_lines(result: Result) -> list[str]:
    label = _LABEL[result.status]
    head = f"  {label:<8} {result.id:<14} {result.sections:<22} {result.title}"
    if result.status is Status.NOT_RUN and not result.figures:
        return [f"{head}: {result.reason}"]
    lines = [head]
    pad = " " * 11
    if result.reason:
        lines.append(f"{pad}{'not run: ' if result.status is Status.NOT_RUN else ''}{result.reason}")
    for fig in result.figures:
        mark = "" if fig.ok else "  <- out of bounds"
        lines.append(f"{pad}{fig.name}: {fig.ms:.1f} ms (bound {fig.bound}){mark}")
    lines += [f"{pad}{note}" for note in result.notes]
    return lines


def _footer(report: Report) -> list[str]:
    counts = (f"{report.count(Status.PASS)} passed, {report.count(Status.FAIL)} failed, "
              f"{report.count(Status.NOT_RUN)} not run" + (f", {report.count(Status.ERROR)} kit errors"
                                                           if report.count(Status.ERROR) else ""))
    lines = [""]
    figures = {f.name: f for r in report.results for f in r.figures}
    key = [f"  {name}: {figures[name].ms:.1f} ms" for name in _KEY_FIGURES if name in figures]
    if key:
        lines += ["Timings:", *key]
    if report.link_error:
        lines.append(f"Link: {printable(report.link_error)}")
    if report.interrupted:
        lines.append("Interrupted: the remaining checks were not run.")
    if report.stop_problem:
        lines.append(f"WARNING: {printable(report.stop_problem)}")
    elif report.stop_problem == "":
        lines.append("The device was left stopped: ESTOP, then HELLO (everything off, nothing latched).")
    lines.append(f"Result: {counts}; exit code {report.exit_code}.")
    return lines


def to_text(report: Report) -> str:
    lines = _header(report)
    for result in report.results:
        lines += _check_lines(result)
    return "\n".join(lines + _footer(report))
