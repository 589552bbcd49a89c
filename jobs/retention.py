"""Retention: a periodic task prunes what is past its age (the same code `nowva jobs prune` runs).

Pruned: finished jobs (completed, failed, cancelled) whose completed_at is older than
NOWVA_RETENTION_DAYS, with their events and their Procrastinate rows; Procrastinate rows
no job points at any more (earlier runs of retried jobs); and the maintenance tasks' own
rows after NOWVA_RETENTION_MAINTENANCE_HOURS (the sweeper alone adds 17,000 a day).
Kept: programs (programs.job_id becomes NULL), and every pending or running job.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import asyncpg
import procrastinate
from procrastinate import JobContext

from app import admin_queries as aq
from app.settings import Settings
from jobs.runner import WorkerDeps

log = logging.getLogger(__name__)

# Every 10 minutes: each run is a few short batched statements, and the backlog a run
# leaves is small. Minutes past the hour are staggered away from :00, when cron jobs crowd.
PRUNE_CRON = "3-59/10 * * * *"


async def prune_now(pool: asyncpg.Pool, settings: Settings) -> aq.Pruned:
    jobs_cutoff, maintenance_cutoff = aq.cutoffs(timedelta(days=settings.retention_days),
                                                 timedelta(hours=settings.retention_maintenance_hours))
    pruned = await aq.prune(pool, jobs_cutoff, maintenance_cutoff)
    if pruned.jobs or pruned.queue_jobs:
        log.info("retention: pruned %d jobs, %d events, %d queue rows (jobs finished before %s)",
                 pruned.jobs, pruned.events, pruned.queue_jobs, jobs_cutoff.isoformat(timespec="seconds"))
    return pruned


def register_retention(app: procrastinate.App, deps: WorkerDeps) -> None:
    """Add the periodic pruning task to the worker's app (off when NOWVA_RETENTION_DAYS=0)."""
    if deps.settings.retention_days <= 0:
        return

    # A queueing lock, as for the sweeper: runs never pile up behind a slow one.
    @app.periodic(cron=PRUNE_CRON, periodic_id="prune_old_jobs")
    @app.task(name="prune_old_jobs", queue=aq.MAINTENANCE_QUEUE, queueing_lock="prune_old_jobs", pass_context=True)
    async def prune_old_jobs(context: JobContext, timestamp: int) -> None:
        await prune_now(deps.pool, deps.settings)
