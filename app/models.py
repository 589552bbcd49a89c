"""Pydantic models: the one source of validation and of the OpenAPI document.

This module is part of the core: it imports no web framework, queue or LLM SDK,
so the worker, the CLI and the agent tests can use it freely.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from app import examples
from app.coaching.changes import Changes
from app.coaching.profile import Profile, Unplaced
from app.events import FINISHED, PlanBlockData, PlanDayData


class GoalCategory(str, enum.Enum):
    power = "power"
    strength = "strength"
    hypertrophy = "hypertrophy"


class FitnessLevel(str, enum.Enum):
    beginner = "beginner"
    intermediate = "intermediate"
    advanced = "advanced"


class JobStatus(str, enum.Enum):
    pending = "pending"
    in_progress = "in_progress"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self.value in FINISHED

Height = Annotated[float, Field(ge=100, le=250, description="Height in centimetres.", examples=[190.5])]
Weight = Annotated[float, Field(ge=30, le=300, description="Body weight in kilograms.", examples=[87.5])]


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL: refuse it here (422) rather than fail at insert (500).
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


NoNul = AfterValidator(_no_nul)
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NoNul]


class StrictModel(BaseModel):
    """Request bodies reject unknown fields: a typo must not be silently ignored."""

    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- requests


class UserCreate(StrictModel):
    display_name: DisplayName | None = Field(default=None, examples=["Sam"])
    height_cm: Height | None = None
    weight_kg: Weight | None = None
    fitness_level: FitnessLevel | None = None

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"display_name": "Sam", "height_cm": 190.5, "weight_kg": 87.5,
                                         "fitness_level": "intermediate"}]},
    )


class GenerateRequest(StrictModel):
    """What the voice agent collected: the seed's body, unchanged."""

    user_id: UUID
    height_cm: Height
    weight_kg: Weight
    goal_category: GoalCategory
    goal_raw: Annotated[str, NoNul] = Field(default="", max_length=500, examples=["muscle gain"],
                                            description="The goal in the person's own words.")
    duration_weeks: int = Field(ge=1, le=52, examples=[12])
    days_per_week: int = Field(ge=1, le=7, examples=[4])
    fitness_level: FitnessLevel
    profile: Profile | None = Field(default=None, description=(
        "What the caller already knows about the person (the voice agent fills it from the call). Every field "
        "is optional; the words in goal_raw are read into the same shape and fill what this leaves empty."))

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "user_id": "7d8e4c1a-2f6b-4a7e-9a51-3c3f0e9f8b21", "height_cm": 190.5, "weight_kg": 87.5,
            "goal_category": "hypertrophy", "goal_raw": "muscle gain", "duration_weeks": 12,
            "days_per_week": 4, "fitness_level": "intermediate"}]},
    )


class RevisionRequest(StrictModel):
    """A change to a program, in the person's words and/or as a partial profile (issue 26)."""

    instruction: Annotated[str, NoNul] = Field(default="", max_length=500, description=(
        "The change in the person's own words, read like goal_raw: exercises to swap or avoid, days per "
        "week, equipment, minutes, weeks to make lighter, an injury or condition."),
        examples=["swap the squats, my knee's been hurting"])
    profile: Profile | None = Field(default=None, description=(
        "Fields of the profile the program was made with that change; what is not sent stays as it was."))
    from_week: int = Field(default=1, ge=1, le=52, description=(
        "The first week that may change; the weeks before it are kept exactly as they are."))

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"instruction": "swap the squats, my knee's been hurting", "from_week": 5}]},
    )


# ---------------------------------------------------------------- program content
# These models double as the strict JSON schema the OpenAI engine asks for, so every
# field is required and there are no open-ended dicts.

WARMUP_CHARS = 200
WARMUP_DESCRIPTION = ("One short line: how to warm up for the day, e.g. '5 minutes of easy cardio and dynamic "
                      "mobility, then two or three lighter ramp-up sets of the back squat.'")
RepsRange = Annotated[str, StringConstraints(pattern=r"^\d{1,3}(-\d{1,3})?( ?(s|m|sec|yd|per side))?$")]


class Exercise(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    sets: int = Field(ge=1, le=12)
    reps: int | RepsRange = Field(description='A number, or a range such as "8-12" (a time like "30s" for holds).')
    intensity: str = Field(max_length=120, description="Load guidance, e.g. 'RPE 8' or '75% 1RM'.")
    rest_seconds: int = Field(ge=0, le=600)
    notes: str = Field(max_length=300)


class TrainingDay(BaseModel):
    day: int = Field(ge=1, le=7)
    name: str = Field(min_length=1, max_length=120)
    # A default, so programs stored before it (issue 25, item 9) still read; a model is asked for it.
    warm_up: str = Field(default="", max_length=WARMUP_CHARS, description=WARMUP_DESCRIPTION)
    exercises: list[Exercise] = Field(min_length=1, max_length=15)


class TrainingWeek(BaseModel):
    week: int = Field(ge=1, le=52)
    focus: str = Field(max_length=200)
    deload: bool
    days: list[TrainingDay] = Field(min_length=1, max_length=7)


class ProgramContent(BaseModel):
    """A generated program, as an engine returns it."""

    name: str = Field(min_length=1, max_length=120)
    description: str = Field(max_length=2000)
    summary: str = Field(max_length=600, description="Speakable, at most 60 words.")
    weeks: list[TrainingWeek] = Field(min_length=1, max_length=52)


# ---------------------------------------------------------------- responses


class HealthOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.HEALTH]})

    status: Literal["healthy", "unhealthy"]
    service: str
    version: str


class UserOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.USER]})

    id: UUID
    display_name: str | None
    height_cm: float | None
    weight_kg: float | None
    fitness_level: FitnessLevel | None
    created_at: datetime


class GenerateAccepted(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.ACCEPTED]})

    job_id: UUID
    status: JobStatus
    message: str = Field(examples=["Program generation started"])
    status_url: str
    events_url: str = Field(description="SSE stream of this job; carries a short-lived token for EventSource.")


class PlanOut(BaseModel):
    """The program's plan, before its exercises are written (the OpenAI engine's first step)."""

    name: str
    summary: str = Field(description="Speakable, at most 60 words.")
    description: str = Field(default="", description="Empty while it is still being written.")
    split: list[PlanDayData] = Field(description="The training days of a week.")
    blocks: list[PlanBlockData] = Field(description="Runs of weeks written by one call each, in parallel.")


class JobStatusOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.JOB_STATUS]})

    job_id: UUID
    user_id: UUID
    status: JobStatus
    progress: int = Field(ge=0, le=100)
    stage: str
    attempt: int
    seq: int = Field(description="The latest event sequence number; pass it as ?after= to long-poll.")
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    program_id: UUID | None
    error_message: str | None
    events_url: str
    plan: PlanOut | None = Field(default=None, description="The plan, once it exists (OpenAI engine); null before, "
                                                            "and for the built-in engine.")
    blocks_done: int = Field(default=0, description="How many of the plan's blocks are written.")
    cost_usd: float | None = Field(default=None, description="What the job's model calls cost so far, in US "
                                   "dollars (every attempt's calls, each counted once); null for the built-in "
                                   "engine or a model the price table does not know.")
    engine: str | None = Field(default=None, description="The engine running the job, or that wrote its program.")
    fallback_reason: str | None = Field(
        default=None, description="Why the built-in coach's program was given instead of the model's "
                                  "(api_error, quota, refusal, invalid_answer, deadline, cost_ceiling); null when "
                                  "it was not.")
    profile: Profile | None = Field(default=None, description="What was understood about the person: the request's "
                                    "profile merged with what its words say; null until the job starts.")
    unplaced: list[Unplaced] | None = Field(default=None, description="Parts of goal_raw that named something that "
                                            "could not be placed, to ask about; null until the job starts.")
    revises: UUID | None = Field(default=None, description="For a revision: the program it revises; null for a "
                                 "generation.")
    changes: Changes | None = Field(default=None, description="For a revision: what changed, once it is written.")


class ExerciseOut(BaseModel):
    name: str
    sets: int
    reps: int | str
    intensity: str
    rest_seconds: int
    notes: str


class DayOut(BaseModel):
    day: int
    name: str
    warm_up: str = Field(default="", description=WARMUP_DESCRIPTION + " Empty for programs written before it.")
    exercises: list[ExerciseOut]


class WeekOut(BaseModel):
    week: int
    focus: str
    deload: bool
    days: list[DayOut]


class ProgramOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.PROGRAM]})

    id: UUID
    user_id: UUID
    job_id: UUID | None
    name: str
    description: str
    summary: str = Field(description="Speakable: at most 60 words of the coach's own, then at most 30 that "
                         "code adds: what the program was adapted for and what was not accounted for.")
    goal_category: GoalCategory
    fitness_level: FitnessLevel
    duration_weeks: int
    days_per_week: int
    engine: str
    model: str | None
    created_at: datetime
    parent_id: UUID | None = Field(default=None, description="The program this version revised; null for a first "
                                   "version.")
    version: int = Field(default=1, ge=1, description="1 for a generated program, the parent's + 1 for a revision.")
    changes: Changes | None = Field(default=None, description="What the revision changed; null for a first version.")
    weeks: list[WeekOut]


class ProgramVersion(BaseModel):
    id: UUID
    parent_id: UUID | None
    version: int
    job_id: UUID | None
    name: str
    summary: str
    duration_weeks: int
    days_per_week: int
    engine: str
    created_at: datetime
    changes: Changes | None


class ProgramVersions(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.PROGRAM_VERSIONS]})

    items: list[ProgramVersion] = Field(description="Every version of the program, newest first.")


class ProgramListItem(BaseModel):
    id: UUID
    name: str
    goal_category: GoalCategory
    fitness_level: FitnessLevel
    duration_weeks: int
    days_per_week: int
    summary: str
    created_at: datetime


class ProgramList(BaseModel):
    items: list[ProgramListItem]
    next_cursor: str | None = Field(description="Pass as ?cursor= to get the next page; null on the last page.")


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.VALIDATION_ERROR]})

    detail: list[ErrorItem]


class ErrorOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.ERROR]})

    detail: str


class JobList(BaseModel):
    items: list[JobStatusOut]
    next_cursor: str | None
    events_url: str = Field(description="The firehose of every job's events, with a short-lived token.")


class QueueStats(BaseModel):
    jobs: dict[str, int] = Field(description="Jobs by status.", examples=[{"pending": 2, "in_progress": 5}])
    subscribers: int = Field(description="Open event streams on this API process.")
    listening: bool = Field(description="Whether this API process's LISTEN connection is up.")
