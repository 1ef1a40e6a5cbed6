"""The kit itself: it leaves the device stopped whatever happens, never sends a 1.0 device a 1.1 message,
keeps device text off the terminal raw, judges the capability rules, tolerates line delay, and names only
sections the document has."""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from controller.clock import VirtualClock
from controller.conformance import CHECKS, Options, Report, Status, run_kit, to_text
from controller.conformance.frames import Splitter, body, parse, wire
from controller.conformance.outcome import Figure
from sim import FaultPlan, SimTransport, make_pair
from sim.device import Device
from sim.profiles import FOOT, Profile, SimZone

DOCUMENT = Path(__file__).resolve().parents[2] / "firmware_protocol.md"
HELLO_REPLY, KEEPALIVE, RENEW, GET_STATUS = 0x81, 0x08, 0x09, 0x06


class Tap:
    """A port between the kit and the in-process simulator that can misbehave or rewrite replies."""

    def __init__(self, transport: SimTransport, clock: VirtualClock) -> None:
        self.transport, self.clock = transport, clock
        self.written: list[bytes] = []  # every frame body the kit sent
        self._split, self._split_in = Splitter(), Splitter()
        self.on_write: Callable[[Device], None] = lambda device: None
        self.rewrite: Callable[[bytes], bytes] | None = None  # applied to each frame the device sends
        self.lag_s = 0.0

    def write(self, data: bytes) -> None:
        self.written += [parse(raw, 0).body for raw in self._split.feed(data)]
        self.on_write(self.transport.device)
        self.transport.write(data)

    def read(self, max_bytes: int, timeout_s: float) -> bytes:
        data = self.transport.read(max_bytes, timeout_s)
        if self.rewrite is not None:
            data = b"".join(self.rewrite(raw) for raw in self._split_in.feed(data))
        if data and self.lag_s:
            self.clock.advance(self.lag_s)  # the bytes reach the host late, as on a slow, loaded line
        return data

    def close(self) -> None:
        self.transport.close()


def tapped(profile: Profile | str = "foot",
           faults: FaultPlan | None = None) -> tuple[Tap, Device, VirtualClock]:
    clock = VirtualClock()
    transport, device = make_pair(clock, profile=profile, faults=faults)
    return Tap(transport, clock), device, clock


def run(tap: Tap, **options: object) -> Report:
    """The kit on the virtual clock: no tolerance unless the test gives one."""
    chosen = Options(**{"tolerance_s": 0.0, **options})  # type: ignore[arg-type]
    return run_kit(tap, tap.clock, chosen, name="tap", clock_name="virtual clock")


def statuses(report: Report) -> dict[str, Status]:
    return {r.id: r.status for r in report.results}


@pytest.mark.parametrize("trouble", [KeyboardInterrupt, RuntimeError])
def test_whatever_interrupts_a_check_the_device_is_left_stopped(trouble: type[BaseException]) -> None:
    tap, device, _ = tapped()
    raised: list[bool] = []

    def interrupt_while_on(dev: Device) -> None:
        if dev.zones.any_on() and not raised:
            raised.append(True)
            raise trouble("while a zone was on")

    tap.on_write = interrupt_while_on
    report = run(tap)
    assert raised and not device.zones.any_on() and device.state == 1  # READY: ESTOP, then HELLO
    assert report.stop_problem == ""
    if trouble is KeyboardInterrupt:
        assert report.interrupted and report.exit_code == 6
    else:
        assert Status.ERROR in statuses(report).values() and report.exit_code == 1
        assert statuses(report)["estop-latch"] is Status.PASS  # the other checks went on


def test_ctrl_c_during_the_final_stop_does_not_cut_it_short() -> None:
    tap, device, _ = tapped()
    interrupts: list[bool] = []

    def interrupt_the_first_estop(dev: Device) -> None:
        if any(len(b) >= 6 and b[2] == 0x04 for b in tap.written) and not interrupts:
            interrupts.append(True)
            raise KeyboardInterrupt

    tap.on_write = interrupt_the_first_estop
    report = run(tap, only=("handshake",))  # the handshake check sends no ESTOP: the first is the final one
    assert interrupts and report.interrupted and report.stop_problem == ""
    assert device.state == 1 and not device.zones.any_on()


def test_a_link_lost_mid_run_stops_the_run_and_says_the_stop_is_unconfirmed() -> None:
    tap, _, _ = tapped(faults=FaultPlan(disconnect_at=3.0))
    report = run(tap)
    assert report.exit_code == 3 and "disconnected" in report.link_error
    assert report.stop_problem and "link failed" in report.stop_problem
    assert "WARNING" in to_text(report)
    assert list(statuses(report).values()).count(Status.FAIL) == 1


