"""The link's own rules, one at a time, against a scripted device on the virtual clock (§2.2, §3.1, §4, §9).

What the contract, fault and 1.1 tests leave implicit (mutation testing, issue 14, found each gap): how
frames are numbered, which reply a request takes and what it counts and drops instead, a NAK's message,
what a link is before its first handshake and after `close`, what it traces and logs, how it counts a
damaged line, and where the boot grace, the silence rule and the keep-alive rule end exactly.
"""

from __future__ import annotations

import logging
import tracemalloc
from dataclasses import dataclass, field, replace

import pytest

from controller.clock import VirtualClock
from controller.errors import (
    DeviceRejected,
    LinkClosed,
    LinkTimeout,
    NotAMassager,
    ProtocolError,
    UnsupportedDevice,
)
from controller.wire import codec
from controller.wire.handshake import GET_ZONE_BYTES
from controller.wire.link import Link, LinkCounters, _expect
from controller.wire.protocol import (
    MAX_ENCODED,
    Ack,
    Event,
    EventCode,
    Frame,
    GetStatus,
    Heartbeat,
    KeepAlive,
    MsgType,
    Nak,
    NakCode,
    Status,
)
from controller.wire.timing import ASK_EVERY_S, LOST_AFTER_S
from sim import make_pair
from tests.controller.link_parts import (
    LEAST,
    OLD,
    PACED,
    PACED_ZONES,
    SET,
    STATUS,
    Line,
    linked,
    reply,
    silence,
)

# --- numbering (§1's example, §4) -----------------------------------------------------------

def test_frames_are_numbered_from_one_keepalives_included_and_wrap_from_255_to_0() -> None:
    link, line = linked()
    for _ in range(100):
        link.heartbeat()
        link.keep_alive()  # right after an answered request: a KEEPALIVE, numbered like any frame
        link.keep_alive()
    seqs = [f.seq for _t, f in line.sent]
    assert line.types()[:2] == [MsgType.HELLO, MsgType.GET_ZONE] and MsgType.KEEPALIVE in line.types()
    assert seqs == [(n + 1) & 0xFF for n in range(len(seqs))] and len(seqs) > 300


# --- which reply a request takes (§4) -------------------------------------------------------

def test_only_a_reply_with_the_requests_seq_and_type_is_taken_the_rest_is_counted_and_dropped() -> None:
    events: list[Event] = []
    line = Line()
    link = Link(line, line.clock, on_event=events.append)
    link.handshake()
    before = replace(link.counters)
    lost_event = Event(EventCode.BUTTON, 1)
    line.script(MsgType.HEARTBEAT, lambda f: b"".join([
        codec.encode_frame(f.seq - 1, Ack(MsgType.HEARTBEAT)),  # a late answer to the request before
        codec.encode_frame(f.seq, Ack(MsgType.SET)),            # the right seq, another command's ACK
        codec.encode_frame(f.seq, STATUS),                      # the right seq, a reply of another type
        codec.encode_frame(f.seq, lost_event),                  # an event whose own counter is at seq
        codec.encode_frame(f.seq, Ack(MsgType.HEARTBEAT))]))
    link.heartbeat()
    assert events == [lost_event]
    counters = link.counters
    assert (counters.stale_replies, counters.events) == (before.stale_replies + 3, before.events + 1)
    assert counters.replies == before.replies + 1
    line.script(MsgType.GET_STATUS, lambda f: codec.encode_frame(f.seq, Ack(MsgType.GET_STATUS)) +
                codec.encode_frame(f.seq, STATUS))
    assert link.status() == STATUS  # an ACK is no STATUS, even one naming GET_STATUS


def test_a_reply_of_another_type_than_the_request_expects_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="expected Status, got Ack"):
        _expect(Ack(MsgType.GET_STATUS), Status)
    assert _expect(STATUS, Status) is STATUS


