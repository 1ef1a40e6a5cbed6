"""Deliberately NON-CONFORMING devices, for the conformance kit only (`massagectl conformance` must be able
to fail): each defect is one small subclass of Device overriding one hook, named as on the command line.

Never use a defect for anything but testing a checker. A defective device still says it is a conforming
simulator in HELLO_REPLY and STATUS — exactly what a broken firmware would do — so only this banner and
the `defects` attribute tell it apart.
"""

from __future__ import annotations

from collections.abc import Iterable

from sim.device import Device
from sim.messages import Nak, SetCmd
from sim.rules import clamp_entry
from sim.wire import BadFrame, BadReason, Frame

SLOW_ESTOP_S = 0.5


class NoWatchdog(Device):
    """no-watchdog: the host-silence watchdog is never armed (breaks §6.1)."""

    defects = ("no-watchdog",)

    def _arm_watchdog(self, t: float) -> None:
        return


class NoLease(Device):
    """no-lease: SET entries and RENEW get no lease, so a zone runs until told otherwise (breaks §6.2)."""

    defects = ("no-lease",)

    def _lease_deadline(self, lease_ms: int, t: float) -> float | None:
        return None


class DupReapply(Device):
    """dup-reapply: a retransmission is acted on again as a new command (breaks §4's duplicate rule)."""

    defects = ("dup-reapply",)

    def _is_duplicate(self, frame: Frame, t: float) -> bool:
        return False


class SlowEstop(Device):
    """slow-estop: an ESTOP frame is acted on (stop, then ACK) only 500 ms after it arrives (breaks §6.3)."""

    defects = ("slow-estop",)

    def _on_estop(self, frame: Frame, t: float) -> None:
        act = super()._on_estop
        self.schedule(t + SLOW_ESTOP_S, lambda at: act(frame, at))


class BadCrcAccept(Device):
    """bad-crc-accept: a frame with a bad CRC is acted on as if it were good (breaks §2.4 step 5)."""

    defects = ("bad-crc-accept",)

    def _on_bad_frame(self, bad: BadFrame, t: float) -> None:
        if bad.reason is BadReason.CRC and bad.as_read is not None:
            self._on_frame(bad.as_read, t)
        else:
            super()._on_bad_frame(bad, t)


class NoNakRange(Device):
    """no-nak-range: out-of-range SET values are clamped, applied and ACKed instead of NAK OUT_OF_RANGE
    (breaks §3.3 step 2.4)."""

    defects = ("no-nak-range",)

    def _admit_set(self, msg: SetCmd, t: float) -> SetCmd | Nak:
        zones = self._tables.zones
        clamped = tuple(clamp_entry(e, zones[e.zone], self.profile) if e.zone in zones else e
                        for e in msg.entries)
        return super()._admit_set(SetCmd(clamped), t)


DEFECTS: dict[str, type[Device]] = {cls.defects[0]: cls for cls in (
    NoWatchdog, NoLease, DupReapply, SlowEstop, BadCrcAccept, NoNakRange)}


def device_class(defects: Iterable[str] = ()) -> type[Device]:
    """Device itself, or a subclass combining the named defects; ValueError for an unknown name."""
    names = tuple(dict.fromkeys(defects))
    unknown = [n for n in names if n not in DEFECTS]
    if unknown:
        raise ValueError(f"unknown defect {unknown[0]!r}; known: {', '.join(sorted(DEFECTS))}")
    if not names:
        return Device
    bases = tuple(DEFECTS[n] for n in names)
    return type("DefectiveDevice", bases, {"defects": names})


def banner(defects: Iterable[str]) -> str:
    """The warning a defective device's server prints on stderr."""
    names = ", ".join(defects)
    return (f"WARNING: NON-CONFORMING simulated device (--defect {names}): it breaks firmware_protocol.md "
            "on purpose, to test the conformance kit. It still reports itself as a normal simulator.")
