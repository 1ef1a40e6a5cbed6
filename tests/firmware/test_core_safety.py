"""Device-side safety in the firmware core, to the millisecond, read from the outputs the board would drive:
watchdog (§6.1), leases (§6.2), the stop button (§6.3), heater cutoff and regulation (§6.4), session cap
(§6.5), timers due together (1.1: most severe first, one EVENT), and the millisecond clock wrapping."""

from __future__ import annotations

import ctypes

from sim.messages import Ack, Estop, Heartbeat, Hello, HelloReply, Nak, SoftStop
from sim.protocol import DeviceState, EventCode, FaultFlag, MsgType, NakCode
from sim.wire import encode_frame
from tests.firmware.core import Firmware, FirmwarePort
from tests.firmware.helpers import adc_for, frame_with_header, index_of, status
from tests.sim.helpers import Host, entry, set_cmd

WATCHDOG_MS = 400


def heartbeat_for(host: Host, fw: Firmware, seconds: float, period_s: float = 0.15, step_ms: int = 1) -> int:
    """Keep the watchdog fed for `seconds`; returns the time (ms) of the last heartbeat."""
    end = fw.now_ms + round(seconds * 1000)
    last = fw.now_ms
    while fw.now_ms + round(period_s * 1000) <= end:
        fw.advance(period_s, step_ms)
        last = fw.now_ms
        assert host.command(Heartbeat()) == Ack(MsgType.HEARTBEAT)
    return last


def off_at(fw: Firmware, deadline_ms: int) -> None:
    """The outputs are on until the millisecond before `deadline_ms` and off from it."""
    fw.advance_to(deadline_ms - 1)
    assert not fw.all_off(), f"everything was off before {deadline_ms} ms"
    fw.advance(0.001)
    assert fw.all_off(), f"something still on at {deadline_ms} ms"


def codes(host: Host) -> list[int]:
    host.poll(0.0)
    return [e.code for _, e in host.events if e.code != EventCode.RESET]


def test_watchdog_stops_everything_exactly_400_ms_after_the_last_valid_frame(fw: Firmware, host: Host,
                                                                             port: FirmwarePort) -> None:
    fw.set_adc(adc_for(300))  # a cool plate: the heater is on while heat is asked for
    host.command(set_cmd(entry(4, heat=1, motion=9), entry(1, intensity=7, motion=9)))
    last_valid = heartbeat_for(host, fw, 0.6)
    fw.advance(0.1)
    port.write(b"\x01" * 300 + b"\x00")  # garbage and a bad-CRC frame do not feed it
    port.write(encode_frame(99, MsgType.HEARTBEAT)[:-3] + b"\x00\x00")
    assert fw.heater() and fw.duty(index_of(4)) and fw.duty(index_of(1))
    off_at(fw, last_valid + WATCHDOG_MS)
    assert codes(host)[-1] == EventCode.WATCHDOG
    reply = status(host)
    assert reply.state == DeviceState.SAFE_STOP and reply.faults == FaultFlag.WATCHDOG
    assert host.command(set_cmd(entry(4))) == Nak(NakCode.NOT_READY, 0)
    host.command(Hello(1, 0))
    assert host.command(set_cmd(entry(4))) == Ack(MsgType.SET)


def test_watchdog_is_not_armed_before_the_handshake(fw: Firmware, port: FirmwarePort) -> None:
    h = Host(port)
    h.poll(2.0)
    assert h.event_codes() == [EventCode.RESET] and status(h).state == DeviceState.WAITING