def test_a_nak_raises_with_its_code_detail_and_a_sentence_and_is_counted() -> None:
    link, line = linked()
    line.script(MsgType.SET, reply(Nak(NakCode.UNSUPPORTED_MOTION, 7)), reply(Nak(200, 3)))
    with pytest.raises(DeviceRejected) as refused:
        link.set_actuators(SET)
    assert str(refused.value) == "the device refused SET: the device cannot do this motion (detail 7)"
    assert (refused.value.code, refused.value.detail) == (NakCode.UNSUPPORTED_MOTION, 7)
    with pytest.raises(DeviceRejected, match=r"refused SET: unknown NAK code 200 \(detail 3\)"):
        link.set_actuators(SET)
    assert link.counters.naks == 2 and link.counters.retransmits == 0


def test_a_nak_bad_crc_is_a_try_sent_again_at_once_not_an_error() -> None:
    link, line = linked()
    line.script(MsgType.SET, reply(Nak(NakCode.BAD_CRC, 0)), reply(Nak(NakCode.BAD_CRC, 0)))
    start, sent = line.clock.now(), len(line.sent)
    link.set_actuators(SET)
    assert line.types(sent) == [MsgType.SET] * 3 and {t for t, _f in line.sent[sent:]} == {start}
    assert (link.counters.retransmits, link.counters.naks) == (2, 0)


def test_tries_and_the_reply_timeout_given_are_what_the_link_waits_and_it_names_the_port() -> None:
    line = Line()
    line.script(MsgType.HEARTBEAT, silence, silence)
    link = Link(line, line.clock, reply_timeout_s=0.25, tries=2)
    with pytest.raises(LinkTimeout, match="did not answer HEARTBEAT after 2 tries on /dev/ttyTEST"):
        link.heartbeat()
    assert line.clock.now() == 0.5 and line.types() == [MsgType.HEARTBEAT] * 2
    assert link.counters.retransmits == 1


# --- before the first handshake, after close ------------------------------------------------

def test_before_its_first_handshake_a_link_knows_nothing_and_speaks_1_0() -> None:
    line = Line()
    link = Link(line, line.clock)
    assert link.capabilities is None and link.minor == 0
    assert link.last_tx == link.heard_at == link.asked_at == float("-inf")  # nothing sent, heard or asked
    assert link.counters == LinkCounters()
    link.keep_alive()  # no KEEPALIVE before a HELLO_REPLY says 1.1: a HEARTBEAT
    assert link.status(only_on=True) == STATUS
    assert [f.message for _t, f in line.sent] == [Heartbeat(), GetStatus(None)]
    caps = link.handshake()
    assert link.capabilities is caps and link.minor == 1
    link.status()
    link.status(only_on=True)
    assert [f.message for _t, f in line.sent[-2:]] == [GetStatus(None), GetStatus(1)]


def test_a_1_0_device_is_never_sent_a_keepalive_nor_a_status_flag() -> None:
    link, line = linked(OLD)
    sent = len(line.sent)
    link.heartbeat()
    link.keep_alive()
    link.status(only_on=True)
    assert [f.message for _t, f in line.sent[sent:]] == [Heartbeat(), Heartbeat(), GetStatus(None)]


def test_after_close_every_command_is_link_closed_and_nothing_more_is_written() -> None:
    link, line = linked()
    writes = len(line.writes)
    link.close()
    link.close()
    assert line.closes == 1
    for command in (link.heartbeat, link.keep_alive, link.poll, link.handshake):
        with pytest.raises(LinkClosed, match="the link is closed"):
            command()
    assert len(line.writes) == writes


def test_runs_ahead_is_the_transports_answer_and_false_for_a_port() -> None:
    clock = VirtualClock()
    transport, _ = make_pair(clock)
    assert Link(transport, clock).runs_ahead() is True
    assert Link(Line(), clock).runs_ahead() is False


# --- what the link reports: trace, counters, log --------------------------------------------

