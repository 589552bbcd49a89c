"""The event contract: every event a client may be told about a job, and its payload, in one place.

Events are rows of program_generation_events (job_id, seq, type, data); the SQL in sql/queries.sql
writes the state changes (status, progress, completed, failed, cancelled) and the worker writes the
steps (plan, block) through `EventData.dump`. The status endpoint, the SSE stream, the OpenAPI
document, the CLI and the worker all read this module; the voice agent, which may not import `app`,
keeps its own small parser (agent/backend.py) tested against `EXAMPLES` below.
See docs/architecture.md, "Events".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from app.coaching.changes import Changes
from app.coaching.profile import Profile, Unplaced

EventType = Literal["status", "progress", "understood", "plan", "block", "revision", "completed", "failed",
                    "cancelled"]
EVENT_TYPES: tuple[EventType, ...] = ("status", "progress", "understood", "plan", "block", "revision", "completed",
                                      "failed", "cancelled")
JobStatusName = Literal["pending", "in_progress", "completed", "failed", "cancelled"]
JOB_STATUSES: tuple[JobStatusName, ...] = ("pending", "in_progress", "completed", "failed", "cancelled")
# A job in one of these states never changes again; its last event has the same name.
FINISHED: frozenset[str] = frozenset({"completed", "failed", "cancelled"})


class EventData(BaseModel):
    """A payload: fields the client may rely on; more may be added, never removed."""

    model_config = ConfigDict(extra="allow")

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class StatusData(EventData):
    """The job was queued (pending), started or handed to another attempt (in_progress), or is
    waiting to be retried (pending, with the reason)."""

    status: Literal["pending", "in_progress"]
    attempt: int | None = None
    retry_reason: str | None = None


class ProgressData(EventData):
    """A coarse step: a few per job (stages, each week drafted)."""

    progress: int = Field(ge=0, le=100)
    stage: str
    message: str = ""


class UnderstoodData(EventData):
    """What was understood about the person, before the plan: the request's profile merged with what
    their words say, each item with the words it came from, and the words that named something that
    could not be placed (docs/intake.md). With a model, a second one may follow, `revised`, when the
    plan call's own reading of the words found more (an injury or condition kept on the cautious side)."""

    profile: Profile
    unplaced: list[Unplaced] = Field(default_factory=list)
    revised: bool = Field(default=False, description="The model's reading added to what was first understood; "
                                                     "this profile replaces the earlier one.")


class PlanBlockData(BaseModel):
    index: int
    weeks: list[int] = Field(description="[first week, last week]")
    focus: str
    deload_weeks: list[int]


class PlanDayData(BaseModel):
    day: int
    name: str


# A step's payload as the worker writes it; the SQL that stores the step adds the job's progress.
class PlanStep(EventData):
    name: str
    summary: str
    split: list[PlanDayData]
    blocks: list[PlanBlockData]


class BlockStep(EventData):
    index: int
    weeks: list[int]
    done: int
    of: int
    repaired: bool = False


class PlanData(PlanStep):
    """The program's plan, before its exercises are written (OpenAI engine): enough to describe it."""

    progress: int = Field(ge=0, le=100)


class BlockData(BlockStep):
    """One block of weeks is written (OpenAI engine)."""

    progress: int = Field(ge=0, le=100)


class RevisionData(EventData, Changes):
    """A revision of a program is written (issue 26): what changed, as a sentence a voice can say
    (`said`) and as data (the weeks changed, days and exercises added, removed or changed); the
    `completed` event that follows names the new version."""

    progress: int = Field(ge=0, le=100)


class CompletedData(EventData):
    """The program is stored: fetch it at /api/programs/{program_id}. `engine` wrote it; with a
    `fallback_reason`, the model failed for good (api_error, quota, refusal, invalid_answer,
    deadline) and the built-in coach wrote it instead, in the plan the person heard if there was one."""

    progress: int = 100
    program_id: UUID
    cost_usd: float | None = Field(default=None, description="What the job's model calls cost, in US dollars "
                                   "(null: none priced: the built-in engine, or a model the price table does not know)")
    engine: str | None = None
    fallback_reason: str | None = None


class FailedData(EventData):
    """The job failed for good; the message is for the person."""

    error_message: str
    cost_usd: float | None = Field(default=None, description="What the job's model calls cost, in US dollars")


class CancelledData(EventData):
    """The job was cancelled before it finished."""


DATA: dict[EventType, type[EventData]] = {
    "status": StatusData, "progress": ProgressData, "understood": UnderstoodData, "plan": PlanData,
    "block": BlockData, "revision": RevisionData,
    "completed": CompletedData, "failed": FailedData, "cancelled": CancelledData,
}


