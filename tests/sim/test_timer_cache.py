"""The device caches its earliest timer deadline; the cache must never be later than the truth.

A stale, later cache would let `advance` skip a timer that is due. Driven by random commands, faults and
time steps, after every call the cached deadline must equal a fresh look, and nothing may be overdue.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sim import Device, FaultPlan
from sim.messages import (
    AnyMessage,
    Estop,
    GetStatus,
    Heartbeat,
    Hello,
    SetCmd,
    SetEntry,
    SoftStop,
    encode_message,
)

MESSAGES: list[AnyMessage] = [
    Hello(1, 0), Heartbeat(), GetStatus(), Estop(), SoftStop(0), SoftStop(300),
    SetCmd((SetEntry(1, 1, 3, 2, 0, 100),)),
    SetCmd((SetEntry(3, 2, 5, 1, 2, 2000), SetEntry(4, 1, 1, 1, 0, 150))),
    SetCmd((SetEntry(1, 0, 0, 0, 0, 100),)),
]
STEPS = st.sampled_from([0.0, 0.0005, 0.01, 0.05, 0.1, 0.15, 0.3, 0.45, 2.0, 40.0])
OPS = st.lists(st.tuples(st.sampled_from(["send", "advance", "take", "button", "unplug", "deadline"]),
                         st.integers(0, len(MESSAGES) - 1), STEPS, st.booleans()), max_size=80)


def check_cache(device: Device) -> None:
    cached = device.next_deadline()
    device._timers_stale()
    assert device.next_deadline() == cached  # the cache agrees with a fresh look
    assert device._earliest_timer()[0] > device._now  # and nothing was left overdue by `advance`


@settings(max_examples=150, deadline=None)
@given(OPS, st.booleans())
def test_cached_deadline_always_matches_a_fresh_look(ops: list[tuple[str, int, float, bool]],
                                                     faulty: bool) -> None:
    plan = FaultPlan(delay=0.5, delay_s=0.03, duplicate=0.2, seed=3, reset_at=1.0) if faulty else None
    now = 100.0
    device = Device("foot", now, faults=plan)
    for seq, (op, index, step, land_on_deadline) in enumerate(ops):
        deadline = device.next_deadline()
        now = max(now, deadline) if land_on_deadline and deadline is not None else now + step
        if op == "send":
            device.receive(encode_message(seq & 0xFF, MESSAGES[index]), now)
        elif op == "advance":
            device.advance(now)
        elif op == "take":
            device.take_output(now)
        elif op == "button":
            device.press_stop_button(now)
        elif op == "unplug":
            device.drop_link_buffers()
        check_cache(device)
