"""The user's health profile: age group, declared conditions and personal limits, read from one YAML file.

The software gives no medical advice. A user declares conditions; the safety policy (safety/policy.py)
refuses or limits programs accordingly and says why. What each condition does is one table,
`CONDITION_RULES` below, also printed in docs/safety.md.

File: `$XDG_CONFIG_HOME/massagectl/health.yaml` (default `~/.config/massagectl/health.yaml`), or any path
given with `--profile-file`. A missing default file means "no declared conditions"; a missing file named on
the command line, or a malformed one, is refused with the file and line, never a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from controller.errors import SafetyRefusal
from controller.paths import health_profile_file
from controller.safety.conditions import CONDITION_NAMES, Condition
from controller.safety.limits import HARD_MAX_SESSION_S, MIN_SESSION_LIMIT_S, PROGRAM_INTENSITY_MAX

MAX_PROFILE_BYTES = 64 * 1024


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


class PersonalLimits(BaseModel):
    """Limits the user sets for themselves; they can only make a session safer, never less safe."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_intensity: int | None = Field(
        default=None, ge=1, le=PROGRAM_INTENSITY_MAX,
        description="Highest intensity on the program scale 1..10 for every zone.")
    zone_max_intensity: dict[str, int] = Field(
        default_factory=dict,
        description="Per-zone maxima on the program scale 0..10, e.g. {calf: 3}.")
    no_heat: bool = Field(default=False, description="Never heat, whatever the program says.")
    session_limit_s: int | None = Field(
        default=None, ge=MIN_SESSION_LIMIT_S, le=HARD_MAX_SESSION_S,
        description="Personal session limit in seconds; lowers the default, never raises it.")

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
    explicit = path is not None
    target = path if path is not None else health_profile_file(env)
    if not target.exists():
        if explicit:
            raise SafetyRefusal(f"{target}: health profile not found")
        return None
    try:
        data = target.read_bytes()
    except OSError as err:
        raise SafetyRefusal(f"{target}: cannot read health profile: {err.strerror}") from err
    return parse_profile(data, str(target))


def parse_profile(data: bytes, source: str = "<profile>") -> HealthProfile:
    """Validate profile bytes into a HealthProfile; raises SafetyRefusal with file:line on any problem."""
    if len(data) > MAX_PROFILE_BYTES:
        raise SafetyRefusal(f"{source}: health profile larger than {MAX_PROFILE_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
        node = _compose_plain(text, source)
        raw = yaml.safe_load(text)
    except UnicodeDecodeError as err:
        raise SafetyRefusal(f"{source}: health profile is not UTF-8 text") from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f":{mark.line + 1}" if mark is not None else ""
        raise SafetyRefusal(f"{source}{at}: health profile is not valid YAML: "
                            f"{getattr(err, 'problem', None) or err}") from err
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SafetyRefusal(f"{source}:1: health profile must be a mapping of keys to values")
    try:
        return HealthProfile.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        loc = tuple(first["loc"])
        field = ".".join(str(p) for p in loc) or "profile"
        line = _line_of(node, loc)
        raise SafetyRefusal(f"{source}:{line}: {field}: {_plain(first['msg'])}") from err


def _plain(msg: str) -> str:
    return msg.removeprefix("Value error, ")


def _compose_plain(text: str, source: str) -> yaml.Node | None:
    """The YAML node tree, refusing anchors, aliases and explicit tags: a profile needs none of them."""
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        has_anchor = getattr(event, "anchor", None) is not None
        has_tag = getattr(event, "tag", None) is not None  # the parser reports only written tags
        if isinstance(event, yaml.AliasEvent) or has_anchor or has_tag:
            line = event.start_mark.line + 1 if event.start_mark is not None else 1
            raise SafetyRefusal(f"{source}:{line}: anchors, aliases and tags are not allowed")
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """1-based line of the YAML node at pydantic's error location, or the nearest parent's line."""
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in loc:
        child = _child(node, part)
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def _child(node: yaml.Node, part: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((v for k, v in node.value if k.value == str(part)), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        child: yaml.Node = node.value[part]
        return child
    return None