class Event(BaseModel):
    """One event of a job, as the stream and the CLI see it (`id:` on the stream is `seq`)."""

    job_id: UUID
    seq: int = Field(ge=1, description="Per job, gap-free, increasing.")
    type: EventType
    data: dict[str, Any]
    created_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.type in FINISHED

    def payload(self) -> EventData:
        """The data as its type's model (raises pydantic's ValidationError if it breaks the contract)."""
        return DATA[self.type].model_validate(self.data)


def describe() -> str:
    """The event types in words, from the models: the OpenAPI document's description of the stream."""
    parts = []
    for kind, model in DATA.items():
        fields = ", ".join(model.model_fields)
        doc = " ".join((model.__doc__ or "").split())
        parts.append(f"`{kind}` {{{fields}}}: {doc}")
    return "; ".join(parts) + ". Each event's `id:` is its seq."


_JOB = "7d8e4c1a-2f6b-4a7e-9a51-3c3f0e9f8b21"
_PROGRAM = "5b0e7f7e-3c1d-4d2a-8f7b-0a9c1e2d3f40"
# One example of each event, as the stream sends its data (tests hold every parser to them).
EXAMPLES: tuple[dict[str, Any], ...] = (
    {"job_id": _JOB, "seq": 1, "type": "status", "data": {"status": "pending"}},
    {"job_id": _JOB, "seq": 2, "type": "status", "data": {"status": "in_progress", "attempt": 1}},
    {"job_id": _JOB, "seq": 3, "type": "progress",
     "data": {"progress": 5, "stage": "planning", "message": "Planning 12 weeks"}},
    {"job_id": _JOB, "seq": 4, "type": "understood", "data": {
        "profile": {"minutes_per_session": 45, "equipment": ["dumbbells", "bench"],
                    "injuries": [{"area": "shoulder", "side": "left", "status": "current",
                                  "words": "bad left shoulder"}],
                    "said": {"minutes_per_session": "45 minutes"}},
        "unplaced": [{"words": "a weird thing with my spleen",
                      "why": "a part of the body or a health matter we have no rules for"}]}},
    {"job_id": _JOB, "seq": 5, "type": "understood", "data": {
        "profile": {"minutes_per_session": 45, "equipment": ["dumbbells", "bench"],
                    "injuries": [{"area": "shoulder", "side": "left", "status": "current",
                                  "words": "bad left shoulder"},
                                 {"area": "elbow", "side": "right", "status": "current",
                                  "words": "my right elbow flares up when I press"}],
                    "said": {"minutes_per_session": "45 minutes"}},
        "unplaced": [{"words": "a weird thing with my spleen",
                      "why": "a part of the body or a health matter we have no rules for"}],
        "revised": True}},
    {"job_id": _JOB, "seq": 4, "type": "plan", "data": {
        "name": "12-Week Hypertrophy Program", "summary": "Four days a week of upper and lower sessions.",
        "split": [{"day": 1, "name": "Upper A"}],
        "blocks": [{"index": 0, "weeks": [1, 4], "focus": "Accumulation", "deload_weeks": [4]}], "progress": 15}},
    {"job_id": _JOB, "seq": 5, "type": "block",
     "data": {"index": 0, "weeks": [1, 4], "done": 1, "of": 3, "repaired": False, "progress": 40}},
    {"job_id": _JOB, "seq": 4, "type": "revision", "data": {
        "said": "Back squat swapped for leg press in weeks 5-12; the rest is as it was.", "from_week": 5,
        "rewritten": False, "weeks_changed": [5, 6, 7, 8, 9, 10, 11, 12], "days_added": [], "days_removed": [],
        "exercises_added": [{"name": "Leg press", "weeks": [5, 6, 7, 8, 9, 10, 11, 12]}],
        "exercises_removed": [{"name": "Back squat", "weeks": [5, 6, 7, 8, 9, 10, 11, 12]}],
        "exercises_changed": [], "profile_changed": ["avoid"], "progress": 95}},
    {"job_id": _JOB, "seq": 6, "type": "completed", "data": {"progress": 100, "program_id": _PROGRAM,
                                                             "cost_usd": 0.0183}},
    {"job_id": _JOB, "seq": 7, "type": "completed",
     "data": {"progress": 100, "program_id": _PROGRAM, "engine": "builtin", "fallback_reason": "api_error"}},
    {"job_id": _JOB, "seq": 6, "type": "failed", "data": {"error_message": "The model's answer was cut off."}},
    {"job_id": _JOB, "seq": 6, "type": "cancelled", "data": {}},
)
