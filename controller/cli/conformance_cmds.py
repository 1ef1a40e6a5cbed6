"""`massagectl conformance`: check a device against firmware_protocol.md over the wire (docs/conformance.md).

Exit codes: 0 every check that ran passed; 3 the port could not be opened, nothing answered HELLO, the link
failed, or the device did not confirm the final stop; 4 at least one check failed; 6 interrupted (Ctrl-C,
SIGTERM) — the device is stopped first; 1 a bug in the kit.
"""

from __future__ import annotations

import json
import signal
from dataclasses import replace
from types import FrameType
from typing import TYPE_CHECKING

import click

from controller import exitcodes

if TYPE_CHECKING:
    from controller.conformance import Options, Report
    from controller.conformance.catalog import Check

_EPILOG = ("Exit codes: 0 every check that ran passed; 3 no link (or the final stop unconfirmed); 4 a check "
           "failed; 6 interrupted (the device is stopped first); 1 a bug in the kit.")


def _check_ids(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    from controller.conformance import CHECK_IDS

    unknown = [v for v in value if v not in CHECK_IDS]
    if unknown:
        raise click.BadParameter(f"no check {unknown[0]!r} (checks: {', '.join(CHECK_IDS)})", ctx, param)
    return value


class _InterruptOnce:
    """SIGINT and SIGTERM raise KeyboardInterrupt once; later ones are ignored, so the kit's final ESTOP
    and HELLO are never cut short."""

    def __init__(self) -> None:
        self.seen = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if not self.seen:
            self.seen = True
            raise KeyboardInterrupt


def _list_checks() -> None:
    from controller.conformance import CHECKS

    for check in CHECKS:
        long = f"  [--long: {check.long.split(',')[0]}]" if check.long else ""
        click.echo(f"{check.id:<14} {check.sections:<22} {check.title}{long}")


def _progress(check: Check) -> None:
    click.echo(f"checking {check.id} ({check.sections}) ...", err=True)


def _run(port: str, options: Options) -> Report:
    from controller.clock import RealClock
    from controller.conformance import open_port, run_kit

    handler = _InterruptOnce()
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            transport = open_port(port, options.baud)
        except KeyboardInterrupt:  # before anything was sent: nothing to stop
            raise SystemExit(exitcodes.STOPPED_BY_USER) from None
        try:
            return run_kit(transport, RealClock(), options, name=port, progress=_progress)
        finally:
            handler.seen = True  # from here on a signal must not lose the report
            transport.close()
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@click.command("conformance", epilog=_EPILOG)
@click.option("--port", "-p", help="Device path or pyserial URL (socket://host:port).")
@click.option("--baud", type=click.IntRange(min=1), help="Line rate (default: the protocol's, §2.1).")
@click.option("--long", "long_", is_flag=True,
              help="Also run the long checks: the session cap (max_session_s, 30 min on the reference "
                   "devices) and the heater (--heat-s of heating).")
@click.option("--check", "only", multiple=True, metavar="ID", callback=_check_ids,
              help="Run only this check (repeatable; the handshake and the summaries always run).")
@click.option("--tolerance-ms", type=click.FloatRange(0, 1000), default=50.0, show_default=True,
              help="Widen every timing bound by this much (line and scheduling jitter).")
@click.option("--heat-s", type=click.FloatRange(10, 7200), default=600.0, show_default=True,
              help="With --long: how long the heater check heats.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--list", "list_only", is_flag=True, help="List the checks and exit.")
def conformance_cmd(port: str | None, baud: int | None, long_: bool, only: tuple[str, ...],
                    tolerance_ms: float, heat_s: float, as_json: bool, list_only: bool) -> None:
    """Check a massager's firmware against firmware_protocol.md, over the wire only.

    Leaves the device with every actuator off whatever happens (ESTOP, then HELLO).
    """
    if list_only:
        _list_checks()
        return
    if port is None:
        raise click.UsageError("give --port PORT (or --list)")
    from controller.conformance import Options, to_json, to_text

    options = Options(long=long_, only=only, tolerance_s=tolerance_ms / 1000, heat_s=heat_s)
    if baud is not None:
        options = replace(options, baud=baud)
    report = _run(port, options)
    click.echo(json.dumps(to_json(report), indent=2, ensure_ascii=False) if as_json else to_text(report))
    raise SystemExit(report.exit_code)


COMMANDS = (conformance_cmd,)
