"""The person, as the service understood them: the profile contract of issue 24.

A caller (the voice agent) may send it beside the seed's fields, and the person's words
(`goal_raw`) are read into the same shape (app/coaching/reading). Every field is optional; every
item may carry the words it came from, so what was understood can be told back and checked.
Plain pydantic, no I/O: app/models.py puts it on the request, the API validates it (422 naming
the field), and it is stored with the job as JSON.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

EquipmentName = Literal[
    "barbell", "squat_rack", "bench", "dumbbells", "kettlebell", "resistance_bands", "pull_up_bar", "cable",
    "machines", "trap_bar", "plyo_box", "medicine_ball", "sled", "cardio_machine", "bodyweight",
]
EQUIPMENT: tuple[EquipmentName, ...] = EquipmentName.__args__  # type: ignore[attr-defined]
Area = Literal["neck", "shoulder", "elbow", "wrist_hand", "upper_back", "lower_back", "hip", "knee", "ankle_foot"]
AREAS: tuple[Area, ...] = Area.__args__  # type: ignore[attr-defined]
Side = Literal["left", "right", "both"]
Status = Literal["current", "recovering", "past"]
ConditionKind = Literal[
    "pregnancy", "postpartum", "hypertension", "diabetes", "heart_condition", "asthma", "osteoporosis", "arthritis",
    "post_viral_fatigue", "other",
]
CONDITIONS: tuple[ConditionKind, ...] = ConditionKind.__args__  # type: ignore[attr-defined]
Season = Literal["off", "pre", "in"]
MuscleGroup = Literal["chest", "back", "shoulders", "arms", "quads", "glutes", "hamstrings", "calves", "core"]
MUSCLE_GROUPS: tuple[MuscleGroup, ...] = MuscleGroup.__args__  # type: ignore[attr-defined]
EventKind = Literal["competition", "race", "show", "season", "tryout", "test", "wedding", "holiday", "other"]
EVENT_KINDS: tuple[EventKind, ...] = EventKind.__args__  # type: ignore[attr-defined]



def _no_nul(value: str) -> str:
    # Stored as jsonb, which cannot hold NUL: refuse it here (422), not at insert (500).
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


NoNul = AfterValidator(_no_nul)
# The words an item came from: a short quote of the person, or of the caller that filled the field.
Words = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), NoNul]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NoNul]
SaidKey = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}(\.[a-z_]{1,40})?$")]


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    words: Words | None = Field(default=None, description="The words this item came from.")


class Injury(_Item):
    area: Area
    side: Side | None = None
    status: Status = "current"


class Condition(_Item):
    kind: ConditionKind


class Sport(_Item):
    name: Phrase = Field(examples=["rugby"])
    season: Season | None = None


class Event(_Item):
    kind: EventKind
    in_weeks: int | None = Field(default=None, ge=0, le=104, description="Weeks from now, when known.")


SAFETY_AGE_UNDER = 18
SAFETY_AGE_OVER = 65


class Profile(BaseModel):
    """What the service understood about the person. Empty `equipment` means a full gym."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "age": 42, "minutes_per_session": 45, "equipment": ["dumbbells", "bench"],
            "injuries": [{"area": "shoulder", "side": "left", "status": "current", "words": "my left shoulder"}],
            "emphasis": ["glutes"], "cleared_by_clinician": None}]},
    )

    age: int | None = Field(default=None, ge=10, le=100)
    minutes_per_session: int | None = Field(default=None, ge=10, le=240)
    equipment: list[EquipmentName] = Field(default_factory=list, max_length=15,
                                           description="What the person has; empty means a full gym.")
    injuries: list[Injury] = Field(default_factory=list, max_length=20)
    conditions: list[Condition] = Field(default_factory=list, max_length=20)
    sport: Sport | None = None
    event: Event | None = None
    emphasis: list[MuscleGroup] = Field(default_factory=list, max_length=9)
    de_emphasis: list[MuscleGroup] = Field(default_factory=list, max_length=9)
    avoid: list[Phrase] = Field(default_factory=list, max_length=20,
                                description="Exercises or movements the person rules out, in words.")
    cleared_by_clinician: bool | None = Field(default=None, description="Cleared to train by a doctor or physio; "
                                                                      "null when nobody asked.")
    said: dict[SaidKey, Words] = Field(default_factory=dict, max_length=40,
                                   description='The words behind the plain fields: {"age": "turning 71", '
                                               '"equipment.dumbbells": "a pair of dumbbells"}.')

    @property
    def safety_items(self) -> list[str]:
        """What a pre-participation screen would ask a doctor's clearance for (PAR-Q+, ACSM)."""
        items = [f"a {i.area.replace('_', ' ')} injury" for i in self.injuries if i.status == "current"]
        items += [c.kind.replace("_", " ") for c in self.conditions]
        if self.age is not None and (self.age < SAFETY_AGE_UNDER or self.age > SAFETY_AGE_OVER):
            items.append(f"age {self.age}")
        return items

    def is_empty(self) -> bool:
        return self == Profile()


class Unplaced(BaseModel):
    """A part of the words that named something the service could not place."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    words: Words
    why: str = Field(description="What it looked like: 'a body part we have no rules for', ...")
