"""A device's live state as the page draws it: DeviceStatus as JSON, and the body map it lights.

The maps are the terminal view's (controller/view.py) drawn as SVG: the sole of a right foot, toes up, big
toe and the spine line on the inner side (DOMAIN.md), and a chair seen from the front, head to feet. A
zone that is on is lit three ways — a hatched fill, a heavy outline and its intensity as a number — so
colour is never the only signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from controller.service.api import Command, DeviceStatus
from controller.timetext import clock_text


@dataclass(frozen=True, slots=True)
class ZoneBox:
    """Where a zone sits on its map (SVG user units; the map is 220 × 460)."""

    zone: str
    x: int
    y: int
    w: int
    h: int

    @property
    def cx(self) -> float:
        return self.x + self.w / 2


FOOT_OUTLINE = ("M70 12 C40 12 22 40 24 90 C26 150 22 210 30 260 C36 330 56 368 110 368 "
                "C164 368 196 330 196 270 C198 200 200 140 198 90 C196 40 176 12 140 12 Z")
FOOT_MAP = (
    ZoneBox("big_toe_pad", 32, 20, 62, 56), ZoneBox("toe_tips", 100, 20, 90, 42),
    ZoneBox("ball", 36, 84, 152, 42), ZoneBox("diaphragm", 36, 132, 152, 26),
    ZoneBox("spine_arch", 32, 166, 58, 112), ZoneBox("kidney", 96, 178, 52, 52),
    ZoneBox("outer_edge", 154, 166, 40, 112), ZoneBox("heel", 62, 290, 96, 66),
    ZoneBox("ankle", 14, 380, 92, 34), ZoneBox("instep", 114, 380, 92, 34),
    ZoneBox("calf", 62, 420, 96, 34),
)
CHAIR_OUTLINE = "M40 50 L180 50 L180 245 L200 250 L200 310 L20 310 L20 250 L40 245 Z"
CHAIR_MAP = (
    ZoneBox("neck", 80, 8, 60, 34), ZoneBox("shoulders", 44, 56, 132, 46),
    ZoneBox("upper_back", 52, 110, 116, 62), ZoneBox("lower_back", 52, 180, 116, 60),
    ZoneBox("seat", 28, 252, 164, 52), ZoneBox("calves", 62, 318, 96, 70),
    ZoneBox("feet", 62, 396, 96, 50),
)
STATE_LABELS = {
    "disconnected": "○ disconnected", "connecting": "◌ connecting", "ready": "● ready",
    "running": "▶ running", "paused": "❚❚ paused", "stopping": "◼ stopping (ramping down)",
    "fault": "⚠ fault", "emergency_stop": "■ EMERGENCY STOP",
}
BUTTONS: tuple[tuple[Command, str, str], ...] = (   # command, visible text, what it does (for its label)
    (Command.TOGGLE_PAUSE, "❚❚ Pause", "Pause or resume"),
    (Command.INTENSITY_DOWN, "− Intensity", "Intensity down"),
    (Command.INTENSITY_UP, "+ Intensity", "Intensity up"),
    (Command.SKIP, "» Skip step", "Skip to the next step"),
    (Command.STOP, "◼ Stop", "Stop (a 3-second ramp down)"),
    (Command.CLEAR, "↺ Clear", "Clear the emergency stop or fault and reconnect"),
)


def device_map(kind: str) -> tuple[str, tuple[ZoneBox, ...]]:
    """The outline and zones to draw for a device of `kind` ("foot" or "chair")."""
    return (CHAIR_OUTLINE, CHAIR_MAP) if kind == "chair" else (FOOT_OUTLINE, FOOT_MAP)


def state_label(state: str) -> str:
    """A state in words with a symbol, as the page shows it."""
    return STATE_LABELS.get(state, state.replace("_", " "))


def status_json(status: DeviceStatus) -> dict[str, Any]:
    """Everything the page shows of one device, ready to draw (text already worded)."""
    drawn = {z.zone for z in device_map(status.kind)[1]}
    return {
        "type": "status", "device": status.device_id, "revision": status.revision, "name": status.name,
        "kind": status.kind, "state": status.state, "state_text": state_label(status.state),
        "program": status.program_name, "program_id": status.program_id,
        "step": status.step, "step_name": status.step_name, "next_step_name": status.next_step_name,
        "position_s": round(status.position_s, 2), "total_s": round(status.total_s, 2),
        "elapsed_text": clock_text(status.position_s), "remaining_text": clock_text(status.remaining_s),
        "offset": status.intensity_offset,
        "zones": [{"zone": z.zone, "motion": z.motion, "intensity": z.intensity, "speed": z.speed,
                   "heat": z.heat, "on_map": z.zone in drawn} for z in status.zones],
        "temperature_c": None if status.temperature_c is None else round(status.temperature_c, 1),
        "fault": status.fault, "note": status.note, "remote_start": status.remote_start,
    }