def test_refused_frames_feed_the_watchdog_bad_headers_do_not(fw: Firmware, host: Host,
                                                             port: FirmwarePort) -> None:
    for i in range(10):  # 3 s of valid-but-refused frames
        fw.advance(0.3)
        refused = encode_frame(100 + i, 0x30) if i % 2 else encode_frame(100 + i, MsgType.HEARTBEAT, b"\x01")
        port.write(refused)
    assert status(host).state == DeviceState.READY
    last_valid = fw.now_ms
    for i in range(4):
        fw.advance(0.15)
        port.write(frame_with_header(120 + i, MsgType.HEARTBEAT, ver=2) if i % 2 else
                   frame_with_header(120 + i, MsgType.GET_ZONE, b"\x01", declared_len=2))
    host.poll(0.0)
    assert codes(host) == [EventCode.WATCHDOG]
    assert status(host).invalid_frames == 4 and last_valid + WATCHDOG_MS <= fw.now_ms


def test_a_lease_runs_out_exactly_while_heartbeats_continue(fw: Firmware, host: Host) -> None:
    host.command(set_cmd(entry(4, lease_ms=500, motion=9), entry(1, lease_ms=2000, motion=9)))
    t_set = fw.now_ms
    heartbeat_for(host, fw, 0.45)
    fw.advance_to(t_set + 499)
    assert fw.duty(index_of(4)) > 0
    fw.advance(0.001)
    assert fw.duty(index_of(4)) == 0 and fw.duty(index_of(1)) > 0
    host.poll(0.0)
    assert [(e.code, e.arg) for _, e in host.events[1:]] == [(EventCode.LEASE_EXPIRED, 4)]
    heartbeat_for(host, fw, 0.3, period_s=0.1)
    assert status(host).state == DeviceState.ACTIVE
    heartbeat_for(host, fw, 1.3, period_s=0.1)
    assert fw.all_off() and status(host).state == DeviceState.READY


def test_leases_running_out_together_report_in_zone_order(fw: Firmware, host: Host) -> None:
    host.command(set_cmd(entry(7, lease_ms=300), entry(2, lease_ms=300), entry(5, lease_ms=300)))
    fw.advance(0.3)
    assert [(e.code, e.arg) for _, e in host.events[1:]] == []
    host.poll(0.0)
    assert [e.arg for _, e in host.events if e.code == EventCode.LEASE_EXPIRED] == [2, 5, 7]


def test_a_renewed_lease_keeps_the_zone_on_and_an_off_entry_ends_it(fw: Firmware, host: Host) -> None:
    for _ in range(20):
        host.command(set_cmd(entry(4, lease_ms=400)))
        fw.advance(0.3)
    assert status(host).state == DeviceState.ACTIVE and codes(host) == []
    host.command(set_cmd(entry(4, intensity=0, motion=0, speed=0)))
    heartbeat_for(host, fw, 1.0)
    assert codes(host) == []  # an off zone has no lease to run out


def test_stop_button_latches_estop_once_per_press(fw: Firmware, host: Host) -> None:
    host.command(set_cmd(entry(4)))
    fw.press()
    fw.advance(0.001)
    assert fw.all_off() and status(host).state == DeviceState.ESTOP
    heartbeat_for(host, fw, 0.5)
    assert codes(host) == [EventCode.BUTTON]
    assert host.events[-1][1].arg == 1
    fw.press(False)
    fw.advance(0.1)
    host.command(Hello(1, 0))
    fw.press()
    fw.advance(0.001)
    assert codes(host) == [EventCode.BUTTON, EventCode.BUTTON]


def hot(fw: Firmware, temp_dC: int) -> int:
    """The plate reads as near `temp_dC` as the ADC resolves, never above it, from the next reading (within
    100 ms); returns that reading."""
    adc = adc_for(temp_dC)
    while fw.lib.host_temp_from_adc(adc) > temp_dC:
        adc += 1  # hotter is a lower reading
    fw.set_adc(adc)
    return int(fw.lib.host_temp_from_adc(adc))