def test_the_trace_sees_every_frame_each_way_in_order() -> None:
    seen: list[tuple[str, Frame]] = []
    line = Line()
    link = Link(line, line.clock, trace=lambda way, frame: seen.append((way, frame)))  # type: ignore[arg-type]
    link.handshake()
    link.heartbeat()
    link.keep_alive()
    assert [(way, f.seq, f.message.TYPE) for way, f in seen] == [
        ("tx", 1, MsgType.HELLO), ("rx", 1, MsgType.HELLO_REPLY),
        *[way for i in (2, 3, 4) for way in (("tx", i, MsgType.GET_ZONE), ("rx", i, MsgType.ZONE_INFO))],
        ("tx", 5, MsgType.HEARTBEAT), ("rx", 5, MsgType.ACK), ("tx", 6, MsgType.KEEPALIVE)]


def test_the_counters_of_a_clean_exchange() -> None:
    events: list[Event] = []
    line = Line()
    link = Link(line, line.clock, on_event=events.append)
    link.handshake()
    line.script(MsgType.SET, lambda f: codec.encode_frame(0, Event(EventCode.STOPPED, 0)) +
                codec.encode_frame(f.seq, Ack(MsgType.SET)))
    link.set_actuators(SET)
    link.keep_alive()
    link.poll()
    # the zero byte before HELLO, HELLO, 3 GET_ZONE, SET and KEEPALIVE; 5 answers, an event, nothing wrong
    assert link.counters == LinkCounters(sent=7, replies=5, events=1, keepalives=1)
    assert len(events) == 1


def test_a_damaged_line_is_counted_and_each_rejected_frame_logged(caplog: pytest.LogCaptureFixture) -> None:
    link, line = linked()
    caplog.set_level(logging.DEBUG, logger="controller.wire.link")
    noise = b"\x07" * (MAX_ENCODED + 20) + b"\x00"  # too long for a frame: discarded up to its delimiter
    line.script(MsgType.HEARTBEAT, lambda f: noise + codec.encode_frame(f.seq, Ack(MsgType.HEARTBEAT)))
    link.heartbeat()
    assert (link.counters.garbage_bytes, link.counters.rejected_frames) == (MAX_ENCODED + 20, 0)
    assert not caplog.records
    damaged = bytearray(codec.encode_frame(9, Ack(MsgType.HEARTBEAT)))
    damaged[-2] ^= 0x5A  # the CRC's last byte
    line.script(MsgType.HEARTBEAT,
                lambda f: bytes(damaged) + codec.encode_frame(f.seq, Ack(MsgType.HEARTBEAT)))
    link.heartbeat()
    assert (link.counters.garbage_bytes, link.counters.rejected_frames) == (MAX_ENCODED + 20, 1)
    assert [r.getMessage().startswith("rejected frame: ") for r in caplog.records] == [True]
    assert link.counters.replies == 6 and link.counters.stale_replies == 0


# --- the handshake's edges ------------------------------------------------------------------

def test_hello_follows_a_zero_byte_so_a_half_frame_the_device_holds_costs_no_try() -> None:
    clock = VirtualClock()
    transport, device = make_pair(clock)
    device.receive(b"\x05\x11\x22", clock.now())  # line noise at power-up: half a frame, no delimiter
    link = Link(transport, clock)
    link.handshake()
    assert link.counters.retransmits == 0


def test_the_boot_grace_ends_exactly_grace_after_opening_and_is_named_only_when_given() -> None:
    def mute() -> tuple[Link, Line]:
        line = Line()
        line.script(MsgType.HELLO, *[silence] * 20)
        return Link(line, line.clock), line

    link, line = mute()
    with pytest.raises(NotAMassager) as refused:
        link.handshake()
    first_round = line.clock.now()
    assert "asked for" not in str(refused.value) and line.types().count(MsgType.HELLO) == 5
    link, line = mute()
    link.boot_grace_s = first_round  # the first round of tries ends exactly as the grace does
    with pytest.raises(NotAMassager, match=f"asked for {first_round:g} s after opening"):
        link.handshake()
    assert line.clock.now() == first_round and line.types().count(MsgType.HELLO) == 5


