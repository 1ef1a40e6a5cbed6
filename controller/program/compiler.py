"""Program + device capabilities → Timeline: a pure, deterministic function.

Rules (docs/program-format.md repeats them for authors):
- Zones: a zone the device has is used as is. Otherwise, in order: the program's declared fallback
  (`fallbacks.zones`), the same body part under the other registry name (`calf` ↔ `calves`), and, on a
  device with a single `feet` zone (a chair), every sole and toe zone maps onto `feet`; so every foot
  program also runs on a chair. Zones that land on the same device zone merge. Else: an error naming
  the zone and the device.
- Motions: used as is, else the declared fallback (`fallbacks.motions`), else an error.
- Intensity 0..10 scales to 0..intensity_max, rounding half up; a non-zero level never scales to 0.
  Speed 1..5 scales to 1..speed_max. Heat off/low/high scales to 0, ceil(heat_max/2), heat_max. One
  rule for all three, shared with the safety gate: controller/safety/limits.py `to_device_level`.
- Heat applies to the heated zones among the zones a step works at that moment; unheated ones get 0.
  A step asking for heat where none of its zones is heated (or the device has no heater) is an error,
  unless the program says `fallbacks: {heat: skip}`, which runs it without heat.
- A ramp changes one program level at a time, in equal parts of the step, on whole seconds; each change
  that alters the device's level starts a new Command. Repeats and travels are flattened.
- The program's total must fit min(session_limit_s, the device's max_session_s).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from controller.errors import ProgramError, ProgramErrors
from controller.program.model import (
    Fallbacks,
    IntensityRamp,
    PlainStep,
    Program,
    RepeatBlock,
    Step,
    TravelStep,
)
from controller.program.vocabulary import HEAT_NAMES
from controller.safety.limits import (
    DEFAULT_SESSION_LIMIT_S,
    PROGRAM_HEAT_MAX,
    PROGRAM_SPEED_MAX,
    to_device_level,
)
from controller.timeline import Command, Timeline, ZoneSetting
from controller.timetext import format_duration
from controller.wire.capabilities import DeviceCapabilities, Zone
from controller.wire.protocol import MOTIONS
from controller.zones import FOOT_SOLE_ZONES, ZONE_EQUIVALENTS


@dataclass(frozen=True, slots=True)
class _Stop:
    """Device zones worked together for a stretch of a step, and their heat levels."""

    zones: tuple[Zone, ...]
    heats: tuple[int, ...]
    duration_s: int


@dataclass(frozen=True, slots=True)
class _Leaf:
    """A plain or travel step resolved against the device."""

    number: int
    name: str | None
    label: str
    stops: tuple[_Stop, ...]
    motion: str
    levels: tuple[int, int]  # program scale, start and end (equal when steady)
    speed: int               # device scale


def compile_program(
    program: Program, caps: DeviceCapabilities, *, session_limit_s: int = DEFAULT_SESSION_LIMIT_S
) -> Timeline:
    """The device timeline for `program`; raises ProgramErrors (every problem) if it cannot run."""
    errors: list[ProgramError] = []
    limit_s = min(session_limit_s, caps.max_session_s) if caps.max_session_s else session_limit_s
    if program.total_s > limit_s:
        errors.append(ProgramError(
            f"program lasts {format_duration(program.total_s)} ({program.total_s} s); "
            f"the session limit is {format_duration(limit_s)} ({limit_s} s)", field="steps"))
    leaves: dict[int, _Leaf] = {}
    for number, step in _numbered(program.steps):
        if not isinstance(step, RepeatBlock):
            try:
                leaves[number] = _resolve(step, number, caps, program.fallbacks)
            except ProgramErrors as err:
                errors.extend(err.errors)
    if errors:
        raise ProgramErrors(errors)
    commands = tuple(_commands(program.steps, leaves, caps))
    return Timeline(program.id, program.name, caps.model, commands)


def _numbered(steps: tuple[Step, ...]) -> Iterator[tuple[int, Step]]:
    """Every step with its number in file order, steps inside repeat blocks included."""
    counter = 0

    def walk(items: tuple[Step, ...]) -> Iterator[tuple[int, Step]]:
        nonlocal counter
        for step in items:
            counter += 1
            yield counter, step
            if isinstance(step, RepeatBlock):
                yield from walk(step.steps)

    return walk(steps)


def _resolve(
    step: PlainStep | TravelStep, number: int, caps: DeviceCapabilities, fallbacks: Fallbacks
) -> _Leaf:
    """`step` in the device's zones, motion and speed; raises ProgramErrors."""
    errors: list[ProgramError] = []
    field = "zones" if isinstance(step, PlainStep) else "travel"
    names = step.zones if isinstance(step, PlainStep) else step.travel
    zones = [_device_zone(n, caps, fallbacks, number, step.name, field, errors) for n in names]
    motion = _device_motion(step.motion, caps, fallbacks, number, step.name, errors)
    found = [z for z in zones if z is not None]
    if errors:
        raise ProgramErrors(errors)
    groups: list[tuple[Zone, ...]] = [(z,) for z in found]
    if isinstance(step, PlainStep):
        groups = [_unique(found)]
    each_s = step.duration_s if isinstance(step, PlainStep) else step.each_s
    heat = _device_heat(step.heat, caps, groups, fallbacks, number, step.name)
    stops = tuple(_Stop(g, tuple(heat if z.heated else 0 for z in g), each_s) for g in groups)
    ramp = step.intensity
    levels = (ramp.start, ramp.end) if isinstance(ramp, IntensityRamp) else (ramp, ramp)
    speed = _scale_speed(step.speed, caps.speed_max)
    label = step.name or _label(step)
    return _Leaf(number, step.name, label, stops, motion, levels, speed)


