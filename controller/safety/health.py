"""The user's health profile: age group, declared conditions and personal limits, read from one YAML file.

The software gives no medical advice. A user declares conditions; the safety policy (safety/policy.py)
refuses or limits programs accordingly and says why. What each condition does is one table,
`CONDITION_RULES` below, also printed in docs/safety.md.

File: `$XDG_CONFIG_HOME/massagectl/health.yaml` (default `~/.config/massagectl/health.yaml`), or any path
given with `--profile-file`. A missing default file means "no declared conditions"; a missing file named on
the command line, or a malformed one, is refused with the file and line, never a traceback. It is read like
a program file: through controller/userfiles.py (regular files only, never blocking, size-capped) and the
hardened YAML reader controller/yamlsafe.py (a key written twice is refused, never "the last one wins").
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, cast

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from controller.errors import InputFileError, ProgramErrors, SafetyRefusal
from controller.paths import health_profile_file
from controller.safety.conditions import CONDITION_NAMES, Condition
from controller.safety.limits import HARD_MAX_SESSION_S, MIN_SESSION_LIMIT_S, PROGRAM_INTENSITY_MAX
from controller.userfiles import read_user_file
from controller.yamlsafe import Rules, load_yaml_bytes
from controller.zones import ZONE_NAMES

MAX_PROFILE_BYTES = 64 * 1024
PROFILE_RULES = Rules("health profiles", max_bytes=MAX_PROFILE_BYTES)


@dataclass(frozen=True, slots=True)
class ConditionRule:
    """What declaring one condition does to every program; the rows of docs/safety.md's table."""

    refuse_always: bool = False     # refused for every program, whatever the program declares
    light_pressure: bool = False    # intensity capped at LIGHT_PRESSURE_MAX_INTENSITY
    no_heat: bool = False           # heat removed (reduced sensation, or the manuals say no heat)
    short_session: bool = False     # session capped at SHORT_SESSION_LIMIT_S
    needs_ack: bool = False         # the user must acknowledge the caution to run anything
    why: str = ""


# Grounded in the reflexology article's cautions (docs/safety.md); a program's own contraindications
# also refuse it, per program.
CONDITION_RULES: dict[Condition, ConditionRule] = {
    "deep_vein_thrombosis": ConditionRule(
        refuse_always=True, why="pressure on the legs or feet could dislodge a clot"),
    "fracture": ConditionRule(refuse_always=True, why="pressure on an unhealed fracture can harm it"),
    "infection": ConditionRule(refuse_always=True, why="massage can spread an infection"),
    "edema": ConditionRule(
        light_pressure=True, short_session=True, needs_ack=True,
        why="with edema, strength and time must be limited; lymphatic work only when qualified"),
    "advanced_diabetes": ConditionRule(
        light_pressure=True, no_heat=True, needs_ack=True,
        why="reduced sensation: too much heat or pressure may not be felt"),
    "neuropathy": ConditionRule(
        light_pressure=True, no_heat=True, needs_ack=True,
        why="reduced sensation: too much heat or pressure may not be felt"),
    "beriberi": ConditionRule(
        light_pressure=True, no_heat=True, needs_ack=True,
        why="beriberi damages nerves and causes swelling; reflexology is not advised"),
    "warts": ConditionRule(needs_ack=True, why="friction can spread warts; keep the device off them"),
    "pregnancy": ConditionRule(
        no_heat=True, needs_ack=True, why="device manuals advise no heat; consult a health-care provider"),
    "pacemaker": ConditionRule(
        no_heat=True, needs_ack=True, why="device manuals advise no heat; consult a health-care provider"),
    "high_blood_pressure": ConditionRule(
        needs_ack=True,
        why="consult a health-care provider; a program is a complement, never a treatment"),
    "elderly": ConditionRule(light_pressure=True, why="light pressure and lower limits for older users"),
}

CONDITIONS: tuple[str, ...] = CONDITION_NAMES  # the vocabulary programs use, defined once
_ALIASES = {"dvt": "deep_vein_thrombosis", "diabetes": "advanced_diabetes",
            "hypertension": "high_blood_pressure", "pregnant": "pregnancy", "oedema": "edema"}


