"""A picture of a compiled program: zones as lanes over time, intensity as bar height and colour, heat marked.

matplotlib is imported here only, and this module only when a plot is asked for, so the command line
starts fast. The Agg canvas is used directly: no pyplot, no global figure state, no display needed.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from controller.timeline import Timeline
from controller.timetext import format_duration
from controller.ui.text import printable
from controller.wire.capabilities import DeviceCapabilities

PLOT_SUFFIXES = (".png", ".svg")
_HEAT_COLOURS = ("none", "#f4a261", "#d62828")   # low, high


def plot_timeline(timeline: Timeline, caps: DeviceCapabilities, path: Path) -> None:
    """Write a PNG or SVG picture of `timeline` to `path`; raises ValueError for another format."""
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise ValueError(f"{path}: can draw .png or .svg files, not {path.suffix or 'no suffix'!r}")
    _figure(timeline, caps).savefig(path)


def timeline_svg(timeline: Timeline, caps: DeviceCapabilities) -> str:
    """The same picture as SVG text (for the web console); its text is drawn as paths, not markup."""
    out = io.StringIO()
    _figure(timeline, caps).savefig(out, format="svg")
    return out.getvalue()


def _figure(timeline: Timeline, caps: DeviceCapabilities) -> Any:
    """The picture of `timeline` as a matplotlib Figure on an Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    lanes = _lanes(timeline, caps)
    figure = Figure(figsize=(12, 1.4 + 0.55 * len(lanes)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    mapper = _draw_commands(axes, timeline, caps, lanes)
    _draw_steps(axes, timeline, len(lanes))
    _decorate(axes, figure, timeline, lanes, mapper)
    return figure


def _lanes(timeline: Timeline, caps: DeviceCapabilities) -> list[str]:
    """The zones the program uses, in the device's zone order."""
    used = {s.zone for c in timeline.commands for s in c.settings}
    return [z.name for z in caps.zones if z.name in used]


def _draw_commands(axes: Any, timeline: Timeline, caps: DeviceCapabilities, lanes: list[str]) -> Any:
    """Bars for every zone setting: height and colour from intensity, a heat strip under heated ones."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    norm = Normalize(0, caps.intensity_max)
    cmap = colormaps["viridis"]
    for command in timeline.commands:
        start_min, width_min = command.start_s / 60, command.duration_s / 60
        for s in command.settings:
            lane = lanes.index(s.zone)
            height = 0.75 * s.intensity / max(caps.intensity_max, 1)
            axes.broken_barh([(start_min, width_min)], (lane - 0.35, max(height, 0.03)),
                             facecolors=cmap(norm(s.intensity)), edgecolor="white", linewidth=0.3)
            if s.heat:
                level = min(len(_HEAT_COLOURS) - 1, 1 + (s.heat * 2 > caps.heat_max + 1))
                axes.broken_barh([(start_min, width_min)], (lane - 0.45, 0.08),
                                 facecolors=_HEAT_COLOURS[level])
    return ScalarMappable(norm=norm, cmap=cmap)


def _draw_steps(axes: Any, timeline: Timeline, lane_count: int) -> None:
    """A faint line where each program step begins, numbered, so the plot reads against the file."""
    previous = None
    for command in timeline.commands:
        if command.step != previous:
            x = command.start_s / 60
            axes.axvline(x, color="0.8", linewidth=0.6, zorder=0)
            axes.text(x, lane_count - 0.45, f" {command.step}", fontsize=7, color="0.4",
                      va="bottom")
            previous = command.step


def _decorate(axes: Any, figure: Any, timeline: Timeline, lanes: list[str], mapper: Any) -> None:
    """Axes, title and legends."""
    from matplotlib.patches import Patch

    names = [printable(lane) for lane in lanes]
    axes.set_yticks(range(len(lanes)), names, parse_math=False)  # names are data: `$` is not TeX here
    axes.set_ylim(-0.6, len(lanes) - 0.2)
    axes.set_xlim(0, max(timeline.total_s / 60, 1 / 60))
    axes.set_xlabel("minutes   (numbers at the top: program steps)")
    axes.set_title(f"{printable(timeline.program_name)} on {printable(timeline.device_model)} — "
                   f"{format_duration(timeline.total_s)}", parse_math=False)
    figure.colorbar(mapper, ax=axes, label="intensity (device levels)", pad=0.01)
    heat = [Patch(color=_HEAT_COLOURS[1], label="heat low"),
            Patch(color=_HEAT_COLOURS[2], label="heat high")]
    axes.legend(handles=heat, loc="upper right", fontsize=7, framealpha=0.8,
                bbox_to_anchor=(1.0, -0.08), ncols=2)
