"""How far each background response in flight has been read, kept in PostgreSQL (issue 16).

A retried attempt resumes a response its predecessor left in flight from the last sequence
number stored for it (`starting_after`), with the text read up to there, instead of reading the
whole stream again. Writing a row per token would cost a database write per token of ~2,000
streams, so the worker keeps one `Checkpoints` for all its streams: each stream registers the
live `Reading` of its response (sequence number and text, updated as events arrive), and every
`interval_s` one statement writes every reading that moved since the last flush (one UPDATE
from unnest()), fenced by the attempt like every other write. A crash loses at most the last
interval of reading, which the successor reads again from OpenAI: reading is free, only writing
the answer is billed.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from app import step_queries as steps_q
from jobs.engines.base import Reading

log = logging.getLogger(__name__)


@dataclass
class _Watched:
    job_id: UUID
    attempt: int
    kind: str
    index: int
    response_id: str
    reading: Reading
    written: int  # the sequence number last written (or resumed from)


class Checkpoints:
    """One per worker process: a flush every `interval_s` while any stream is watched."""

    def __init__(self, pool: asyncpg.Pool, interval_s: float) -> None:
        self._pool = pool
        self.interval_s = interval_s
        self._watched: dict[tuple[UUID, str, int], _Watched] = {}
        self._task: asyncio.Task[None] | None = None

    def watch(self, job_id: UUID, attempt: int, kind: str, index: int, response_id: str, reading: Reading) -> None:
        if self.interval_s <= 0:
            return
        self._watched[(job_id, kind, index)] = _Watched(job_id, attempt, kind, index, response_id, reading,
                                                        reading.sequence)
        if self._task is None or self._task.done():
            # A context of its own: the flusher serves every job, not the one whose log context
            # happens to start it.
            self._task = asyncio.create_task(self._run(), name="checkpoints", context=contextvars.Context())

    def unwatch(self, job_id: UUID, kind: str, index: int, reading: Reading) -> None:
        w = self._watched.get((job_id, kind, index))
        if w is not None and w.reading is reading:  # not a successor's, should two attempts share a process
            del self._watched[(job_id, kind, index)]

    async def _run(self) -> None:
        while self._watched:
            await asyncio.sleep(self.interval_s)
            try:
                await self.flush()
            except Exception as exc:
                # Best effort, never fatal: with the database away (or any other failure) the next
                # flush writes the newer readings instead, and a retry reads a little more again.
                log.warning("could not store %d stream checkpoints (%s)", len(self._watched), exc)

    async def flush(self) -> None:
        moved = [(w, w.reading.sequence, w.reading.text) for w in list(self._watched.values())
                 if w.reading.sequence > w.written]
        if not moved:
            return
        await steps_q.checkpoint_steps(self._pool, [
            steps_q.Checkpoint(w.job_id, w.attempt, w.kind, w.index, w.response_id, seq, text)
            for w, seq, text in moved])
        for w, seq, _ in moved:
            w.written = seq

    async def aclose(self) -> None:
        # No last flush: by now every call has ended and unwatched its stream. What the last
        # interval read is read again by the successor.
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