def _label(step: PlainStep | TravelStep) -> str:
    """A name for an unnamed step, for tables and plots."""
    if isinstance(step, PlainStep):
        return f"{step.motion} {'+'.join(step.zones)}"
    return f"{step.motion} along {'→'.join(step.travel)}"


def _unique(zones: list[Zone]) -> tuple[Zone, ...]:
    """Zones in order, each once (foot zones that all became `feet` merge)."""
    return tuple({z.id: z for z in reversed(zones)}[i] for i in dict.fromkeys(z.id for z in zones))


def _device_zone(
    name: str, caps: DeviceCapabilities, fallbacks: Fallbacks, number: int, step_name: str | None,
    field: str, errors: list[ProgramError],
) -> Zone | None:
    """The device zone that plays program zone `name`, or None after recording why there is none."""
    declared = cast(dict[str, str], fallbacks.zones).get(name)
    feet = "feet" if name in FOOT_SOLE_ZONES else None
    for candidate in (name, declared, ZONE_EQUIVALENTS.get(name), feet):
        zone = caps.zone(candidate) if candidate else None
        if zone is not None:
            return zone
    also = f" nor its fallback {declared!r}" if declared else ""
    hint = "" if declared else f"; to run anyway, declare fallbacks: {{zones: {{{name}: <zone>}}}}"
    errors.append(ProgramError(
        f"zone {name!r}{also} is not on {caps.model} (it has: {', '.join(caps.zone_names)}){hint}",
        step=number, step_name=step_name, field=field))
    return None


def _device_motion(
    motion: str, caps: DeviceCapabilities, fallbacks: Fallbacks, number: int,
    step_name: str | None, errors: list[ProgramError],
) -> str:
    """The motion the device will make for `motion`, or records why it cannot."""
    declared = cast(dict[str, str], fallbacks.motions).get(motion)
    for candidate in (motion, declared):
        if candidate and candidate in caps.motions:
            return candidate
    also = f" nor its fallback {declared!r}" if declared else ""
    hint = "" if declared else f"; to run anyway, declare fallbacks: {{motions: {{{motion}: <motion>}}}}"
    errors.append(ProgramError(
        f"motion {motion!r}{also} is not supported by {caps.model} "
        f"(it has: {', '.join(caps.motions)}){hint}",
        step=number, step_name=step_name, field="motion"))
    return motion


