"""The program file format (schema_version 1) as frozen pydantic models: what a valid program is.

A program is metadata plus steps; a step is one of three small kinds (a discriminated union):
a plain step, a repeat block, or a travel along a line of zones. Everything is on the device-independent
program scale (controller/safety/limits.py); the compiler maps it onto a device.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from controller.program.duration import DURATION_PATTERN, MAX_STEP_S, parse_duration
from controller.program.vocabulary import PROGRAM_ID_PATTERN, HeatName, IntensityClass, MotionName
from controller.safety.conditions import Condition
from controller.safety.limits import PROGRAM_INTENSITY_MAX, PROGRAM_SPEED_MAX
from controller.zones import ZONE_NAMES, ZoneName

SCHEMA_VERSION = 1
MAX_REPEAT = 100
MAX_STEPS = 1000
MAX_ZONES_PER_STEP = 16
MAX_REPEAT_NESTING = 2   # what the loader's nesting limit (yamlsafe.MAX_NESTING) leaves room for


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


Duration = Annotated[
    int,
    BeforeValidator(parse_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": MAX_STEP_S},
                {"type": "string", "pattern": DURATION_PATTERN},
            ]
        }
    ),
]
Level = Annotated[int, Field(ge=0, le=PROGRAM_INTENSITY_MAX, strict=True)]
StepName = Annotated[str, Field(min_length=1, max_length=60)]


def _as_tuple(value: Any) -> Any:
    """Lets a single zone be written without a list."""
    return (value,) if isinstance(value, str) else value


_ZONE_LIST = {"type": "array", "items": {"enum": list(ZONE_NAMES)}, "uniqueItems": True}
Zones = Annotated[
    tuple[ZoneName, ...],
    Field(min_length=1, max_length=MAX_ZONES_PER_STEP),
    BeforeValidator(_as_tuple),
    WithJsonSchema(
        {
            "anyOf": [
                {"enum": list(ZONE_NAMES)},
                {**_ZONE_LIST, "minItems": 1, "maxItems": MAX_ZONES_PER_STEP},
            ]
        }
    ),
]


class IntensityRamp(_Frozen):
    """Intensity changing one level at a time, evenly over the step, from `from` to `to`."""

    start: Level = Field(alias="from", description="Intensity at the start of the step, 0..10.")
    end: Level = Field(alias="to", description="Intensity at the end of the step, 0..10.")


def _intensity_kind(value: Any) -> str:
    return "ramp" if isinstance(value, dict | IntensityRamp) else "level"


Intensity = Annotated[
    Annotated[Level, Tag("level")] | Annotated[IntensityRamp, Tag("ramp")],
    Discriminator(_intensity_kind),
]


class _Actuation(_Frozen):
    """What the zones of a step do: shared by plain steps and travels."""

    name: StepName | None = Field(None, description="A short label shown by `show` and in errors.")
    motion: MotionName = Field(description="The motion the zones make.")
    intensity: Intensity = Field(
        description="Pressure 0..10 (0 = motion off), or a ramp {from: 2, to: 6}."
    )
    speed: int = Field(ge=1, le=PROGRAM_SPEED_MAX, strict=True, description="Motion speed 1..5.")
    heat: HeatName = Field("off", description="Heat on the step's heated zones: off, low or high.")


class PlainStep(_Actuation):
    """Some zones doing one motion for a while."""

    duration_s: Duration = Field(
        alias="duration", description="How long: 90s, 2m, 1m30s or a number of seconds."
    )
    zones: Zones = Field(description="The zone or zones that move together.")

    @field_validator("zones")
    @classmethod
    def _distinct_zones(cls, zones: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({z for z in zones if zones.count(z) > 1})
        if repeated:
            raise ValueError(f"zone {repeated[0]!r} is listed twice")
        return zones

    @property
    def total_s(self) -> int:
        return self.duration_s


class TravelStep(_Actuation):
    """One zone at a time along a line, because reflexology works along lines (heel → big toe)."""

    travel: Annotated[tuple[ZoneName, ...], Field(min_length=2, max_length=MAX_ZONES_PER_STEP)] = (
        Field(description="The zones to visit, in order.")
    )
    each_s: Duration = Field(alias="each", description="Time at each zone of the line.")

    @property
    def total_s(self) -> int:
        return self.each_s * len(self.travel)


class RepeatBlock(_Frozen):
    """A list of steps done `repeat` times."""

    name: StepName | None = Field(None, description="A short label shown by `show` and in errors.")
    repeat: int = Field(ge=1, le=MAX_REPEAT, strict=True, description="How many times, 1..100.")
    steps: tuple[Step, ...] = Field(
        min_length=1, max_length=MAX_STEPS, description="The steps to repeat, in order."
    )

    @property
    def total_s(self) -> int:
        return self.repeat * sum(s.total_s for s in self.steps)


def _step_kind(value: Any) -> str:
    """Which kind of step a mapping is, by its marker key."""
    if isinstance(value, dict):
        return "repeat" if "repeat" in value else "travel" if "travel" in value else "step"
    if isinstance(value, RepeatBlock | TravelStep):
        return "repeat" if isinstance(value, RepeatBlock) else "travel"
    return "step"


Step = Annotated[
    Annotated[PlainStep, Tag("step")]
    | Annotated[RepeatBlock, Tag("repeat")]
    | Annotated[TravelStep, Tag("travel")],
    Discriminator(_step_kind),
]


class Caution(_Frozen):
    """A condition the program may run with, but only with care; the note says what care."""

    condition: Condition = Field(description="The condition, from the shared vocabulary.")
    note: str | None = Field(None, max_length=300, description="What to be careful about, and why.")


class Fallbacks(_Frozen):
    """What to use on a device that lacks a zone or motion the program names."""

    zones: dict[ZoneName, ZoneName] = Field(
        default_factory=dict, description="Zone to use instead, when a device lacks a zone."
    )
    motions: dict[MotionName, MotionName] = Field(
        default_factory=dict, description="Motion to use instead, when a device lacks a motion."
    )
    heat: Literal["error", "skip"] = Field(
        "error", description="When a step asks for heat but none of its zones is heated: error or skip."
    )


class Program(_Frozen):
    """A massage program file."""

    schema_version: Literal[1] = Field(description="Format version of this file; always 1.")
    id: str = Field(
        pattern=PROGRAM_ID_PATTERN,
        description="Unique name used to pick the program: lower-case letters, digits, - and _.",
    )
    name: str = Field(min_length=1, max_length=60, description="Human name of the program.")
    description: str = Field(min_length=1, max_length=1000, description="What it does, and why.")
    intensity_class: IntensityClass = Field(description="Overall pressure: light, medium or deep.")
    contraindications: tuple[Condition, ...] = Field(
        (), description="Conditions with which the program must not run."
    )
    cautions: tuple[Caution, ...] = Field((), description="Conditions that need care, with notes.")
    fallbacks: Fallbacks = Field(
        default_factory=lambda: Fallbacks(heat="error"), description="Substitutes per device."
    )
    steps: tuple[Step, ...] = Field(
        min_length=1, max_length=MAX_STEPS, description="The steps, in order."
    )

    @field_validator("contraindications")
    @classmethod
    def _contraindications_once(cls, conditions: tuple[str, ...]) -> tuple[str, ...]:
        for condition in conditions:
            if conditions.count(condition) > 1:
                raise ValueError(f"condition {condition!r} is listed twice")
        return conditions

    @field_validator("cautions")
    @classmethod
    def _cautions_once(cls, cautions: tuple[Caution, ...], info: ValidationInfo) -> tuple[Caution, ...]:
        named = [c.condition for c in cautions]
        forbidden = info.data.get("contraindications", ())
        for condition in named:
            if condition in forbidden:
                raise ValueError(
                    f"condition {condition!r} is both a contraindication and a caution; keep one"
                )
            if named.count(condition) > 1:
                raise ValueError(f"condition {condition!r} is listed twice")
        return cautions

    @model_validator(mode="after")
    def _repeats_nest_shallowly(self) -> Program:
        if _repeat_depth(self.steps) > MAX_REPEAT_NESTING:
            raise ValueError(f"repeat blocks may be nested at most {MAX_REPEAT_NESTING} deep")
        return self

    @property
    def total_s(self) -> int:
        """Program length in seconds, computed without expanding repeats."""
        return sum(s.total_s for s in self.steps)


def _repeat_depth(steps: tuple[Step, ...]) -> int:
    """How deeply repeat blocks nest in `steps`."""
    return max((1 + _repeat_depth(s.steps) for s in steps if isinstance(s, RepeatBlock)), default=0)


RepeatBlock.model_rebuild()
