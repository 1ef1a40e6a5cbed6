"""Commands of `massagectl` for the sim feature: serve a simulated massager on a pty or on TCP."""

from __future__ import annotations

import errno
import socket
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from controller.cli.options import FiniteFloatRange, profile_option
from controller.cli.signals import SignalWait, stop_signals
from controller.errors import LinkError, OutputError, PortBusy, PortPermission
from controller.userfiles import output_path_problem

if TYPE_CHECKING:
    from sim.emulator import Emulator
    from sim.pty_server import PtyServer
    from sim.tcp_server import TcpServer

_PROBABILITY = FiniteFloatRange(0.0, 1.0)
_SECONDS = FiniteFloatRange(min=0.0)


def _parse_tcp(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, int] | None:
    """HOST:PORT, port 0…65535 (0 picks a free port)."""
    if value is None:
        return None
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise click.BadParameter("expected HOST:PORT, e.g. 127.0.0.1:5555", ctx, param)
    return host, int(port)


def _check_outputs(record: Path | None, link: Path | None) -> None:
    """--record FILE and --link PATH go in folders that exist; what is there already must be a regular
    file for --record (a FIFO would block the simulator) and a symlink for --link (it is replaced)."""
    for value, option, allow in ((record, "--record", stat.S_ISREG), (link, "--link", stat.S_ISLNK)):
        problem = output_path_problem(value, allow) if value is not None else None
        if problem:
            raise click.BadParameter(f"{value}: {problem}", param_hint=option)


def _listen_error(host: str, port: int, err: OSError) -> Exception:
    """What a listener that cannot be made tells the user: a bad address is bad input, the rest the port's."""
    where = f"cannot listen on {host}:{port}"
    if isinstance(err, socket.gaierror) or (err.errno or 0) < 0:  # getaddrinfo's codes are negative
        return click.BadParameter(f"{where}: not an address or host name this machine can resolve",
                                  param_hint="--tcp")
    if err.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
        return click.BadParameter(f"{where}: no such address on this machine", param_hint="--tcp")
    if err.errno == errno.EADDRINUSE:
        return PortBusy(f"{where}: the port is in use; choose another, or 0 for a free one")
    if err.errno == errno.EACCES:
        return PortPermission(f"{where}: permission denied (ports below 1024 need privileges)")
    return LinkError(f"{where}: {err.strerror or err}")


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


def _serve_until_signal(server: PtyServer | TcpServer | Emulator, first_line: str) -> None:
    """Print where to connect, then serve until a stop signal (controller/cli/signals.py); then turn the
    simulated device off, as a device losing power does, and stop."""
    waiter = SignalWait()
    try:
        with stop_signals(waiter):
            click.echo(first_line)
            sys.stdout.flush()
            waiter.wait()
            server.stop(power_off=True)
    finally:
        server.stop()  # after an error: still close the port and the record
        waiter.close()


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
@click.option("--delay-ms", type=FiniteFloatRange(min=0.0), default=30.0, show_default=True,
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
@click.option("--firmware", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Run this firmware ELF on an emulated ATmega328P on a pty instead (simavr).")
def sim_command(use_pty: bool, tcp: tuple[str, int] | None, profile: str, link: Path | None,
                record: Path | None, drop: float, corrupt: float, duplicate: float,
                delay: float, delay_ms: float, seed: int, disconnect_at: float | None,
                reconnect_after: float | None, disconnect_every: float | None, reset_at: float | None,
                overheat_at: float | None, stuck_zone: str | None,
                awol_at: float | None, defects: tuple[str, ...],
                firmware: Path | None) -> None:
    """Run a simulated massager until Ctrl-C; prints the port to open as the first line."""
    from sim.faults import FaultPlan
    from sim.pty_server import PtyServer
    from sim.tcp_server import TcpServer

    if firmware is not None:
        _serve_firmware(firmware, tcp)
        return
    if use_pty == (tcp is not None):
        raise click.UsageError("give exactly one of --pty or --tcp HOST:PORT")
    if link is not None and tcp is not None:
        raise click.BadParameter("--link only applies to --pty", param_hint="--link")
    _check_outputs(record, link)
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
            raise _listen_error(tcp[0], tcp[1], err) from None
        _serve_until_signal(tcp_server, _started(tcp_server))
        return
    pty_server = PtyServer(profile=profile, faults=plan, record_path=record, link_path=link,
                           defects=defects)
    _serve_until_signal(pty_server, _started(pty_server))


def _started(server: PtyServer | TcpServer) -> str:
    """Start `server`; the --record file or --link symlink failing to be made is an OutputError."""
    try:
        return server.start()
    except OSError as err:
        server.stop()
        where = " -> ".join(str(f) for f in (err.filename, err.filename2) if f)
        raise OutputError(f"cannot start the simulator: {err.strerror or err}"
                          + (f" ({where})" if where else "")) from None


def _serve_firmware(firmware: Path, tcp: tuple[str, int] | None) -> None:
    """The reference firmware on an emulated ATmega328P, its UART on a pty (sim/emulator.py)."""
    from sim.emulator import Emulator, EmulatorError

    if tcp is not None:
        raise click.UsageError("--firmware serves on a pty; leave out --tcp")
    emulator = Emulator(firmware)
    try:
        _serve_until_signal(emulator, emulator.start())
    except EmulatorError as err:
        raise click.BadParameter(str(err), param_hint="--firmware") from err


COMMANDS = (sim_command,)
