"""A job's durable steps in PostgreSQL (sql/migrations/0008): the StepStore an attempt hands
its engine. Every write is fenced by the attempt, like the progress and the program."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from app import queries as q
from jobs.engines.base import StoredStep
from jobs.progress import Fenced


class DbSteps:
    def __init__(self, pool: asyncpg.Pool, job_id: UUID, attempt: int) -> None:
        self._pool = pool
        self._job_id = job_id
        self._attempt = attempt

    async def load(self) -> list[StoredStep]:
        return [StoredStep(s.kind, s.index, s.content, s.attempt)
                for s in await q.load_steps(self._pool, self._job_id)
                if s.status == "done" and s.content is not None]

    async def save(self, kind: str, index: int, content: dict[str, Any], event: dict[str, Any],
                   progress: int) -> None:
        if not await q.save_step(self._pool, self._job_id, self._attempt, kind, index, content, event,
                                 max(0, min(99, progress)), None):
            raise Fenced()

    async def update(self, kind: str, index: int, content: dict[str, Any]) -> None:
        if not await q.update_step(self._pool, self._job_id, self._attempt, kind, index, content):
            raise Fenced()

    async def spent(self, usage: dict[str, int]) -> None:
        if usage:
            await q.add_usage(self._pool, self._job_id, usage)
