"""Parts for testing what the host puts on the wire: a 1.0 device, a transport that records every frame
and can claim a line rate, and a run built from them on the virtual clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from controller.clock import VirtualClock
from controller.program.library import program_folders, resolve_program
from controller.runs import check_run, make_session, prepare_timeline
from controller.runs.player import Player, Snapshot
from controller.runs.session import Session
from controller.wire import codec
from controller.wire.link import Link
from controller.wire.protocol import Frame, MsgType
from sim.device import Device
from sim.faults import FaultPlan
from sim.messages import AnyMessage, GetStatus, Nak
from sim.pair import SimTransport
from sim.profiles import FOOT, Profile
from sim.protocol import NakCode
from sim.replies import HelloReply
from sim.rules import header_nak
from sim.wire import Frame as SimFrame


class Device10(Device):
    """A device that speaks 1.0 only (§3: a 1.0 device answers KEEPALIVE and RENEW with NAK
    UNKNOWN_TYPE, and a GET_STATUS with a payload with NAK MALFORMED); `v11_frames` counts them."""

    v11_frames = 0

    def _on_frame(self, frame: SimFrame, t: float) -> None:
        if frame.type in (MsgType.KEEPALIVE, MsgType.RENEW) and header_nak(frame) is None:
            self.v11_frames += 1
            self.counters.frames_received += 1
            if self._watchdog_deadline is not None:
                self._arm_watchdog(t)
            if not self._is_duplicate(frame, t):
                self._reply(frame, Nak(NakCode.UNKNOWN_TYPE, frame.type), t)
            return
        super()._on_frame(frame, t)

    def _on_get_status(self, frame: SimFrame, msg: GetStatus, t: float) -> None:
        if msg.flags is not None:
            self.v11_frames += 1
            self._reply(frame, Nak(NakCode.MALFORMED, 0), t)
            return
        super()._on_get_status(frame, msg, t)

    def _reply(self, frame: SimFrame, message: AnyMessage, t: float) -> None:
        if isinstance(message, HelloReply):
            message = replace(message, minor=0)
        super()._reply(frame, message, t)


@dataclass
class Recorder:
    """The host's end of the cable, noting (virtual time, frame) each way; `line_baud` as a serial port's."""

    inner: SimTransport
    clock: VirtualClock
    line_baud: int | None = None
    drop_events: bool = False  # lose every EVENT on its way to the host
    sent: list[tuple[float, Frame]] = field(default_factory=list)
    received: list[tuple[float, Frame]] = field(default_factory=list)
    bytes_sent: list[tuple[float, int]] = field(default_factory=list)
    bytes_received: list[tuple[float, int]] = field(default_factory=list)

    def write(self, data: bytes) -> None:
        self._note(data, self.sent, self.bytes_sent)
        self.inner.write(data)

    def read(self, max_bytes: int, timeout_s: float) -> bytes:
        data = self.inner.read(max_bytes, timeout_s)
        if self.drop_events:
            data = b"".join(p + b"\x00" for p in data.split(b"\x00")[:-1]
                            if codec.decode_frame(p).message.TYPE != MsgType.EVENT)
        self._note(data, self.received, self.bytes_received)
        return data

    def close(self) -> None:
        self.inner.close()

    def _note(self, data: bytes, frames: list[tuple[float, Frame]], sizes: list[tuple[float, int]]) -> None:
        now = self.clock.now()
        for piece in data.split(b"\x00")[:-1]:
            sizes.append((now, len(piece) + 1))
            if piece:
                frames.append((now, codec.decode_frame(piece)))

    def sent_types(self) -> list[MsgType]:
        return [f.message.TYPE for _t, f in self.sent]


@dataclass
class WireRun:
    clock: VirtualClock
    device: Device
    wire: Recorder
    session: Session
    player: Player
    states: list[tuple[float, str]]
    notes: list[str]


def build(program: str = "sleep", *, profile: Profile = FOOT, device_class: type[Device] = Device,
          faults: FaultPlan | None = None, line_baud: int | None = None,
          on_tick: Callable[[WireRun, Snapshot], None] | None = None) -> WireRun:
    """A program ready to play on the virtual clock, every frame recorded, every state change timed."""
    clock = VirtualClock()
    device = device_class(profile, clock.now(), faults=faults)
    wire = Recorder(SimTransport(clock, device), clock, line_baud)
    plan = check_run(resolve_program(program, program_folders([])), None, acknowledged=True)
    states: list[tuple[float, str]] = []
    session = make_session(lambda: Link(wire, clock), clock, plan.policy,
                           on_state=lambda state, _kind: states.append((clock.now(), state)))
    timeline, _ = prepare_timeline(session, plan)
    holder: list[WireRun] = []
    tick = (lambda snap: on_tick(holder[0], snap)) if on_tick else None
    notes: list[str] = []
    player = Player(session, timeline, session_limit_s=plan.policy.session_limit_s, on_tick=tick,
                    on_note=notes.append)
    holder.append(WireRun(clock, device, wire, session, player, states, notes))
    return holder[0]


def windows(log: list[tuple[float, int]]) -> list[int]:
    """Bytes in (t − 1 s, t] for every logged moment t."""
    out, total, lo = [], 0, 0
    for t, n in log:
        total += n
        while log[lo][0] <= t - 1.0:
            total -= log[lo][1]
            lo += 1
        out.append(total)
    return out
