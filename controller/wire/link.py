"""The host side of the protocol: request/response by sequence number, retries, events (§4, §5, §9).

The link holds a transport (anything with write / read(max_bytes, timeout_s) / close) and never owns a
thread: whoever drives it (the session) calls its commands and `poll`. Replies are matched by seq and type;
stale and duplicated replies are counted and dropped; events go to a callback.

It speaks 1.1 to a device whose HELLO_REPLY says minor ≥ 1 and 1.0 otherwise (§3.1): `keep_alive`, `renew`
and `status` pick the form the device knows. While it waits for an answer it keeps a 1.1 device's watchdog
fed with KEEPALIVE, and it declares the link lost once nothing has come from the device for LOST_AFTER_S
(§9) — the host asks something that needs an answer at least every ASK_EVERY_S, so a silent device is
noticed within a second at any line rate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from controller.clock import Clock
from controller.errors import DeviceRejected, LinkClosed, LinkTimeout, NotAMassager, ProtocolError
from controller.wire import codec, handshake
from controller.wire.capabilities import DeviceCapabilities, Zone
from controller.wire.protocol import (
    NAK_MESSAGES,
    PROTOCOL_MINOR,
    STATUS_FLAG_ONLY_ON,
    Ack,
    EmergencyStop,
    Event,
    Frame,
    GetStatus,
    GetZone,
    Heartbeat,
    Hello,
    HelloReply,
    KeepAlive,
    Message,
    Nak,
    NakCode,
    Renew,
    SetActuators,
    SetEntry,
    SoftStop,
    Status,
    ZoneInfo,
)
from controller.wire.timing import ASK_EVERY_S, LOST_AFTER_S, TRIES, Cadence, reply_timeout_for

log = logging.getLogger(__name__)
_M = TypeVar("_M")
_NEVER = float("-inf")


def _expect(reply: Message, kind: type[_M]) -> _M:
    """Narrow a reply to the type `request` matched it against."""
    if not isinstance(reply, kind):
        raise ProtocolError(f"expected {kind.__name__}, got {type(reply).__name__}")
    return reply


class Transport(Protocol):
    """What the link needs of a port: controller/wire/transport.py's SerialTransport, or the simulator's.

    A transport on a serial line also says its rate as `line_baud` (None, or absent, where none applies).
    """

    def write(self, data: bytes) -> None:
        """Send bytes now; OSError (or LinkClosed) when the port is gone."""
        ...

    def read(self, max_bytes: int, timeout_s: float) -> bytes:
        """Whatever arrives first, up to max_bytes; b"" after timeout_s with nothing."""
        ...

    def close(self) -> None:
        """Release the port; never raises."""
        ...


_REPLY_TYPE: dict[type, type] = {Hello: HelloReply, GetStatus: Status, GetZone: ZoneInfo}

@dataclass
class LinkCounters:
    """What the link saw, for logs and benchmarks."""

    sent: int = 0
    retransmits: int = 0
    replies: int = 0
    stale_replies: int = 0
    events: int = 0
    naks: int = 0
    keepalives: int = 0
    garbage_bytes: int = 0
    rejected_frames: int = 0


class Link:
    """Speaks firmware_protocol.md over a transport.

    Every command below raises, as `request` does: LinkTimeout when the device does not answer after
    every retry (or falls silent for LOST_AFTER_S), LinkClosed when the port is gone (or the link
    closed), DeviceRejected when the device answers NAK (carrying its code), ProtocolError when a reply is
    not the one the command expects.
    """

    def __init__(
        self,
        transport: Transport,
        clock: Clock,
        *,
        reply_timeout_s: float | None = None,
        tries: int = TRIES,
        on_event: Callable[[Event], None] | None = None,
        trace: Callable[[str, object], None] | None = None,
    ) -> None:
        self.transport = transport
        self.clock = clock
        self.line_baud: int | None = getattr(transport, "line_baud", None)
        self._line_timeout_s = reply_timeout_s or reply_timeout_for(self.line_baud)
        self.reply_timeout_s = self._line_timeout_s  # and shorter for a short lease (plan_cadence)
        self.tries = tries
        self.on_event = on_event
        self.trace = trace
        self.counters = LinkCounters()
        self.last_tx = _NEVER
        self.heard_at = _NEVER     # the last valid frame from the device
        self.asked_at = _NEVER     # the first send of the last request that needs an answer
        self.capabilities: DeviceCapabilities | None = None
        self.minor = 0             # the protocol minor both sides speak: 1.0 until a HELLO_REPLY says more
        self.cadence = Cadence()
        self._watching = False     # after a handshake: a silent device is a lost link (LOST_AFTER_S)
        self._pacer: handshake.Pacer | None = None
        self._seq = 0
        self._decoder = codec.FrameDecoder()
        self._closed = False
        self._send_keepalive_bytes = getattr(transport, "write_keepalive", transport.write)
        self.opened_at = clock.now()
        self.boot_grace_s = 0.0    # HELLO is asked again until this long after opening (ports.open_link)

    # --- the commands -------------------------------------------------------------------------

    def handshake(self) -> DeviceCapabilities:
        """HELLO, then GET_ZONE per zone (paced on a slow line); every §3.2 check before returning.

        NotAMassager when nothing answers, VersionMismatch or ProtocolError for a device this host must
        refuse, UnsupportedDevice for one whose limits it cannot keep at this line rate.
        """
        self._watching = False
        self._pacer = handshake.Pacer(self.line_baud) if self.line_baud else None
        try:
            return self._handshake()
        finally:
            self._pacer = None

    def set_actuators(self, entries: tuple[SetEntry, ...]) -> None:
        """SET (§3.3): each entry's zone holds exactly that state for its lease; raises as `request`."""
        self.request(SetActuators(entries))

    def renew(self, lease_ms: int, indices: tuple[int, ...]) -> None:
        """RENEW (§3.10, 1.1): restart the leases of the zones at these ZONE_INFO indices.

        DeviceRejected with code ZONE_OFF when one of them is off; raises as `request`.
        """
        self.request(Renew(lease_ms, indices))

    def soft_stop(self, ramp_ms: int) -> None:
        """SOFT_STOP (§6.7): every zone ramps off over `ramp_ms`, then EVENT STOPPED; raises as `request`."""
        self.request(SoftStop(ramp_ms))

    def emergency_stop(self) -> None:
        """ESTOP (§6.3): everything off at once, latched until the next handshake; raises as `request`."""
        self.request(EmergencyStop())

    def heartbeat(self) -> None:
        """HEARTBEAT (§6.1): the host is still there, answered; raises as `request`."""
        self.request(Heartbeat())

    def keep_alive(self, next_request_at: float = float("inf")) -> None:
        """Feed the watchdog (§6.1): KEEPALIVE, never answered, to a 1.1 device while some request will
        still prove the link alive within ASK_EVERY_S of the last (the next keep-alive, or the request
        the caller has due at `next_request_at`); otherwise HEARTBEAT. Raises as `request`."""
        soon = min(self.clock.now() + self.cadence.keepalive_s, next_request_at)
        if self.minor and soon <= self.asked_at + ASK_EVERY_S:
            self._send_keepalive()
        else:
            self.request(Heartbeat())

    def status(self, only_on: bool = False) -> Status:
        """GET_STATUS (§3.4): state, faults, plate temperature and the zones — with `only_on`, only the
        zones that are on where the device speaks 1.1 (a zone not listed is off); raises as `request`."""
        flags = STATUS_FLAG_ONLY_ON if only_on and self.minor else None
        return _expect(self.request(GetStatus(flags)), Status)

    def runs_ahead(self) -> bool:
        """Whether the transport runs ahead of real time (controller/runs/fastpath.py); a port never does."""
        return bool(getattr(self.transport, "runs_ahead", bool)())

    def close(self) -> None:
        """Close the transport; commands after it raise LinkClosed. Closing twice is harmless."""
        if not self._closed:
            self._closed = True
            self.transport.close()

    # --- request / response -------------------------------------------------------------------

    def request(self, msg: Message) -> Message:
        """Send `msg`, retransmitting the same bytes on timeout; return the matching reply (§4).

        Raises LinkTimeout after `tries` sends without an answer, or once the device has been silent for
        LOST_AFTER_S; LinkClosed when the port is gone; DeviceRejected for a NAK (a NAK BAD_CRC is
        retried instead).
        """
        seq = self._seq = (self._seq + 1) & 0xFF
        wire = codec.encode_frame(seq, msg)
        expected = _REPLY_TYPE.get(type(msg), Ack)
        for attempt in range(self.tries):
            self._write(wire)
            if attempt:
                self.counters.retransmits += 1
            else:
                self.asked_at = self.last_tx
            if self.trace is not None:
                self.trace("tx", Frame(seq, msg))
            reply = self._await_reply(seq, msg, expected)
            if reply is None:
                continue
            if type(reply) is Nak:
                if reply.code == NakCode.BAD_CRC:
                    continue
                self.counters.naks += 1
                raise DeviceRejected(self._nak_text(msg, reply), reply.code, reply.detail)
            return reply
        raise LinkTimeout(
            f"the massager did not answer {msg.TYPE.name} after {self.tries} tries "
            f"on {self._port_name()}: check the cable and power")

    def poll(self, timeout_s: float = 0.0) -> None:
        """Read what has arrived (waiting up to timeout_s) and dispatch events; LinkClosed when gone."""
        for frame in self._read_frames(timeout_s):
            self._dispatch_unsolicited(frame)

    def _await_reply(self, seq: int, msg: Message, expected: type) -> Message | None:
        """The reply to `msg`, or None after one reply timeout; keep-alives to a 1.1 device meanwhile."""
        deadline = self.last_tx + self.reply_timeout_s
        lost_at = float("inf")
        if self._watching:
            lost_at = max(self.heard_at, self.asked_at - ASK_EVERY_S) + LOST_AFTER_S
            deadline = min(deadline, lost_at)
        while True:
            now = self.clock.now()
            if now >= deadline:
                if now >= lost_at:
                    raise LinkTimeout(
                        f"the massager fell silent for {LOST_AFTER_S:g} s on {self._port_name()} "
                        f"(no answer to {msg.TYPE.name}): check the cable and power")
                return None
            wake = deadline
            if self.minor:  # a 1.1 device's watchdog is fed while the host waits
                if now >= self.last_tx + self.cadence.keepalive_s:
                    self._send_keepalive()
                wake = min(wake, self.last_tx + self.cadence.keepalive_s)
            for frame in self._read_frames(wake - now):
                reply = frame.message
                kind = type(reply)
                if frame.seq == seq and (kind is Nak or kind is expected and (
                        kind is not Ack or reply.acked_type == msg.TYPE)):  # type: ignore[union-attr]
                    self.counters.replies += 1
                    return reply
                self._dispatch_unsolicited(frame)

    def _dispatch_unsolicited(self, frame: Frame) -> None:
        if isinstance(frame.message, Event):
            self.counters.events += 1
            if self.on_event is not None:
                self.on_event(frame.message)
        else:
            self.counters.stale_replies += 1

    def _read_frames(self, timeout_s: float) -> list[Frame]:
        if self._closed:
            raise LinkClosed("the link is closed")
        try:
            data = self.transport.read(4096, timeout_s)
        except OSError as err:
            raise LinkClosed(f"lost {self._port_name()}: {err} (device unplugged?)") from err
        if not data:
            return []
        frames = self._decoder.feed_frames(data)
        decoder = self._decoder
        if decoder.rejected or decoder.garbage_bytes:
            self._count_rejects()
        if frames:
            self.heard_at = self.clock.now()
            if self.trace is not None:
                for frame in frames:
                    self.trace("rx", frame)
        if self._pacer is not None:
            self._pacer.note("rx", self.clock.now(), len(data))
        return frames

    def _count_rejects(self) -> None:
        decoder = self._decoder
        for reason in decoder.take_reasons():
            log.debug("rejected frame: %s", reason)
        self.counters.rejected_frames = decoder.rejected
        self.counters.garbage_bytes = decoder.garbage_bytes

    def _send_keepalive(self) -> None:
        """KEEPALIVE (§3.9, 1.1): numbered like any frame, never answered, never retransmitted."""
        self._seq = (self._seq + 1) & 0xFF  # a transport may take it its own way (sim: write_keepalive)
        self._write(codec.keepalive_frame(self._seq), self._send_keepalive_bytes)
        self.counters.keepalives += 1
        if self.trace is not None:
            self.trace("tx", Frame(self._seq, KeepAlive()))

    def _write(self, data: bytes, send: Callable[[bytes], None] | None = None) -> None:
        if self._closed:
            raise LinkClosed("the link is closed")
        try:
            (send or self.transport.write)(data)
        except OSError as err:
            raise LinkClosed(f"lost {self._port_name()}: {err} (device unplugged?)") from err
        self.counters.sent += 1
        self.last_tx = self.clock.now()
        if self._pacer is not None:
            self._pacer.note("tx", self.last_tx, len(data))

    def _port_name(self) -> str:
        return str(getattr(self.transport, "port_name", "the device"))

    @staticmethod
    def _nak_text(msg: Message, nak: Nak) -> str:
        reason = NAK_MESSAGES.get(nak.code, f"unknown NAK code {nak.code}")
        return f"the device refused {msg.TYPE.name}: {reason} (detail {nak.detail})"

    # --- the handshake ------------------------------------------------------------------------

    def _hello(self) -> Message:
        """HELLO, after a zero byte that ends any half frame the device holds (§2.2); asked again until
        `boot_grace_s` after the port opened, for a board that resets as it is opened. NotAMassager when
        nothing answers."""
        while True:
            self._write(b"\x00")
            try:
                return self.request(Hello())
            except LinkTimeout as err:
                if self.clock.now() < self.opened_at + self.boot_grace_s:
                    continue
                waited = f" (asked for {self.boot_grace_s:g} s after opening)" if self.boot_grace_s else ""
                raise NotAMassager(
                    f"no massager handshake reply from {self._port_name()}{waited}: is this the right port, "
                    "and is the device powered on?") from err

    def _handshake(self) -> DeviceCapabilities:
        self.minor = 0
        self.reply_timeout_s = self._line_timeout_s
        hello = _expect(self._hello(), HelloReply)
        handshake.check_hello(hello)
        self.minor = min(PROTOCOL_MINOR, hello.minor)
        self.cadence = handshake.plan_cadence(hello, self.minor, self.line_baud)
        self.reply_timeout_s = min(self._line_timeout_s, self.cadence.reply_timeout_s)
        seen: set[int] = set()
        zones = tuple(handshake.check_zone(i, self._zone_info(i), seen) for i in range(hello.zone_count))
        caps = self.capabilities = handshake.capabilities(hello, zones)
        self._watching = True
        return caps

    def _zone_info(self, index: int) -> ZoneInfo:
        """GET_ZONE `index`, once the pacer says the line has room; keep-alives while it waits, and they
        count too, so the pacer is asked again after each wait (plan_cadence refused a device whose
        keep-alives alone would leave no room, so the room comes)."""
        while self._pacer is not None:
            ready = self._pacer.ready_at(self.clock.now(), handshake.GET_ZONE_BYTES,
                                         handshake.ZONE_INFO_MAX_BYTES)
            if ready <= self.clock.now():
                break
            self._idle_until(ready)
        return _expect(self.request(GetZone(index)), ZoneInfo)

    def _idle_until(self, until: float) -> None:
        """Wait for `until`, reading events and keeping the device's watchdog fed (§6.1)."""
        while (now := self.clock.now()) < until:
            keep_at = self.last_tx + self.cadence.keepalive_s
            if now >= keep_at:
                self.keep_alive()
                continue
            self.poll(min(until, keep_at) - now)


def zone_indices(caps: DeviceCapabilities) -> dict[int, int]:
    """Zone id → its ZONE_INFO index: RENEW names zones by index (§3.10)."""
    return {zone.id: i for i, zone in enumerate(caps.zones)}


__all__ = ["Link", "LinkCounters", "Transport", "Zone", "zone_indices"]
