"""The foot (or chair) outline with each zone lit by its intensity, for the live view."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from controller.timeline import ZoneSetting
from controller.wire.capabilities import DeviceCapabilities


@dataclass(frozen=True, slots=True)
class MapRow:
    """Zones side by side on one line of the outline, between its left and right edges."""

    zones: tuple[str, ...]
    indent: int = 0
    left: str = ""
    right: str = ""


MAP_WIDTH = 38
# The sole of a right foot, toes up: big toe and the spine line on the inner side, as DOMAIN.md places them.
FOOT_MAP: tuple[MapRow | str, ...] = (
    "   _.-~~-._.-~-._.-~-._.-~-._.-~-._",
    MapRow(("big_toe_pad", "toe_tips"), 1, "(", ")"),
    MapRow(("ball",), 1, "|", "|"),
    MapRow(("diaphragm",), 1, "|", "|"),
    MapRow(("spine_arch", "outer_edge"), 1, "|", "|"),
    MapRow(("kidney",), 2, "\\", "/"),
    MapRow(("heel",), 3, "\\", "/"),
    "       '.______________________.'",
    MapRow(("ankle", "instep")),
    MapRow(("calf",)),
)
# A chair seen from the front, head to feet.
CHAIR_MAP: tuple[MapRow | str, ...] = (
    MapRow(("neck",)),
    MapRow(("shoulders",), 3, "╭─", "─╮"),
    MapRow(("upper_back",), 3, "│", "│"),
    MapRow(("lower_back",), 3, "│", "│"),
    MapRow(("seat",), 3, "╰─", "─╯"),
    MapRow(("calves",)),
    MapRow(("feet",)),
)
_CHAIR_ZONES = {z for row in CHAIR_MAP if isinstance(row, MapRow) for z in row.zones}


def map_layout(caps: DeviceCapabilities) -> tuple[MapRow | str, ...]:
    """The chair's map when the device has chair zones, else the foot's; zones off the map get a row."""
    layout = CHAIR_MAP if _CHAIR_ZONES & set(caps.zone_names) else FOOT_MAP
    drawn = {z for row in layout if isinstance(row, MapRow) for z in row.zones}
    extra = tuple(z for z in caps.zone_names if z not in drawn)
    return layout + ((MapRow(extra),) if extra else ())


def intensity_colour(intensity: int, intensity_max: int) -> str:
    """Green, yellow, red by thirds of the device's range."""
    ratio = intensity / max(1, intensity_max)
    return "green" if ratio <= 1 / 3 else "yellow" if ratio <= 2 / 3 else "red"


def zone_slot(name: str, setting: ZoneSetting | None, caps: DeviceCapabilities) -> Text:
    """A zone's label: dim when off, highlighted with its intensity (or heat level) when on."""
    width = max(2, len(str(caps.intensity_max)))
    if setting is None:
        return Text(f" {name} {'':>{width}} ", style="dim")
    if setting.intensity:
        value, colour = str(setting.intensity), intensity_colour(setting.intensity, caps.intensity_max)
    else:
        value, colour = f"h{setting.heat}", "dark_orange"
    return Text(f" {name} {value:>{width}} ", style=f"bold black on {colour}")


def render_map(caps: DeviceCapabilities, settings: tuple[ZoneSetting, ...]) -> Text:
    """The device's body map as text, the zones it holds now highlighted."""
    held = {s.zone: s for s in settings}
    lines: list[Text] = []
    for row in map_layout(caps):
        if isinstance(row, str):
            lines.append(Text(row, style="dim"))
            continue
        inner = Text(" ").join(zone_slot(z, held.get(z), caps) for z in row.zones if caps.zone(z))
        room = MAP_WIDTH - 2 * row.indent - len(row.left) - len(row.right)
        pad = max(0, room - inner.cell_len)
        line = Text(" " * row.indent) + Text(row.left, style="dim") + Text(" " * (pad // 2))
        line += inner + Text(" " * (pad - pad // 2)) + Text(row.right, style="dim")
        line.rstrip()
        lines.append(line)
    return Text("\n").join(lines)