def test_a_second_handshake_starts_again_from_1_0_and_the_lines_reply_timeout() -> None:
    link, line = linked(LEAST)
    assert link.reply_timeout_s == 0.05  # what the device's 100 ms lease needs
    line.script(MsgType.HELLO, silence, silence)  # a device that restarted, answering the third HELLO
    sent, start = len(line.sent), line.clock.now()
    link.handshake()
    hellos = [t - start for t, f in line.sent[sent:] if f.message.TYPE == MsgType.HELLO]
    assert line.types(sent)[:3] == [MsgType.HELLO] * 3  # no KEEPALIVE to what may now be a 1.0 device
    assert hellos == pytest.approx([0.0, 0.1, 0.2])


def test_a_second_handshake_waits_out_every_try_however_long_the_link_was_quiet() -> None:
    link, line = linked(line_baud=9600)  # 300 ms per try: 5 tries outlast the 1 s silence rule
    line.clock.advance(5.0)
    line.script(MsgType.HELLO, *[silence] * 4)
    start = line.clock.now()
    link.handshake()
    assert line.sent[-1][0] - start > LOST_AFTER_S and line.types().count(MsgType.HELLO) == 6


def test_at_9600_each_get_zone_waits_until_the_last_seconds_bytes_and_it_fit_an_eighth_of_the_line() -> None:
    """§9: before each GET_ZONE the host waits until what it sent and received in the last second, plus the
    GET_ZONE and the largest ZONE_INFO, fit in an eighth of the line each way (120 bytes at 9600) — the
    keep-alives it sends meanwhile count too. Short zone names make the replies small, so only what the
    host sends holds the GET_ZONEs back."""
    line = Line(PACED, PACED_ZONES, line_baud=9600)
    Link(line, line.clock).handshake()
    sizes = [(t, len(codec.encode_frame(f.seq, f.message))) for t, f in line.sent]
    asked = [t for t, f in line.sent if f.message.TYPE == MsgType.GET_ZONE]
    assert len(asked) == 11 and asked[-1] > 1.0  # paced: more than a second for 11 zones
    for t in asked:
        assert sum(n for sent_at, n in sizes if t - 1.0 < sent_at < t) + GET_ZONE_BYTES <= 9600 / 10 / 8


@pytest.mark.parametrize("watchdog_ms", [200, 250])
def test_the_keep_alives_sent_while_a_get_zone_waits_count_before_it_is_sent(watchdog_ms: int) -> None:
    """At a 200 ms watchdog a keep-alive goes every 75 ms (107 bytes a second at 9600): the GET_ZONEs went
    out when the pacer had said they would fit, with the keep-alives sent meanwhile on top (133 bytes
    against 120); the pacer is asked again after each wait now."""
    line = Line(replace(PACED, watchdog_ms=watchdog_ms), PACED_ZONES, line_baud=9600)
    Link(line, line.clock).handshake()
    sizes = [(t, len(codec.encode_frame(f.seq, f.message))) for t, f in line.sent]
    for t in (t for t, f in line.sent if f.message.TYPE == MsgType.GET_ZONE):  # a frame 1 s old has left
        last_second = sum(n for sent_at, n in sizes if 0 < t - sent_at < 1.0 - 1e-9)
        assert last_second + GET_ZONE_BYTES <= 9600 / 10 / 8, t


@pytest.mark.parametrize(("minor", "watchdog_ms"), [(1, 190), (0, 250)])
def test_a_device_whose_keep_alives_alone_would_fill_the_handshakes_share_is_refused(minor: int,
                                                                                    watchdog_ms: int) -> None:
    """§9: keep-alives at 3/8 of a 190 ms watchdog, with a GET_ZONE, pass an eighth of 9600 baud each
    second (a 1.0 device ACKs each HEARTBEAT, so 250 ms is too short for one): refused before any GET_ZONE,
    not paced for ever."""
    line = Line(replace(PACED, watchdog_ms=watchdog_ms, minor=minor), PACED_ZONES, line_baud=9600)
    with pytest.raises(UnsupportedDevice, match=f"watchdog_ms {watchdog_ms} needs a keep-alive every .*"
                                                r"use a faster line rate \(--baud 115200\)"):
        Link(line, line.clock).handshake()
    assert MsgType.GET_ZONE not in line.types()