def _device_heat(
    heat: str, caps: DeviceCapabilities, groups: list[tuple[Zone, ...]], fallbacks: Fallbacks,
    number: int, step_name: str | None,
) -> int:
    """The device heat level for `heat`; raises ProgramErrors when no zone of the step can heat."""
    level = HEAT_NAMES.index(heat)
    if level == 0:
        return 0
    heated = caps.has_heater and any(z.heated for g in groups for z in g)
    if heated:
        return to_device_level(level, caps.heat_max, PROGRAM_HEAT_MAX)
    if fallbacks.heat == "skip":
        return 0
    zones = ", ".join(z.name for g in groups for z in g)
    where = [z.name for z in caps.zones if z.heated]
    reason = f"none of {zones} is heated on {caps.model}" if caps.has_heater else (
        f"{caps.model} has no heater")
    hint = f" (heated zones: {', '.join(where)})" if where and caps.has_heater else ""
    raise ProgramErrors([ProgramError(
        f"{heat!r} asked but {reason}{hint}; to run without it, declare fallbacks: {{heat: skip}}",
        step=number, step_name=step_name, field="heat")])


def _scale_speed(speed: int, speed_max: int) -> int:
    """Program speed 1..5 on the device's 1..speed_max."""
    return 1 + to_device_level(speed - 1, speed_max - 1, PROGRAM_SPEED_MAX - 1) if speed > 1 else 1


def _commands(
    steps: tuple[Step, ...], leaves: dict[int, _Leaf], caps: DeviceCapabilities
) -> Iterator[Command]:
    """The flat command list: repeats unrolled, travels and ramps split, equal neighbours merged."""
    start_s = 0
    for leaf, label in _unrolled(steps, leaves, [0], None):
        for offset_s, duration_s, settings in _segments(leaf, caps):
            yield Command(float(start_s + offset_s), float(duration_s), leaf.number, label, settings)
        start_s += sum(stop.duration_s for stop in leaf.stops)


def _unrolled(
    steps: tuple[Step, ...], leaves: dict[int, _Leaf], counter: list[int], block: str | None
) -> list[tuple[_Leaf, str]]:
    """Each leaf occurrence in play order with its label; `counter` numbers steps as the file does."""
    played: list[tuple[_Leaf, str]] = []
    for step in steps:
        counter[0] += 1
        if not isinstance(step, RepeatBlock):
            leaf = leaves[counter[0]]
            played.append((leaf, leaf.name or block or leaf.label))
            continue
        inner = _unrolled(step.steps, leaves, counter, step.name or block)
        for i in range(step.repeat):
            played += [(leaf, f"{label} [{i + 1}/{step.repeat}]") for leaf, label in inner]
    return played


def _segments(leaf: _Leaf, caps: DeviceCapabilities) -> list[tuple[int, int, tuple[ZoneSetting, ...]]]:
    """(offset_s, duration_s, settings) of one leaf, a new segment wherever the device state changes."""
    total_s = sum(stop.duration_s for stop in leaf.stops)
    stop_starts = [sum(s.duration_s for s in leaf.stops[:i]) for i in range(len(leaf.stops))]
    level_starts = _ramp_starts(leaf.levels, total_s)
    bounds = sorted({*stop_starts, *(t for t, _ in level_starts), total_s})
    merged: list[tuple[int, int, tuple[ZoneSetting, ...]]] = []
    for begin_s, end_s in zip(bounds, bounds[1:], strict=False):
        stop = leaf.stops[max(i for i, t in enumerate(stop_starts) if t <= begin_s)]
        level = max((t, lv) for t, lv in level_starts if t <= begin_s)[1]
        settings = _settings(leaf, stop, level, caps)
        if merged and merged[-1][2] == settings:
            offset_s, duration_s, _ = merged[-1]
            merged[-1] = (offset_s, duration_s + end_s - begin_s, settings)
        else:
            merged.append((begin_s, end_s - begin_s, settings))
    return merged


def _ramp_starts(levels: tuple[int, int], total_s: int) -> list[tuple[int, int]]:
    """(start_s, program level) of each equal part of a ramp, on whole seconds (half up)."""
    first, last = levels
    parts = abs(last - first) + 1
    sign = 1 if last >= first else -1
    return [((2 * total_s * k + parts) // (2 * parts), first + sign * k) for k in range(parts)]


def _settings(
    leaf: _Leaf, stop: _Stop, level: int, caps: DeviceCapabilities
) -> tuple[ZoneSetting, ...]:
    """The absolute state of the stop's zones at program intensity `level`."""
    intensity = to_device_level(level, caps.intensity_max)
    return tuple(
        ZoneSetting(zone.name, zone.id, leaf.motion, MOTIONS[leaf.motion], intensity,
                    leaf.speed, heat)
        for zone, heat in zip(stop.zones, stop.heats, strict=True)
    )