def test_heater_cutoff_at_the_first_reading_above_45(fw: Firmware, host: Host) -> None:
    hot(fw, 440)
    host.command(set_cmd(entry(4, heat=2)))
    heartbeat_for(host, fw, 0.3)
    assert hot(fw, 450) >= 448  # at most max_temp: not above it
    heartbeat_for(host, fw, 0.3)
    assert not fw.all_off()
    assert hot(fw, 459) > 455
    fw.advance(0.1)
    assert fw.all_off()
    host.poll(0.0)
    assert [(e.code, e.arg) for _, e in host.events[1:]] == [(EventCode.OVERHEAT, 45)]
    assert host.command(set_cmd(entry(4))) == Nak(NakCode.OVERHEAT, 45)
    assert host.command(SoftStop(0)) == Nak(NakCode.OVERHEAT, 45)
    hot(fw, 425)  # not yet below 42.0 °C
    fw.advance(0.1)
    assert isinstance(host.command(Hello(1, 0)), HelloReply)
    assert status(host).state == DeviceState.FAULT and status(host).faults == FaultFlag.OVERHEAT
    hot(fw, 415)
    fw.advance(0.1)
    host.command(Hello(1, 0))
    assert status(host).state == DeviceState.READY and status(host).faults == 0


def test_cutoff_fires_in_waiting_safe_stop_and_estop(lib: ctypes.CDLL) -> None:
    for setup in ("waiting", "safe_stop", "estop"):
        fw = Firmware(lib)
        h = Host(FirmwarePort(fw))
        if setup != "waiting":
            h.command(Hello(1, 0))
            h.command(Estop()) if setup == "estop" else h.poll(0.5)
        hot(fw, 470)
        fw.advance(0.1)
        assert status(h).state == DeviceState.FAULT, setup
        assert EventCode.OVERHEAT in h.event_codes(), setup


def test_estop_during_fault_keeps_overheat_and_hello_returns_to_fault_while_hot(fw: Firmware,
                                                                                host: Host) -> None:
    hot(fw, 470)
    fw.advance(0.1)
    assert host.command(Estop()) == Ack(MsgType.ESTOP)
    heartbeat_for(host, fw, 1.0)  # still above max_temp: no second cutoff, no second event (1.1)
    assert codes(host) == [EventCode.OVERHEAT]
    reply = status(host)
    assert reply.state == DeviceState.ESTOP and reply.faults == FaultFlag.OVERHEAT | FaultFlag.ESTOP
    host.command(Hello(1, 0))
    assert status(host).state == DeviceState.FAULT
    assert status(host).faults == FaultFlag.OVERHEAT | FaultFlag.ESTOP
    hot(fw, 300)
    fw.advance(0.1)
    host.command(Hello(1, 0))
    assert status(host).state == DeviceState.READY and status(host).faults == 0


def test_heat_is_regulated_to_the_level_and_never_at_41(fw: Firmware, host: Host) -> None:
    host.command(set_cmd(entry(4, intensity=0, motion=0, speed=0, heat=1), entry(5, heat=2, lease_ms=2000)))
    for temp, level2_on in ((300, True), (405, True), (410, False), (407, False), (404, True)):
        hot(fw, temp)
        heartbeat_for(host, fw, 0.15)
        assert fw.heater() == level2_on, temp  # the highest level (2: 41.0 °C) drives the plate
    host.command(set_cmd(entry(5, intensity=0, motion=0, speed=0, lease_ms=2000)))
    for temp, level1_on in ((390, False), (379, False), (374, True), (378, True), (380, False)):
        hot(fw, temp)
        heartbeat_for(host, fw, 0.15)
        assert fw.heater() == level1_on, temp  # level 1: 38.0 °C, on again only 0.5 °C below it
    host.command(set_cmd(entry(4, intensity=0, motion=0, speed=0)))
    assert not fw.heater()  # no heat asked: off at once, not at the next reading


def test_an_open_thermistor_is_no_reading_and_no_heat(fw: Firmware, host: Host) -> None:
    fw.set_adc(1023)
    host.command(set_cmd(entry(4, heat=2)))
    heartbeat_for(host, fw, 0.3)
    assert not fw.heater() and status(host).temp_dC == -32768