def test_a_port_whose_reads_return_late_is_never_asked_to_wait_a_negative_time() -> None:
    """Line.read refuses a negative timeout, as pyserial does; a handshake that idles between paced
    GET_ZONEs, keeping the watchdog fed, must not ask for one even when each read overshoots its wait."""
    line = Line(PACED, PACED_ZONES, line_baud=9600, late_s=0.002)
    Link(line, line.clock).handshake()
    assert line.types().count(MsgType.KEEPALIVE) > 5


def test_a_slow_lines_handshake_pacing_is_forgotten_after_it_so_memory_stays_flat() -> None:
    link, line = linked(line_baud=9600)  # paced: the handshake notes every frame's bytes (§9)

    def heartbeats(n: int) -> None:
        for _ in range(n // 100):
            for _ in range(100):
                link.heartbeat()
            line.sent.clear()
            line.writes.clear()

    heartbeats(500)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        heartbeats(2000)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 16_000  # a record kept for the whole session grows by about 128 bytes a request


# --- the silence rule and the keep-alive rule (§9, §6.1) ------------------------------------

def test_a_device_silent_for_lost_after_s_is_a_lost_link_named_so() -> None:
    line = Line(OLD)
    link = Link(line, line.clock, tries=10)  # tries enough to outlast the silence rule
    link.handshake()
    line.clock.advance(2 * LOST_AFTER_S)
    line.script(MsgType.HEARTBEAT, *[silence] * 10)
    start = line.clock.now()
    with pytest.raises(LinkTimeout, match=f"fell silent for {LOST_AFTER_S:g} s on /dev/ttyTEST"):
        link.heartbeat()
    assert line.clock.now() - start == pytest.approx(LOST_AFTER_S - ASK_EVERY_S)


def test_a_device_still_heard_is_not_silent_an_unanswered_request_runs_out_its_tries() -> None:
    line = Line(OLD, events_every=0.2)  # it sends events, so it is there; it just does not answer
    link = Link(line, line.clock, tries=12)
    link.handshake()
    line.script(MsgType.HEARTBEAT, *[silence] * 12)
    start, heard = line.clock.now(), line.events_sent
    with pytest.raises(LinkTimeout, match="did not answer HEARTBEAT after 12 tries"):
        link.heartbeat()
    assert line.clock.now() - start == pytest.approx(1.2) and line.events_sent - heard >= 5


def test_a_keepalive_stands_in_while_a_request_follows_within_ask_every_s_inclusive() -> None:
    link, line = linked()
    link.heartbeat()
    line.clock.advance(ASK_EVERY_S - 0.1)
    sent = len(line.sent)
    link.keep_alive(next_request_at=link.asked_at + ASK_EVERY_S)
    link.keep_alive(next_request_at=link.asked_at + ASK_EVERY_S + 0.01)
    assert line.types(sent) == [MsgType.KEEPALIVE, MsgType.HEARTBEAT]


def test_keepalives_go_the_transports_own_way_when_it_has_one() -> None:
    @dataclass
    class Own(Line):
        keepalive_writes: list[bytes] = field(default_factory=list)

        def write_keepalive(self, data: bytes) -> None:
            self.keepalive_writes.append(data)

    line = Own()
    link = Link(line, line.clock)
    link.handshake()
    link.keep_alive()
    assert [codec.decode_frame(w).message for w in line.keepalive_writes] == [KeepAlive()]
    assert MsgType.KEEPALIVE not in line.types()
