"""Commands of `massagectl` for the sim feature: serve a simulated massager on a pty or on TCP."""

from __future__ import annotations

import contextlib
import os
import select
import sys
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from controller.cli.options import profile_option
from controller.cli.signals import stop_signals

if TYPE_CHECKING:
    from sim.pty_server import PtyServer
    from sim.tcp_server import TcpServer

_PROBABILITY = click.FloatRange(0.0, 1.0)
_SECONDS = click.FloatRange(min=0.0)


def _parse_tcp(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, int] | None:
    """HOST:PORT, port 0…65535 (0 picks a free port)."""
    if value is None:
        return None
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise click.BadParameter("expected HOST:PORT, e.g. 127.0.0.1:5555", ctx, param)
    return host, int(port)


def _check_zone(profile: str, stuck_zone: str | None) -> None:
    """--stuck-zone must name one of the profile's zones."""
    from sim.profiles import PROFILES

    zones = [z.name for z in PROFILES[profile].zones]
    if stuck_zone is not None and stuck_zone not in zones:
        raise click.BadParameter(
            f"profile {profile!r} has no zone {stuck_zone!r} (zones: {', '.join(zones)})",
            param_hint="--stuck-zone",
        )


def _check_defects(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """--defect names a defect of sim/defects.py (imported only when one is given)."""
    if value:
        from sim.defects import DEFECTS

        unknown = [name for name in value if name not in DEFECTS]
        if unknown:
            raise click.BadParameter(f"no defect {unknown[0]!r} (defects: {', '.join(sorted(DEFECTS))})",
                                     ctx, param)
    return value


def _serve_until_signal(server: PtyServer | TcpServer, first_line: str) -> None:
    """Print where to connect, then serve until a stop signal (controller/cli/signals.py); then turn the
    simulated device off, as a device losing power does, and stop."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    received: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        with contextlib.suppress(BlockingIOError):  # a full pipe already wakes the loop below
            os.write(wake_w, b"\0")

    try:
        with stop_signals(on_signal):
            click.echo(first_line)
            sys.stdout.flush()
            while not received:
                select.select([wake_r], [], [])
            server.stop(power_off=True)
    finally:
        server.stop()  # after an error: still close the port and the record
        os.close(wake_r)
        os.close(wake_w)


@click.command("sim")
@click.option("--pty", "use_pty", is_flag=True, help="Serve on a new pseudo-terminal.")
@click.option("--tcp", "tcp", metavar="HOST:PORT", callback=_parse_tcp,
              help="Serve on TCP (port 0 picks one); connect with socket://HOST:PORT.")
@profile_option("Which device to simulate.")
@click.option("--link", "link", type=click.Path(dir_okay=False, path_type=Path),
              help="Keep a symlink at PATH pointing at the pty (re-pointed on reconnect).")
@click.option("--record", "record", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the actuator timeline and events to FILE as JSON Lines.")
@click.option("--drop", type=_PROBABILITY, default=0.0, help="Probability a frame is lost.")
@click.option("--corrupt", type=_PROBABILITY, default=0.0,
              help="Probability 1-3 bits of a frame flip.")
@click.option("--duplicate", type=_PROBABILITY, default=0.0,
              help="Probability a frame arrives twice.")
@click.option("--delay", type=_PROBABILITY, default=0.0, help="Probability a frame is late.")
@click.option("--delay-ms", type=click.FloatRange(min=0.0), default=30.0, show_default=True,
              help="How late a delayed frame is.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for frame faults.")
@click.option("--disconnect-at", type=_SECONDS, help="Unplug after S seconds.")
@click.option("--reconnect-after", type=_SECONDS, help="Plug back in S seconds after unplug.")
@click.option("--disconnect-every", type=_SECONDS,
              help="A flapping link: unplug again S seconds after each reconnect.")
@click.option("--reset-at", type=_SECONDS, help="Device resets after S seconds.")
@click.option("--overheat-at", type=_SECONDS, help="Heater runs away after S seconds.")
@click.option("--stuck-zone", metavar="NAME", help="This zone's drive is faulty (NAK ZONE_STUCK).")
@click.option("--awol-at", type=_SECONDS, help="Device stops answering after S seconds.")
@click.option("--defect", "defects", metavar="NAME", multiple=True, callback=_check_defects,
              help="Make a NON-CONFORMING device that breaks the protocol on purpose, to test the "
                   "conformance kit only (repeatable): no-watchdog, no-lease, dup-reapply, slow-estop, "
                   "bad-crc-accept, no-nak-range.")
def sim_command(use_pty: bool, tcp: tuple[str, int] | None, profile: str, link: Path | None,
                record: Path | None, drop: float, corrupt: float, duplicate: float,
                delay: float, delay_ms: float, seed: int, disconnect_at: float | None,
                reconnect_after: float | None, disconnect_every: float | None, reset_at: float | None,
                overheat_at: float | None, stuck_zone: str | None,
                awol_at: float | None, defects: tuple[str, ...]) -> None:
    """Run a simulated massager until Ctrl-C; prints the port to open as the first line."""
    from sim.faults import FaultPlan
    from sim.pty_server import PtyServer
    from sim.tcp_server import TcpServer

    if use_pty == (tcp is not None):
        raise click.UsageError("give exactly one of --pty or --tcp HOST:PORT")
    if link is not None and tcp is not None:
        raise click.BadParameter("--link only applies to --pty", param_hint="--link")
    _check_zone(profile, stuck_zone)
    plan = FaultPlan(
        drop=drop, corrupt=corrupt, duplicate=duplicate, delay=delay, delay_s=delay_ms / 1000,
        seed=seed, disconnect_at=disconnect_at, reconnect_after_s=reconnect_after,
        disconnect_every_s=disconnect_every, reset_at=reset_at, overheat_at=overheat_at,
        stuck_zone=stuck_zone, awol_at=awol_at,
    )
    if defects:
        from sim.defects import banner

        click.echo(banner(defects), err=True)
    if tcp is not None:
        try:
            tcp_server = TcpServer(tcp[0], tcp[1], profile=profile, faults=plan,
                                   record_path=record, defects=defects)
        except OSError as err:
            raise click.ClickException(f"cannot listen on {tcp[0]}:{tcp[1]}: {err}") from err
        _serve_until_signal(tcp_server, tcp_server.start())
        return
    pty_server = PtyServer(profile=profile, faults=plan, record_path=record, link_path=link,
                           defects=defects)
    _serve_until_signal(pty_server, pty_server.start())


COMMANDS = (sim_command,)
