"""A job's durable steps in PostgreSQL (sql/migrations/0008): the StepStore an attempt hands
its engine. Every write is fenced by the attempt, like the progress and the program."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from app import step_queries as steps_q
from app import tracing
from jobs.checkpoints import Checkpoints
from jobs.engines.base import Reading, StoredStep
from jobs.progress import Fenced

COUNTERS = frozenset({"reattached", "remade"})  # counted per attempt, not per response


class DbSteps:
    def __init__(self, pool: asyncpg.Pool, job_id: UUID, attempt: int, deadline_s: float,
                 checkpoints: Checkpoints | None = None, spent_usd: float = 0.0) -> None:
        self.spent_usd = spent_usd
        self._pool = pool
        self._job_id = job_id
        self._attempt = attempt
        self._deadline_s = deadline_s
        self._checkpoints = checkpoints

    async def load(self) -> list[StoredStep]:
        return [StoredStep(s.kind, s.index, s.content or {}, s.attempt, s.status, s.response_id,
                           s.last_sequence or 0, s.partial_text or "", s.traceparent)
                for s in await steps_q.load_steps(self._pool, self._job_id)
                if (s.status == "done" and s.content is not None) or s.response_id is not None]

    def watch(self, kind: str, index: int, response_id: str, reading: Reading) -> None:
        if self._checkpoints is not None:
            self._checkpoints.watch(self._job_id, self._attempt, kind, index, response_id, reading)

    def unwatch(self, kind: str, index: int, reading: Reading) -> None:
        if self._checkpoints is not None:
            self._checkpoints.unwatch(self._job_id, kind, index, reading)

    async def save(self, kind: str, index: int, content: dict[str, Any], event: dict[str, Any],
                   progress: int) -> None:
        if not await steps_q.save_step(self._pool, self._job_id, self._attempt, kind, index, content, event,
                                 max(0, min(99, progress)), None):
            raise Fenced()

    async def heard(self, profile: dict[str, Any], unplaced: list[dict[str, Any]]) -> None:
        if not await steps_q.save_heard(self._pool, self._job_id, self._attempt, profile, unplaced):
            raise Fenced()

    async def update(self, kind: str, index: int, content: dict[str, Any]) -> None:
        if not await steps_q.update_step(self._pool, self._job_id, self._attempt, kind, index, content):
            raise Fenced()

    async def attach(self, kind: str, index: int, response_id: str) -> None:
        # Called in the model call's span: a retry that re-attaches links its own call to this one.
        if not await steps_q.attach_step(self._pool, self._job_id, self._attempt, kind, index, response_id,
                                   tracing.traceparent()):
            raise Fenced()

    async def abandoned(self) -> bool:
        return await steps_q.job_abandoned(self._pool, self._job_id, self._attempt, self._deadline_s)

    async def spent(self, usage: dict[str, float], step: tuple[str, int] | None = None,
                    response_id: str | None = None) -> None:
        if not usage:
            return
        if step is None or response_id is None:
            await steps_q.add_usage(self._pool, self._job_id, usage)
            return
        counters = {k: v for k, v in usage.items() if k in COUNTERS}
        tokens = {k: v for k, v in usage.items() if k not in COUNTERS}
        await steps_q.add_response_usage(self._pool, self._job_id, step[0], step[1], response_id, tokens,
                                         counters or None)