def as_v10(raw: bytes) -> bytes:
    """A HELLO_REPLY rewritten to say minor 0, as a 1.0 device's does; other frames as they were."""
    frame = parse(raw, 0)
    if frame.type == HELLO_REPLY:
        payload = bytes([frame.payload[0], 0]) + frame.payload[2:]
        return wire(body(HELLO_REPLY, payload, seq=frame.seq))
    return raw + b"\x00"


def test_a_10_device_is_never_sent_a_11_message_and_the_report_says_what_was_skipped() -> None:
    tap, _, _ = tapped()
    tap.rewrite = as_v10
    report = run(tap, long=True)
    assert report.caps is not None and report.caps.hello.minor == 0
    v11 = next(r for r in report.results if r.id == "v11")
    assert v11.status is Status.NOT_RUN and "protocol 1.0" in v11.reason
    assert set(statuses(report).values()) == {Status.PASS, Status.NOT_RUN}
    frames = [b for b in tap.written if len(b) >= 6]
    sent_11 = [b for b in frames if b[2] in (KEEPALIVE, RENEW) or (b[2] == GET_STATUS and b[3] == 1)]
    assert sent_11 == []


def test_device_text_reaches_the_terminal_made_safe() -> None:
    evil = replace(FOOT, model="Foot\x1b[2JMate", serial="\u202eSIM")
    report = run(tapped(evil)[0], only=("handshake",))
    text = to_text(report)
    assert "\x1b" not in text and "\u202e" not in text and "Foot?[2JMate" in text
    assert statuses(report)["handshake"] is Status.PASS  # valid UTF-8: allowed, only shown safely


def test_a_device_breaking_the_capability_rules_fails_the_handshake_check_with_each_rule() -> None:
    zones = (SimZone(4, "kidneyx", True),) + FOOT.zones[4:8]
    odd = replace(FOOT, watchdog_ms=600, zones=zones)
    result = next(r for r in run(tapped(odd)[0], only=("handshake",)).results if r.id == "handshake")
    assert result.status is Status.FAIL
    assert "watchdog_ms 600 outside 100…500" in result.reason
    assert "zone id 4 is named 'kidneyx', §3.8's table says kidney" in result.reason


def test_line_delay_within_the_tolerance_passes_and_beyond_it_fails() -> None:
    """Every byte read 20 ms late (a loaded machine, a USB adapter): the default tolerance absorbs it; with
    no tolerance the timed checks fail, so the tolerance is what lets real lines pass, not slack elsewhere."""
    tap = tapped()[0]
    tap.lag_s = 0.02
    assert run(tap, tolerance_s=0.05).exit_code == 0
    tap = tapped()[0]
    tap.lag_s = 0.02
    strict = statuses(run(tap))
    assert strict["watchdog"] is Status.FAIL and strict["leases"] is Status.FAIL


def test_every_section_a_check_names_is_in_the_document() -> None:
    headings = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)[. ]", DOCUMENT.read_text(encoding="utf-8"), re.M))
    for check in CHECKS:
        for section in check.sections.split():
            assert section.removeprefix("§") in headings, (check.id, section)


@pytest.mark.parametrize(("ms", "ok"), [(350, True), (349.9, False), (460, True), (460.1, False)])
def test_a_timing_is_judged_against_its_bound_widened_by_the_tolerance(ms: float, ok: bool) -> None:
    assert Figure("trip", ms, 400, 410, 50).ok is ok


def test_the_kit_reads_the_documents_own_vector_for_a_1_1_frame() -> None:
    """frames.body builds what Appendix A says (keepalive, seq 14)."""
    assert wire(body(KEEPALIVE, seq=14)) == bytes.fromhex("04010E080360DC00")
    renew = struct.pack("<HI", 1500, (1 << 3) | (1 << 5) | (1 << 10))
    assert wire(body(RENEW, renew, seq=18)) == bytes.fromhex("0901120906DC0528040103018400")


def test_the_heater_check_follows_a_runaway_plate_through_the_cutoff_and_back() -> None:
    """A heater stuck on (the simulator's --overheat-at) takes the plate past 45 °C: the check sees the
    cutoff, FAULT, the refusals, the ESTOP keeping OVERHEAT, and READY again only once the plate is cool."""
    tap, device, _ = tapped(faults=FaultPlan(overheat_at=30))
    report = run(tap, long=True, only=("heater",), heat_s=300)
    heater = next(r for r in report.results if r.id == "heater")
    assert heater.status is Status.PASS, heater.reason
    assert any("the cutoff fired" in note for note in heater.notes), heater.notes
    assert [e.code for e in device.events].count(2) == 1  # one EVENT OVERHEAT
    assert device.state == 1 and not device.zones.any_on()
