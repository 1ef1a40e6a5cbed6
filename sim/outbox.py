"""Everything the device sends: replies (remembered for duplicates, §4), numbered events (§3.6)."""

from __future__ import annotations

from sim.faults import FaultyChannel
from sim.messages import Ack, AnyMessage, Event, Nak, encode_message
from sim.protocol import SEQ_MASK, EventCode
from sim.records import Counters, EventRecord

_SMALL = (Ack, Nak, Event)  # few distinct (seq, message) pairs, so their wire bytes are worth keeping
_MAX_CACHED = 4096


class Outbox:
    """The device's transmit side; silent from `silent_from` on (the 'awol' fault)."""

    def __init__(self, channel: FaultyChannel, counters: Counters, silent_from: float | None) -> None:
        self._channel = channel
        self._counters = counters
        self._silent_from = silent_from
        self.events: list[EventRecord] = []
        self._event_seq = 0
        self._last: tuple[int, int, bytes] | None = None
        self._wire_cache: dict[tuple[int, AnyMessage], bytes] = {}  # this device's own, never shared

    def restart(self) -> None:
        """After a reset: events count from 0 again and nothing is remembered (§3.6, §4)."""
        self._event_seq = 0
        self._last = None

    def forget(self) -> None:
        """HELLO clears the duplicate memory (§4)."""
        self._last = None

    def reply(self, seq: int, cmd_type: int, message: AnyMessage, t: float, remember: bool) -> None:
        """Answer a command with its seq; remember the answer when the header could be trusted."""
        wire = self._encode(seq, message)
        self._counters.commands_answered += 1
        self._counters.naks_sent += isinstance(message, Nak)
        if remember:
            self._last = (seq, cmd_type, wire)
        self._send(wire, t)

    def resend_if_duplicate(self, seq: int, cmd_type: int, t: float) -> bool:
        """§4: same seq and type as the last answered command → send that answer again."""
        if self._last is None or self._last[:2] != (seq, cmd_type):
            return False
        self._counters.duplicates += 1
        self._send(self._last[2], t)
        return True

    def event(self, code: EventCode, arg: int, t: float) -> None:
        """An unsolicited EVENT carrying the device's own counter in seq (§3.6)."""
        self.events.append(EventRecord(t, self._event_seq, code, arg))
        self._counters.events_sent += 1
        self._send(self._encode(self._event_seq, Event(code, arg)), t)
        self._event_seq = (self._event_seq + 1) & SEQ_MASK

    def _encode(self, seq: int, message: AnyMessage) -> bytes:
        """`encode_message`, remembering the bytes of small fixed messages (frozen, so safe to keep)."""
        if type(message) not in _SMALL:
            return encode_message(seq, message)
        key = (seq, message)
        wire = self._wire_cache.get(key)
        if wire is None:
            if len(self._wire_cache) >= _MAX_CACHED:
                self._wire_cache.clear()
            wire = self._wire_cache[key] = encode_message(seq, message)
        return wire

    def take(self, now: float) -> bytes:
        return self._channel.pop_ready(now)

    def next_ready(self) -> float | None:
        return self._channel.next_ready()

    def clear(self) -> None:
        self._channel.clear()

    def _send(self, wire: bytes, t: float) -> None:
        if self._silent_from is not None and t >= self._silent_from:
            self._counters.frames_silenced += 1
            return
        self._channel.push(wire, t)
