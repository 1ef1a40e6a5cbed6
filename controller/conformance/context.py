"""What a check works with: the device under test, what its handshake said, the tolerance for timings, and
small helpers that turn a wrong answer into a Failed naming what was expected."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TypeVar

from controller.conformance import frames
from controller.conformance.dut import Dut, Sent
from controller.conformance.frames import RxFrame
from controller.conformance.host_wire import (
    KEEPALIVE,
    NAK_ZONE_OFF,
    Ack,
    DeviceState,
    HelloReply,
    MsgType,
    Nak,
    NakCode,
    SetEntry,
    Status,
    ZoneInfo,
)
from controller.conformance.outcome import Failed, Figure, Result

M = TypeVar("M")
TICK_MS = 10.0  # §5: firmware acts within its own timer tick (10 ms is short enough) after a deadline
REPLY_MS = 20.0  # §5: device reply time
DEFINED_MOTIONS = range(1, 10)  # §3.8
_TIMER_FRAMES_BYTES = 32  # the frame that starts a timer (a SET is up to ~20 bytes) and the EVENT (9 bytes)


def nak_name(code: int) -> str:
    if code == NAK_ZONE_OFF:
        return "ZONE_OFF"
    try:
        return NakCode(code).name
    except ValueError:
        return f"code {code}"


@dataclass(frozen=True, slots=True)
class Caps:
    """The device as its handshake described it (§3.2, §3.5)."""

    hello: HelloReply
    zones: tuple[ZoneInfo, ...]

    @property
    def v11(self) -> bool:
        return self.hello.minor >= 1

    @property
    def watchdog_s(self) -> float:
        return self.hello.watchdog_ms / 1000

    @property
    def ids(self) -> list[int]:
        return [z.zone for z in self.zones]

    @property
    def motion(self) -> int:
        """A motion the device supports (the first defined one)."""
        return next((m for m in self.hello.motions if m in DEFINED_MOTIONS), 1)

    def heated(self) -> ZoneInfo | None:
        return next((z for z in self.zones if z.heated), None)

    def unheated(self) -> ZoneInfo | None:
        return next((z for z in self.zones if not z.heated), None)

    def index(self, zone_id: int) -> int:
        return self.ids.index(zone_id)

    def lease(self, ms: float) -> int:
        """`ms` pulled into 100…max_lease_ms."""
        return int(max(100, min(ms, self.hello.max_lease_ms)))

    def moving(self, zone: int, intensity: int = 1, lease_ms: int | None = None, speed: int = 1) -> SetEntry:
        """An entry that makes `zone` move (so it is on, §3.3)."""
        lease = self.hello.max_lease_ms if lease_ms is None else lease_ms
        return SetEntry(zone, self.motion, intensity, speed, 0, lease)


class Ctx:
    """One check's view of the device; `tolerance_s` widens every timing bound (0 on a virtual clock)."""

    def __init__(self, dut: Dut, caps: Caps, result: Result, *, tolerance_s: float, baud: int,
                 heat_s: float = 600.0) -> None:
        self.dut = dut
        self.caps = caps
        self.result = result
        self.tolerance_s = tolerance_s
        self.baud = baud
        self.heat_s = heat_s

    # --- reporting --------------------------------------------------------------------------------

    def note(self, text: str) -> None:
        self.result.notes.append(text)

    def require(self, condition: bool, message: str) -> None:
        if not condition:
            raise Failed(message)

    def timed(self, name: str, seconds: float, low_ms: float | None, high_ms: float | None,
              rule: str) -> Figure:
        """Record a measured timing; Failed (naming `rule`) when it is outside its bound."""
        figure = Figure(name, 1000 * seconds, low_ms, high_ms, 1000 * self.tolerance_s)
        self.result.figures.append(figure)
        if not figure.ok:
            raise Failed(f"{name}: {figure.ms:.1f} ms, outside {figure.bound} ({rule})")
        return figure

    def timed_event(self, name: str, seconds: float, nominal_ms: float, rule: str) -> Figure:
        """A device timer, from the write of the frame that set it to the read of its EVENT: at least
        `nominal_ms`, at most one timer tick later (§5) plus both frames' time on the line."""
        return self.timed(name, seconds, nominal_ms, nominal_ms + TICK_MS + self.line_ms(_TIMER_FRAMES_BYTES),
                          rule)

    def line_ms(self, n_bytes: int) -> float:
        """Time `n_bytes` take on the line at 10 bits a byte (8N1, §2.1)."""
        return 1000 * 10 * n_bytes / self.baud

    @property
    def quiet_s(self) -> float:
        """How long to listen before concluding that no answer is coming."""
        waited_ms = REPLY_MS + 30 + self.line_ms(32)  # a NAK or ACK and the frame it answers, on the line
        return min(waited_ms / 1000 + self.tolerance_s, self.caps.watchdog_s / 2)

    # --- commands ---------------------------------------------------------------------------------

    def expect(self, reply: RxFrame, kind: type[M], what: str) -> M:
        if not isinstance(reply.message, kind):
            raise Failed(f"{what}: expected {kind.__name__}, got {reply.describe()}")
        return reply.message

    def ack(self, reply: RxFrame, type_: int, what: str) -> None:
        if reply.message != Ack(type_):
            raise Failed(f"{what}: expected ACK of 0x{type_:02X}, got {reply.describe()}")

    def nak(self, reply: RxFrame, code: int, detail: int | None, what: str) -> None:
        msg = reply.message
        if not isinstance(msg, Nak) or msg.code != code or (detail is not None and msg.detail != detail):
            want = nak_name(code) + ("" if detail is None else f" detail {detail}")
            got = reply.describe()
            if isinstance(msg, Nak):
                got = f"NAK {nak_name(msg.code)} detail {msg.detail}"
            raise Failed(f"{what}: expected NAK {want}, got {got}")

    def hello(self, major: int = 1, minor: int = 1) -> HelloReply:
        reply = self.dut.request(MsgType.HELLO, frames.hello(major, minor))
        return self.expect(reply, HelloReply, f"HELLO {major}.{minor}")

    def set(self, *entries: SetEntry, what: str = "SET") -> Sent:
        """SET, which must be ACKed; returns what was sent (its `t` starts the leases, §6.2)."""
        sent = self.dut.send(MsgType.SET, frames.set_payload(entries))
        self.ack(self.dut.reply(sent), MsgType.SET, what)
        return sent

    def set_nak(self, entries: list[SetEntry], code: int, detail: int | None, what: str) -> None:
        reply = self.dut.request(MsgType.SET, frames.set_payload(entries))
        self.nak(reply, code, detail, what)

    def command_nak(self, type_: int, payload: bytes, code: int, detail: int | None, what: str) -> None:
        self.nak(self.dut.request(type_, payload), code, detail, what)

    def status(self, flags: int | None = None) -> Status:
        payload = b"" if flags is None else bytes([flags])
        return self.expect(self.dut.request(MsgType.GET_STATUS, payload), Status, "GET_STATUS")

    def estop(self, timeout_s: float = 1.0) -> RxFrame:
        """ESTOP, waiting generously for its ACK (the latency check is where the 20 ms bound is judged)."""
        reply = self.dut.reply(self.dut.send(MsgType.ESTOP), timeout_s)
        self.ack(reply, MsgType.ESTOP, "ESTOP")
        return reply

    # --- state ------------------------------------------------------------------------------------

    def fresh(self) -> HelloReply:
        """Start from a clean slate: leftovers read, HELLO, and READY with nothing on (§3.1)."""
        self.dut.drain(self.quiet_s)
        self.dut.take_events()
        hello = self.hello()
        if hello.boot_count != self.caps.hello.boot_count:
            raise Failed(f"the device restarted: boot_count {self.caps.hello.boot_count} → "
                         f"{hello.boot_count}, reset cause {hello.reset_cause} (§6.6)")
        self.require_state(self.status(), DeviceState.READY, "after HELLO")
        return hello

    def require_state(self, status: Status, state: DeviceState, when: str) -> None:
        if status.state != state:
            raise Failed(f"{when}: STATUS state {_state(status.state)}, expected {state.name}")

    def require_all_off(self, status: Status, when: str) -> None:
        """§6: every zone's motion, intensity, speed and heat 0 after a stop the device made itself."""
        on = [z for z in status.zones if (z.motion, z.intensity, z.speed, z.heat) != (0, 0, 0, 0)]
        if on:
            z = on[0]
            raise Failed(f"{when}: zone {z.zone} is (motion {z.motion}, intensity {z.intensity}, speed "
                         f"{z.speed}, heat {z.heat}), expected all four 0 (§6 'off')")

    def zone_state(self, status: Status, zone: int) -> tuple[int, int, int, int]:
        for z in status.zones:
            if z.zone == zone:
                return (z.motion, z.intensity, z.speed, z.heat)
        return (0, 0, 0, 0)

    # --- keeping the link alive, and waiting for EVENTs ------------------------------------------

    def keepalive(self) -> None:
        """KEEPALIVE to a 1.1 device, HEARTBEAT (answered by ACK) to a 1.0 device (§5 host keep-alive)."""
        if self.caps.v11:
            self.dut.send(KEEPALIVE)
        else:
            self.ack(self.dut.request(MsgType.HEARTBEAT), MsgType.HEARTBEAT, "HEARTBEAT")

    def neutral_feed(self) -> None:
        """Feed the watchdog without touching the duplicate memory: KEEPALIVE (§3.9), or on a 1.0 device a
        HELLO of the wrong size (§3.1: NAK MALFORMED, memory neither emptied nor written)."""
        if self.caps.v11:
            self.dut.send(KEEPALIVE)
        else:
            self.nak(self.dut.request(MsgType.HELLO, b"\x01"), NakCode.MALFORMED, 0, "HELLO of 1 byte")

    def wait_event(self, code: int, within_s: float, *, feed: Callable[[], None] | None = None,
                   feed_every_s: float | None = None) -> RxFrame | None:
        """The first EVENT `code` within `within_s` (others stay pending), feeding the watchdog meanwhile."""
        deadline = self.dut.now() + within_s
        every = feed_every_s or self.caps.watchdog_s / 3
        next_feed = self.dut.now() + every
        while (event := self._take_event(code)) is None:
            now = self.dut.now()
            if now >= deadline:
                return None
            if feed is not None and now >= next_feed:
                feed()
                next_feed = now + every
                continue
            until = deadline if feed is None else min(deadline, next_feed)
            self.dut.pause(until - now, until_event=True)
        return event

    def no_event(self, codes: Collection[int], for_s: float, what: str, *,
                 feed: Callable[[], None] | None = None) -> None:
        """Failed if an EVENT with one of `codes` arrives within `for_s` from now."""
        start = len(self.dut.received)
        end = self.dut.now() + for_s
        while self.dut.now() < end:
            step = end - self.dut.now()
            self.dut.pause(step if feed is None else min(step, self.caps.watchdog_s / 3), until_event=True)
            for frame in self.dut.received[start:]:
                if frame.message is not None and frame.type == MsgType.EVENT and frame.payload[0] in codes:
                    raise Failed(f"{what}: unexpected {frame.describe()}")
            if feed is not None and self.dut.now() < end:
                feed()

    def idle(self, seconds: float, feed: Callable[[], None] | None = None) -> None:
        """Let `seconds` pass, feeding the watchdog with `feed` (keep-alives by default)."""
        self.no_event((), seconds, "idle", feed=feed or self.keepalive)

    def _take_event(self, code: int) -> RxFrame | None:
        for event in self.dut.events:
            if event.payload[:1] == bytes([code]):
                self.dut.events.remove(event)
                return event
        return None


def _state(value: int) -> str:
    try:
        return DeviceState(value).name
    except ValueError:
        return f"{value} (undefined)"
