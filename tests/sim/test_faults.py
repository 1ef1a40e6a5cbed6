"""Seeded faults: the pure pieces, then whole runs through the in-process pair."""

from __future__ import annotations

import random
import time

import pytest

from controller.clock import VirtualClock
from sim import FaultPlan, make_pair
from sim.faults import FaultyChannel, fault_frame, flip_bits
from sim.messages import Ack, Heartbeat, Hello, HelloReply
from sim.protocol import DeviceState, MsgType
from sim.wire import encode_frame
from tests.sim.helpers import Host, entry, on_zones_at, set_cmd

FRAME = encode_frame(7, MsgType.HEARTBEAT)
OTHER_ZONES = (1, 2, 3, 5, 6, 7, 8, 9, 10, 11)


@pytest.mark.parametrize("field", ["drop", "corrupt", "duplicate", "delay", "reset_at", "delay_s"])
def test_fault_plan_validates(field: str) -> None:
    bad = 1.5 if field in ("drop", "corrupt", "duplicate", "delay") else -0.01
    with pytest.raises(ValueError):
        FaultPlan(**{field: bad})  # type: ignore[arg-type]


def test_flip_bits_flips_one_to_three_bits_and_keeps_delimiter() -> None:
    rng = random.Random(1)
    for _ in range(200):
        flipped = flip_bits(FRAME, rng)
        diff = sum(bin(a ^ b).count("1") for a, b in zip(FRAME, flipped, strict=True))
        assert 1 <= diff <= 3 and flipped[-1] == 0


def test_fault_frame_each_fault() -> None:
    rng = random.Random(0)
    assert fault_frame(FRAME, FaultPlan(drop=1.0), rng) == []
    assert fault_frame(FRAME, FaultPlan(duplicate=1.0), rng) == [(0.0, FRAME), (0.0, FRAME)]
    assert fault_frame(FRAME, FaultPlan(delay=1.0, delay_s=0.05), rng) == [(0.05, FRAME)]
    ((_, corrupted),) = fault_frame(FRAME, FaultPlan(corrupt=1.0), rng)
    assert corrupted != FRAME


def test_channel_delays_without_reordering() -> None:
    channel = FaultyChannel(FaultPlan(delay=0.5, delay_s=0.1, seed=3), random.Random(3))
    frames = [encode_frame(i, MsgType.HEARTBEAT) for i in range(20)]
    for i, frame in enumerate(frames):
        channel.push(frame, i * 0.01)
    assert channel.pop_ready(10.0) == b"".join(frames)


def test_same_seed_same_run() -> None:
    def run(seed: int) -> list[tuple[float, int]]:
        clock = VirtualClock()
        transport, device = make_pair(clock, faults=FaultPlan(drop=0.2, corrupt=0.2, seed=seed))
        host = Host(transport)
        host.request(Hello(1, 0), clock)
        for i in range(30):
            host.request(set_cmd(entry(4, intensity=1 + i % 10)), clock)
        return [(a.t, a.seq) for a in device.applied]

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_lossy_link_applies_every_set_exactly_once_in_order() -> None:
    clock = VirtualClock()
    plan = FaultPlan(drop=0.05, corrupt=0.05, duplicate=0.1, delay=0.1, seed=11)
    transport, device = make_pair(clock, faults=plan)
    host = Host(transport)
    assert isinstance(host.request(Hello(1, 0), clock), HelloReply)
    acked: list[tuple[int, tuple]] = []
    for i in range(300):
        cmd = set_cmd(entry(OTHER_ZONES[i % 10], intensity=1 + i % 10), entry(4, intensity=1 + i % 7))
        if i % 3 == 0:
            host.request(Heartbeat(), clock)
        assert host.request(cmd, clock) == Ack(MsgType.SET), f"link lost at command {i}"
        acked.append((host.seq, cmd.entries))
    assert [(a.seq, a.entries) for a in device.applied] == acked
    assert device.counters.invalid_frames > 0 and device.counters.duplicates > 0
    assert host.invalid > 0


def test_delay_fault_delays_both_directions_exactly() -> None:
    clock = VirtualClock()
    transport, _ = make_pair(clock, faults=FaultPlan(delay=1.0, delay_s=0.03))
    host = Host(transport)
    host.poll(1.0)  # the power-up EVENT RESET, itself delayed
    t0 = clock.now()
    assert isinstance(host.command(Hello(1, 0)), HelloReply)
    assert clock.now() - t0 == pytest.approx(0.06)


def test_virtual_timeout_costs_no_wall_time() -> None:
    clock = VirtualClock()
    transport, _ = make_pair(clock)
    transport.read(4096, 0.0)  # EVENT RESET
    wall = time.monotonic()
    assert transport.read(4096, 30.0) == b""
    assert clock.now() == pytest.approx(30.0)
    assert time.monotonic() - wall < 1.0


def test_disconnect_raises_both_ways_and_watchdog_covers_it() -> None:
    clock = VirtualClock()
    transport, device = make_pair(clock, faults=FaultPlan(disconnect_at=1.0))
    host = Host(transport)
    host.command(Hello(1, 0))
    host.command(set_cmd(entry(4)))
    last = clock.now()
    with pytest.raises(ConnectionResetError):
        for _ in range(20):
            clock.advance(0.1)
            host.command(Heartbeat())
            last = clock.now()
    with pytest.raises(ConnectionResetError):
        transport.write(encode_frame(1, MsgType.HEARTBEAT))
    with pytest.raises(OSError):
        transport.read(10, 1.0)
    device.advance(last + 1.0)
    assert device.state == DeviceState.SAFE_STOP
    assert on_zones_at(device.timeline, last + 0.4) == set()
    again = Host(transport.reopen())
    assert isinstance(again.command(Hello(1, 0)), HelloReply)
    assert device.state == DeviceState.READY


def test_awol_device_stops_answering() -> None:
    clock = VirtualClock()
    transport, device = make_pair(clock, faults=FaultPlan(awol_at=0.5))
    host = Host(transport)
    assert host.request(Hello(1, 0), clock) is not None
    clock.advance(0.5)
    assert host.request(Heartbeat(), clock) is None
    assert device.counters.frames_silenced >= 5
    assert device.counters.frames_received == 6  # it still hears the host: 1 + 5 tries


def test_closed_transport_refuses_io() -> None:
    transport, _ = make_pair(VirtualClock())
    transport.close()
    with pytest.raises(OSError):
        transport.write(b"\x00")
    with pytest.raises(OSError):
        transport.read(1, 0.1)


def test_a_flapping_link_is_unplugged_again_after_each_replug() -> None:
    """FaultPlan disconnect_every_s: each reopened port vanishes that long after it was plugged in."""
    clock = VirtualClock()
    transport, _ = make_pair(clock, faults=FaultPlan(disconnect_at=1.0, disconnect_every_s=2.0))
    clock.advance(1.0)
    with pytest.raises(ConnectionResetError):
        transport.write(encode_frame(1, MsgType.HEARTBEAT))
    again = transport.reopen()
    clock.advance(1.9)
    again.write(encode_frame(2, MsgType.HEARTBEAT))  # still plugged in
    clock.advance(0.1)
    with pytest.raises(ConnectionResetError):
        again.write(encode_frame(3, MsgType.HEARTBEAT))
    unplugged = again.reopen()
    unplugged.unplug()  # a test pulls the cable by hand
    with pytest.raises(ConnectionResetError):
        unplugged.read(10, 0.0)