def test_timers_due_together_report_only_the_most_severe(fw: Firmware, host: Host) -> None:
    """1.1: watchdog and lease at the same instant: WATCHDOG alone; a soft stop ending as the watchdog
    trips sends no STOPPED."""
    host.command(set_cmd(entry(4, lease_ms=400)))
    fw.advance(1.0)
    assert codes(host) == [EventCode.WATCHDOG]
    host.command(Hello(1, 0))
    host.command(set_cmd(entry(4)))
    host.command(SoftStop(400))
    fw.advance(1.0)
    assert codes(host) == [EventCode.WATCHDOG, EventCode.WATCHDOG]


def test_cutoff_and_watchdog_together_report_only_the_cutoff(fw: Firmware, host: Host) -> None:
    assert (fw.now_ms - 1000) % 100 == 0  # plate readings come every 100 ms from power-up (at 1000 ms)
    host.command(Heartbeat())  # so the watchdog falls due on a reading
    fw.advance(0.35)
    hot(fw, 470)
    fw.advance(0.1)
    assert codes(host) == [EventCode.OVERHEAT] and status(host).state == DeviceState.FAULT


def test_session_cap_at_exactly_1800_s_over_a_lease_due_then(fw: Firmware, host: Host) -> None:
    start = fw.now_ms
    beat = 0
    while fw.now_ms < start + 1_798_000:  # the controller's rhythm: renew every 600 ms, keep-alive between
        renewal = set_cmd(entry(4)) if beat % 4 == 0 else Heartbeat()
        assert host.command(renewal) == Ack(MsgType.SET if beat % 4 == 0 else MsgType.HEARTBEAT)
        fw.advance(0.15, step_ms=50)
        beat += 1
    fw.advance_to(start + 1_798_050)
    host.command(set_cmd(entry(4, lease_ms=1950)))  # its lease ends with the session cap
    while fw.now_ms < start + 1_799_950:
        fw.advance(0.1, step_ms=50)
        host.command(Heartbeat())
    off_at(fw, start + 1_800_000)
    assert codes(host) == [EventCode.SESSION_LIMIT]
    reply = status(host)
    assert reply.state == DeviceState.SAFE_STOP and reply.faults == FaultFlag.SESSION_LIMIT
    assert host.command(set_cmd(entry(4))) == Nak(NakCode.SESSION_LIMIT, 0)
    assert host.command(SoftStop(0)) == Nak(NakCode.SESSION_LIMIT, 0)
    host.command(Hello(1, 0))
    assert host.command(set_cmd(entry(4))) == Ack(MsgType.SET)


def test_time_wrapping_past_2_32_ms_changes_nothing(lib: ctypes.CDLL) -> None:
    fw = Firmware(lib, start_ms=0xFFFF_FF00)
    h = Host(FirmwarePort(fw))
    h.command(Hello(1, 0))
    h.command(set_cmd(entry(4, lease_ms=500)))
    t_set = fw.now_ms
    heartbeat_for(h, fw, 0.45, period_s=0.1)
    assert not fw.all_off()
    fw.advance_to(t_set + 500)
    assert fw.all_off() and codes(h) == [EventCode.LEASE_EXPIRED]
    assert status(h).uptime_ms == fw.now_ms - 0xFFFF_FF00
    fw.advance(0.5)
    assert codes(h)[-1] == EventCode.WATCHDOG


def test_a_button_press_at_a_timers_instant_is_handled_after_it(fw: Firmware, host: Host) -> None:
    """§5.1: the stop button, like a frame, comes after the timers due at that instant."""
    host.command(set_cmd(entry(4)))
    fw.advance_to(fw.now_ms + WATCHDOG_MS - 1)
    fw.press()
    fw.advance(0.001)  # the watchdog's millisecond
    assert codes(host) == [EventCode.WATCHDOG, EventCode.BUTTON]
    assert status(host).faults == FaultFlag.WATCHDOG | FaultFlag.ESTOP