def normalise_condition(name: str) -> Condition:
    """The vocabulary name for `name`, so "Deep vein thrombosis" and "DVT" both work; raises ValueError."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    key = _ALIASES.get(key, key)
    if key in CONDITIONS:
        return cast(Condition, key)
    close = difflib.get_close_matches(key, CONDITIONS, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ValueError(f"unknown condition {name!r}; {hint}known conditions: {', '.join(CONDITIONS)}")


ConditionName = Annotated[Condition, BeforeValidator(lambda v: normalise_condition(str(v)))]


def normalise_zone(name: str) -> str:
    """The registry's name for zone `name` ("Big toe pad" → big_toe_pad); raises ValueError with a hint."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key in ZONE_NAMES:
        return key
    close = difflib.get_close_matches(key, ZONE_NAMES, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ValueError(f"unknown zone {name!r}; {hint}known zones: {', '.join(ZONE_NAMES)}")


ProfileZone = Annotated[str, BeforeValidator(lambda v: normalise_zone(str(v)))]


class PersonalLimits(BaseModel):
    """Limits the user sets for themselves; they can only make a session safer, never less safe."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_intensity: int | None = Field(
        default=None, ge=1, le=PROGRAM_INTENSITY_MAX,
        description="Highest intensity on the program scale 1..10 for every zone.")
    zone_max_intensity: dict[ProfileZone, int] = Field(
        default_factory=dict,
        description="Per-zone maxima on the program scale 0..10, e.g. {calf: 3}; 0 also turns the zone's "
                    "heat off. Zone names are firmware_protocol.md §3.8's (controller/zones.py).")
    no_heat: bool = Field(default=False, description="Never heat, whatever the program says.")
    session_limit_s: int | None = Field(
        default=None, ge=MIN_SESSION_LIMIT_S, le=HARD_MAX_SESSION_S,
        description="Personal session limit in seconds; lowers the default, never raises it.")

    @field_validator("zone_max_intensity", mode="before")
    @classmethod
    def _each_zone_once(cls, value: Any) -> Any:
        """Two spellings of one zone ({calf: 3, Calf: 5}) would silently keep one: refuse them."""
        if isinstance(value, dict):
            seen: dict[str, str] = {}
            for written in map(str, value):
                try:
                    zone = normalise_zone(written)
                except ValueError:
                    continue  # reported, with its line, by the key's own validation
                if zone in seen:
                    raise ValueError(f"zone {zone!r} is limited twice ({seen[zone]!r} and {written!r})")
                seen[zone] = written
        return value

    @field_validator("zone_max_intensity")
    @classmethod
    def _zone_levels_in_range(cls, value: dict[str, int]) -> dict[str, int]:
        for zone, level in value.items():
            if not 0 <= level <= PROGRAM_INTENSITY_MAX:
                raise ValueError(f"zone {zone!r}: {level} is outside 0..{PROGRAM_INTENSITY_MAX}")
        return value


class HealthProfile(BaseModel):
    """What the user declares about themselves; read once from the profile file and trusted after."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = Field(default=1, description="Version of this file format.")
    age_group: Literal["adult", "elderly"] = Field(
        "adult", description="'elderly' applies the elderly rules (light pressure, lower limits).")
    conditions: tuple[ConditionName, ...] = Field(
        default=(), description="Declared conditions, from the vocabulary in docs/safety.md.")
    limits: PersonalLimits = Field(default=PersonalLimits(), description="Personal limits.")

    @field_validator("conditions", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("conditions")
    @classmethod
    def _unique(cls, value: tuple[Condition, ...]) -> tuple[Condition, ...]:
        return tuple(dict.fromkeys(value))

    @property
    def effective_conditions(self) -> tuple[Condition, ...]:
        """Declared conditions plus those the age group implies."""
        implied: tuple[Condition, ...] = ("elderly",) if self.age_group == "elderly" else ()
        return tuple(dict.fromkeys(self.conditions + implied))


def load_profile(path: Path | None = None, env: Mapping[str, str] | None = None) -> HealthProfile | None:
    """The profile at `path` (or the default location); None when the default file does not exist.

    Raises SafetyRefusal naming the file (and line) when a named file is missing or any file is malformed:
    refusing is the safe answer when the user meant to declare conditions and we cannot read them.
    """
    target = path if path is not None else health_profile_file(env)
    try:
        data = read_user_file(target, "health profile", MAX_PROFILE_BYTES)
    except InputFileError as err:
        if err.problem == "no such file" and path is None:
            return None
        if err.problem == "no such file":
            raise SafetyRefusal(f"{target}: health profile not found") from None
        raise SafetyRefusal(f"{target}: cannot read health profile: {err.problem}") from None
    return parse_profile(data, str(target))


def parse_profile(data: bytes, source: str = "<profile>") -> HealthProfile:
    """Validate profile bytes into a HealthProfile; raises SafetyRefusal with file:line on any problem.

    Read with the hardened YAML reader programs use (controller/yamlsafe.py): a key written twice, a tag,
    an anchor or alias, deep nesting or an oversized file is refused, never half-read.
    """
    try:
        raw, lines = load_yaml_bytes(data, source, PROFILE_RULES)
    except ProgramErrors as err:
        raise SafetyRefusal("\n".join(f"{e.file}:{e.line}: health profile: {e.message}"
                                       for e in err.errors)) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SafetyRefusal(f"{source}:1: health profile must be a mapping of keys to values")
    try:
        return HealthProfile.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        loc = tuple(p for p in first["loc"] if p != "[key]")
        field = ".".join(str(p) for p in loc) or "profile"
        line = lines.line_of(loc)
        raise SafetyRefusal(f"{source}:{line}: {field}: {_plain(first['msg'])}") from err


def _plain(msg: str) -> str:
    return msg.removeprefix("Value error, ")
