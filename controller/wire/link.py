"""The host side of the protocol: request/response by sequence number, retries, events (§4, §5).

The link holds a transport (anything with write / read(max_bytes, timeout_s) / close) and never owns a
thread: whoever drives it (the runner) calls `request` and `poll`. Replies are matched by seq and type;
stale and duplicated replies are counted and dropped; events go to a callback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from controller.clock import Clock
from controller.errors import (
    DeviceRejected,
    LinkClosed,
    LinkTimeout,
    NotAMassager,
    ProtocolError,
    VersionMismatch,
)
from controller.wire import codec
from controller.wire.capabilities import DeviceCapabilities, Zone
from controller.wire.handshake import refuse_unusable
from controller.wire.protocol import (
    MAX_ZONES,
    MOTION_NAMES,
    PROTOCOL_MAJOR,
    Ack,
    EmergencyStop,
    Event,
    Frame,
    GetStatus,
    GetZone,
    Heartbeat,
    Hello,
    HelloReply,
    Message,
    Nak,
    NakCode,
    SetActuators,
    SetEntry,
    SoftStop,
    Status,
    ZoneInfo,
)
from controller.wire.timing import REPLY_TIMEOUT_S, TRIES

log = logging.getLogger(__name__)
_M = TypeVar("_M")


def _expect(reply: Message, kind: type[_M]) -> _M:
    """Narrow a reply to the type `request` matched it against."""
    if not isinstance(reply, kind):
        raise ProtocolError(f"expected {kind.__name__}, got {type(reply).__name__}")
    return reply


class Transport(Protocol):
    """What the link needs of a port: controller/wire/transport.py's SerialTransport, or the simulator's."""

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

NAK_MESSAGES: dict[int, str] = {
    NakCode.BAD_CRC: "the device received a corrupted frame",
    NakCode.MALFORMED: "the device found a malformed frame",
    NakCode.UNKNOWN_TYPE: "the device does not know this command",
    NakCode.BAD_VERSION: "the device speaks another protocol version",
    NakCode.OUT_OF_RANGE: "a value is outside the device's range",
    NakCode.UNSUPPORTED_ZONE: "the device has no such zone",
    NakCode.UNSUPPORTED_MOTION: "the device cannot do this motion",
    NakCode.OVERHEAT: "the device is overheated and has stopped; let it cool",
    NakCode.BUSY: "the device is busy finishing a stop",
    NakCode.NOT_READY: "the device is not ready (no handshake, or it stopped on its own)",
    NakCode.ESTOP_LATCHED: "the device's emergency stop is latched",
    NakCode.SESSION_LIMIT: "the device's own session limit was reached",
    NakCode.ZONE_STUCK: "a zone's drive reports a fault",
}


@dataclass
class LinkCounters:
    """What the link saw, for logs and benchmarks."""

    sent: int = 0
    retransmits: int = 0
    replies: int = 0
    stale_replies: int = 0
    events: int = 0
    naks: int = 0
    garbage_bytes: int = 0
    rejected_frames: int = 0
    extra: dict[str, int] = field(default_factory=dict)


class Link:
    """Speaks firmware_protocol.md over a transport.

    Every command below raises, as `request` does: LinkTimeout when the device does not answer after
    every retry, LinkClosed when the port is gone (or the link closed), DeviceRejected when the device
    answers NAK (carrying its code), ProtocolError when a reply is not the one the command expects.
    """

    def __init__(
        self,
        transport: Transport,
        clock: Clock,
        *,
        reply_timeout_s: float = REPLY_TIMEOUT_S,
        tries: int = TRIES,
        on_event: Callable[[Event], None] | None = None,
        trace: Callable[[str, object], None] | None = None,
    ) -> None:
        self.transport = transport
        self.clock = clock
        self.reply_timeout_s = reply_timeout_s
        self.tries = tries
        self.on_event = on_event
        self.trace = trace
        self.counters = LinkCounters()
        self.last_tx = float("-inf")
        self.capabilities: DeviceCapabilities | None = None
        self._seq = 0
        self._decoder = codec.FrameDecoder()
        self._closed = False

    # --- the commands -------------------------------------------------------------------------

    def handshake(self) -> DeviceCapabilities:
        """HELLO, then GET_ZONE per zone; NotAMassager or VersionMismatch when it is not one of ours."""
        self._write(b"\x00")  # flush any half frame the device holds (§2.2)
        try:
            reply = self.request(Hello())
        except LinkTimeout as err:
            raise NotAMassager(
                f"no massager handshake reply from {self._port_name()}: is this the right port, "
                "and is the device powered on?") from err
        caps = self._capabilities(_expect(reply, HelloReply))
        self.capabilities = caps
        return caps

    def set_actuators(self, entries: tuple[SetEntry, ...]) -> None:
        """SET (§3.3): each entry's zone holds exactly that state for its lease; raises as `request`."""
        self.request(SetActuators(entries))

    def soft_stop(self, ramp_ms: int) -> None:
        """SOFT_STOP (§3.4): every zone ramps off over `ramp_ms`, then EVENT STOPPED; raises as `request`."""
        self.request(SoftStop(ramp_ms))

    def emergency_stop(self) -> None:
        """ESTOP (§6.3): everything off at once, latched until the next handshake; raises as `request`."""
        self.request(EmergencyStop())

    def heartbeat(self) -> None:
        """HEARTBEAT (§6.1): the host is still there; raises as `request`."""
        self.request(Heartbeat())

    def status(self) -> Status:
        """GET_STATUS (§3.7): state, faults, plate temperature and each zone; raises as `request`."""
        return _expect(self.request(GetStatus()), Status)

    def close(self) -> None:
        """Close the transport; commands after it raise LinkClosed. Closing twice is harmless."""
        if not self._closed:
            self._closed = True
            self.transport.close()

    # --- request / response -------------------------------------------------------------------

    def request(self, msg: Message) -> Message:
        """Send `msg`, retransmitting the same bytes on timeout; return the matching reply (§4).

        Raises LinkTimeout after `tries` sends without an answer, LinkClosed when the port is gone,
        DeviceRejected for a NAK (a NAK BAD_CRC is retried instead).
        """
        self._seq = (self._seq + 1) & 0xFF
        seq = self._seq
        wire = codec.encode_frame(seq, msg)
        for attempt in range(self.tries):
            if attempt:
                self.counters.retransmits += 1
            self._write(wire)
            self._trace("tx", Frame(seq, msg))
            reply = self._await_reply(seq, msg)
            if reply is None:
                continue
            if isinstance(reply, Nak):
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

    def _await_reply(self, seq: int, msg: Message) -> Message | None:
        deadline = self.clock.now() + self.reply_timeout_s
        while True:
            remaining = deadline - self.clock.now()
            if remaining <= 0:
                return None
            for frame in self._read_frames(remaining):
                if frame.seq == seq and self._answers(msg, frame.message):
                    self.counters.replies += 1
                    return frame.message
                self._dispatch_unsolicited(frame)

    @staticmethod
    def _answers(msg: Message, reply: Message) -> bool:
        if isinstance(reply, Nak):
            return True
        expected = _REPLY_TYPE.get(type(msg), Ack)
        if not isinstance(reply, expected):
            return False
        return not isinstance(reply, Ack) or reply.acked_type == msg.TYPE

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
        frames: list[Frame] = []
        for outcome in self._decoder.feed(data):
            if isinstance(outcome, Frame):
                self._trace("rx", outcome)
                frames.append(outcome)
            else:
                self.counters.rejected_frames += 1
                log.debug("rejected frame: %s", outcome.reason)
        self.counters.garbage_bytes = self._decoder.garbage_bytes
        return frames

    def _write(self, data: bytes) -> None:
        if self._closed:
            raise LinkClosed("the link is closed")
        try:
            self.transport.write(data)
        except OSError as err:
            raise LinkClosed(f"lost {self._port_name()}: {err} (device unplugged?)") from err
        self.counters.sent += 1
        self.last_tx = self.clock.now()

    def _trace(self, direction: str, frame: Frame) -> None:
        if self.trace is not None:
            self.trace(direction, frame)

    def _port_name(self) -> str:
        return str(getattr(self.transport, "port_name", "the device"))

    # --- handshake helpers --------------------------------------------------------------------

    def _capabilities(self, hello: HelloReply) -> DeviceCapabilities:
        if hello.major != PROTOCOL_MAJOR:
            raise VersionMismatch(
                f"the device speaks protocol {hello.major}.{hello.minor}; this massagectl speaks "
                f"{PROTOCOL_MAJOR}.x: update the firmware or massagectl")
        if not 1 <= hello.zone_count <= MAX_ZONES or hello.intensity_max < 1 or hello.speed_max < 1:
            raise ProtocolError(
                f"malformed handshake: {hello.zone_count} zones, intensity_max {hello.intensity_max}, "
                f"speed_max {hello.speed_max}")
        zones = tuple(self._zone(i) for i in range(hello.zone_count))
        refuse_unusable(hello, zones)  # §3.2 "What a host refuses", before any actuator frame
        return DeviceCapabilities(
            model=hello.model, firmware=hello.firmware, serial=hello.serial, simulator=hello.simulator,
            protocol=(hello.major, hello.minor), zones=zones,
            motions=tuple(MOTION_NAMES[m] for m in hello.motions if m in MOTION_NAMES),
            intensity_max=hello.intensity_max, speed_max=hello.speed_max, heat_max=hello.heat_max,
            max_temp_c=hello.max_temp_dC / 10, max_session_s=hello.max_session_s,
            watchdog_ms=hello.watchdog_ms, max_lease_ms=hello.max_lease_ms,
            boot_count=hello.boot_count, reset_cause=hello.reset_cause)

    def _zone(self, index: int) -> Zone:
        info = _expect(self.request(GetZone(index)), ZoneInfo)
        if info.index != index:
            raise ProtocolError(f"asked for zone {index}, the device described zone {info.index}")
        return Zone(info.zone, info.name, info.heated)

    @staticmethod
    def _nak_text(msg: Message, nak: Nak) -> str:
        reason = NAK_MESSAGES.get(nak.code, f"unknown NAK code {nak.code}")
        return f"the device refused {msg.TYPE.name}: {reason} (detail {nak.detail})"
