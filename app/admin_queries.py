"""Named SQL for operations (sql/queries_admin.sql): `nowva jobs`, retention, /metrics.

Same style as app/queries.py: one small typed function per query, taking an executor
(a pool or a connection). Core: no web framework, queue or LLM imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from app.queries import QUERIES, Executor

# Histogram bucket upper bounds, in seconds. They live here because two writers need them:
# /metrics (facts of live rows) and retention/retry (facts of rows leaving the table).
# Generations take 30-120 s with an LLM and a few seconds with the built-in engine.
DURATION_BUCKETS: tuple[float, ...] = (1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600)
WAIT_BUCKETS: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

MAINTENANCE_QUEUE = "maintenance"
PRUNE_BATCH = 1000


# ---------------------------------------------------------------- jobs


async def find_jobs_by_prefix(db: Executor, prefix: str) -> list[UUID]:
    return [r["id"] for r in await db.fetch(QUERIES["admin_find_jobs_by_prefix"], prefix.lower())]


async def list_jobs(db: Executor, status: str | None, user_id: UUID | None, limit: int) -> list[asyncpg.Record]:
    return await db.fetch(QUERIES["admin_list_jobs"], status, user_id, limit)


async def get_job(db: Executor, job_id: UUID) -> asyncpg.Record | None:
    return await db.fetchrow(QUERIES["admin_get_job"], job_id)


@dataclass(frozen=True, slots=True)
class Retried:
    job_id: UUID
    seq: int  # the seq of the 'pending' event the retry wrote
    retries: int
    procrastinate_job_id: int


async def retry_job(db: Executor, job_id: UUID) -> Retried | None:
    """None when the job is not failed or cancelled (or already has a program)."""
    row = await db.fetchrow(QUERIES["admin_retry_job"], job_id, list(DURATION_BUCKETS), list(WAIT_BUCKETS))
    if row is None:
        return None
    return Retried(row["id"], row["last_seq"], row["retries"], row["procrastinate_job_id"])


# ---------------------------------------------------------------- retention


def cutoffs(older_than: timedelta, maintenance_older_than: timedelta,
            now: datetime | None = None) -> tuple[datetime, datetime]:
    """(cutoff for jobs and their queue rows, cutoff for the maintenance tasks' own rows);
    maintenance rows are never kept longer than jobs."""
    now = now or datetime.now(UTC)
    jobs = now - older_than
    return jobs, max(jobs, now - maintenance_older_than)


@dataclass(slots=True)
class Pruned:
    jobs: int = 0
    events: int = 0
    queue_jobs: int = 0

    def add(self, other: Pruned) -> None:
        self.jobs += other.jobs
        self.events += other.events
        self.queue_jobs += other.queue_jobs


async def prune_jobs_batch(db: Executor, cutoff: datetime, batch: int = PRUNE_BATCH) -> Pruned:
    row = await db.fetchrow(QUERIES["admin_prune_jobs"], cutoff, batch, list(DURATION_BUCKETS), list(WAIT_BUCKETS))
    assert row is not None
    return Pruned(row["jobs"], row["events"], row["queue_jobs"])


async def prune_queue_batch(
    db: Executor, cutoff: datetime, maintenance_cutoff: datetime, batch: int = PRUNE_BATCH
) -> int:
    count: int = await db.fetchval(QUERIES["admin_prune_queue"], cutoff, maintenance_cutoff, MAINTENANCE_QUEUE, batch)
    return count


async def prune(db: Executor, cutoff: datetime, maintenance_cutoff: datetime, batch: int = PRUNE_BATCH) -> Pruned:
    """Everything past its age, in batches (short statements, short row locks)."""
    total = Pruned()
    while True:
        done = await prune_jobs_batch(db, cutoff, batch)
        total.add(done)
        if done.jobs < batch:
            break
    while True:
        count = await prune_queue_batch(db, cutoff, maintenance_cutoff, batch)
        total.queue_jobs += count
        if count < batch:
            break
    return total


# ---------------------------------------------------------------- metrics


@dataclass
class ClusterMetrics:
    """What /metrics reads from the database at scrape time: the same on every API process."""

    jobs_by_status: dict[str, int] = field(default_factory=dict)
    # (metric, sorted label items) -> value; see nowva_job_metric_facts in 0003_operations.sql
    facts: dict[tuple[str, tuple[tuple[str, str], ...]], float] = field(default_factory=dict)
    queue_depth: dict[tuple[str, str], int] = field(default_factory=dict)  # (queue, state) -> rows
    oldest_pending_s: float = 0.0
    workers: int = 0

    def fact(self, metric: str, **labels: str) -> float:
        return self.facts.get((metric, tuple(sorted(labels.items()))), 0.0)

    def facts_of(self, metric: str) -> list[tuple[dict[str, str], float]]:
        return [(dict(labels), value) for (name, labels), value in self.facts.items() if name == metric]


async def cluster_metrics(db: Executor, stall_after_s: float) -> ClusterMetrics:
    out = ClusterMetrics()
    for r in await db.fetch(QUERIES["job_counts"]):
        out.jobs_by_status[r["status"]] = r["jobs"]
    for r in await db.fetch(QUERIES["metrics_job_facts"], list(DURATION_BUCKETS), list(WAIT_BUCKETS)):
        labels: dict[str, Any] = r["labels"]
        out.facts[(r["metric"], tuple(sorted((k, str(v)) for k, v in labels.items())))] = r["value"]
    for r in await db.fetch(QUERIES["metrics_queue_depth"]):
        for state in ("ready", "scheduled", "doing"):
            out.queue_depth[(r["queue_name"], state)] = r[state]
    state_row = await db.fetchrow(QUERIES["metrics_queue_state"], stall_after_s)
    assert state_row is not None
    out.oldest_pending_s = state_row["oldest_pending_s"]
    out.workers = state_row["workers"]
    return out
