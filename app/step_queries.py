"""Named SQL for a job's durable steps (sql/queries.sql): the plan and each block, what was
understood, how far a background response in flight was read, and what the calls used. The
worker's step store (jobs/steps.py) and checkpointer (jobs/checkpoints.py) are their callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from app.queries import QUERIES, Executor


@dataclass(frozen=True, slots=True)
class Step:
    """A durable step of a job: the plan (index 0) or a block."""

    kind: str
    index: int
    status: str
    attempt: int
    content: dict[str, Any] | None
    usage: dict[str, Any] | None
    response_id: str | None
    last_sequence: int | None
    partial_text: str | None
    traceparent: str | None = None  # the model-call span that started response_id


async def load_steps(db: Executor, job_id: UUID) -> list[Step]:
    return [Step(r["kind"], r["idx"], r["status"], r["attempt"], r["content"], r["usage"], r["response_id"],
                 r["last_sequence"], r["partial_text"], r["traceparent"])
            for r in await db.fetch(QUERIES["load_steps"], job_id)]


async def save_step(db: Executor, job_id: UUID, attempt: int, kind: str, index: int, content: dict[str, Any],
                    event: dict[str, Any], progress: int, usage: dict[str, Any] | None) -> bool:
    """Store a finished step and its event; False when the attempt was fenced out."""
    row = await db.fetchrow(QUERIES["save_step"], job_id, attempt, kind, index, content, kind, event, progress,
                            usage)
    return row is not None


async def save_understood(db: Executor, job_id: UUID, attempt: int, profile: dict[str, Any],
                          unplaced: list[dict[str, Any]]) -> bool:
    """Store what was understood and its `understood` event; False when it was stored already
    (a retried attempt) or the attempt was fenced out."""
    return await db.fetchrow(QUERIES["save_understood"], job_id, attempt, profile, unplaced) is not None


async def save_heard(db: Executor, job_id: UUID, attempt: int, profile: dict[str, Any],
                     unplaced: list[dict[str, Any]]) -> bool:
    """Store the profile the model's reading revised, what it left unplaced, and their second
    `understood` event (only when the profile differs from the stored one); False when the attempt
    was fenced out."""
    return await db.fetchrow(QUERIES["save_heard"], job_id, attempt, profile, unplaced) is not None


async def update_step(db: Executor, job_id: UUID, attempt: int, kind: str, index: int,
                      content: dict[str, Any]) -> bool:
    return await db.fetchval(QUERIES["update_step"], job_id, attempt, kind, index, content) is not None


async def attach_step(db: Executor, job_id: UUID, attempt: int, kind: str, index: int, response_id: str,
                      traceparent: str | None = None) -> bool:
    return await db.fetchval(QUERIES["attach_step"], job_id, attempt, kind, index, response_id,
                             traceparent) is not None


@dataclass(frozen=True)
class Checkpoint:
    """How far one background response in flight has been read, by the attempt reading it."""

    job_id: UUID
    attempt: int
    kind: str
    index: int
    response_id: str
    sequence: int
    text: str


async def checkpoint_steps(db: Executor, checkpoints: list[Checkpoint]) -> int:
    """Write every checkpoint in one statement; the number written (the rest were fenced out,
    done already or behind what is stored)."""
    rows = await db.fetch(QUERIES["checkpoint_steps"], [c.job_id for c in checkpoints],
                          [c.attempt for c in checkpoints], [c.kind for c in checkpoints],
                          [c.index for c in checkpoints], [c.response_id for c in checkpoints],
                          [c.sequence for c in checkpoints], [c.text for c in checkpoints])
    return len(rows)


async def job_abandoned(db: Executor, job_id: UUID, attempt: int, deadline_s: float) -> bool:
    return bool(await db.fetchval(QUERIES["job_abandoned"], job_id, attempt, deadline_s))


async def add_response_usage(db: Executor, job_id: UUID, kind: str, index: int, response_id: str,
                             usage: dict[str, Any], counters: dict[str, Any] | None) -> bool:
    row = await db.fetchval(QUERIES["add_response_usage"], job_id, kind, index, response_id, usage, counters)
    return row is not None


async def add_usage(db: Executor, job_id: UUID, usage: dict[str, Any]) -> bool:
    return await db.fetchval(QUERIES["add_usage"], job_id, usage) is not None
