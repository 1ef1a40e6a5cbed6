"""The health conditions programs and health profiles talk about: one vocabulary, defined once.

Programs list conditions as contraindications (do not run) or cautions (run only with care); the safety
engineer's health profiles import the same names, so a program and a user profile always agree on spelling.
The list is the reflexology article's "not applicable" list plus what device manuals add (DOMAIN.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Condition = Literal[
    "edema",
    "fracture",
    "advanced_diabetes",
    "neuropathy",
    "deep_vein_thrombosis",
    "infection",
    "beriberi",
    "warts",
    "pregnancy",
    "pacemaker",
    "high_blood_pressure",
    "elderly",
]

CONDITION_NAMES: tuple[Condition, ...] = get_args(Condition)


@dataclass(frozen=True, slots=True)
class ConditionInfo:
    """A condition's human label and where the advice about it comes from."""

    label: str
    source: str


CONDITIONS: dict[Condition, ConditionInfo] = {
    "edema": ConditionInfo("edema (fluid retention)", "article"),
    "fracture": ConditionInfo("fracture", "article"),
    "advanced_diabetes": ConditionInfo("advanced diabetes", "article"),
    "neuropathy": ConditionInfo("neuropathy (reduced sensation)", "article"),
    "deep_vein_thrombosis": ConditionInfo("deep-vein thrombosis", "article"),
    "infection": ConditionInfo("infection or open wound", "article"),
    "beriberi": ConditionInfo("beriberi", "article"),
    "warts": ConditionInfo("warts", "article"),
    "pregnancy": ConditionInfo("pregnancy", "device manuals"),
    "pacemaker": ConditionInfo("pacemaker", "device manuals"),
    "high_blood_pressure": ConditionInfo("high blood pressure", "article"),
    "elderly": ConditionInfo("elderly user", "article"),
}

# "Reflex therapy is not applicable to edema, fracture, advanced diabetes, neuropathy, deep vein
# thrombosis, infection, beriberi and wart." — the article; every built-in program lists these.
ARTICLE_CONTRAINDICATIONS: tuple[Condition, ...] = (
    "edema",
    "fracture",
    "advanced_diabetes",
    "neuropathy",
    "deep_vein_thrombosis",
    "infection",
    "beriberi",
    "warts",
)

# Manuals: no skin-contact heat with reduced sensation (diabetes, neuropathy), pacemakers, pregnancy,
# wounds or fractures (RELIABILITY 23's heat notice lists the same).
HEAT_CONTRAINDICATIONS: tuple[Condition, ...] = (
    "advanced_diabetes",
    "neuropathy",
    "pacemaker",
    "pregnancy",
    "infection",
    "fracture",
)
