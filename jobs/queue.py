"""The Procrastinate app of the worker: the generation task and the stalled-job sweeper.

The API never imports this module: it defers `generate_program` by name, in SQL, in the
same transaction that stores the job (sql/queries.sql: create_job).
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

import procrastinate
from procrastinate import JobContext
from procrastinate.jobs import Status

from app import queries as q
from jobs.connector import WorkerConnector
from jobs.retention import register_retention
from jobs.runner import GIVE_UP_FORMAT, WorkerDeps, run_generation

log = logging.getLogger(__name__)

GENERATION_QUEUE = "generation"
MAINTENANCE_QUEUE = "maintenance"


def make_app(database_url: str, deps: WorkerDeps) -> procrastinate.App:
    settings = deps.settings
    # LISTEN on NOWVA_LISTEN_DATABASE_URL when set, the rest through DATABASE_URL (jobs/connector.py).
    connector = WorkerConnector(database_url, listen_url=settings.listen_database_url, pooler=settings.db_pooler,
                                probe_pool=deps.pool, probe_interval_s=settings.hub_poll_s)
    app = procrastinate.App(connector=connector)

    # One queue job per attempt, and no Procrastinate retry: a retry of the same queue row
    # would let the stale attempt's worker finish the row its successor runs (Procrastinate's
    # finish function updates it whoever runs it). The sweeper below queues the next attempt.
    @app.task(name="generate_program", queue=GENERATION_QUEUE, pass_context=True)
    async def generate_program(context: JobContext, job_id: str) -> None:
        assert context.job.id is not None
        await run_generation(deps, UUID(job_id), context.job.id)

    # Procrastinate leaves a killed worker's jobs in `doing` forever unless someone sweeps
    # them (DESIGN §5). Generation jobs follow their attempt's lease; the maintenance tasks
    # follow Procrastinate's worker heartbeat. Cron seconds are the sixth column.
    @app.periodic(cron="* * * * * */5", periodic_id="sweep_stalled")
    @app.task(name="sweep_stalled", queue=MAINTENANCE_QUEUE, queueing_lock="sweep_stalled", pass_context=True)
    async def sweep_stalled(context: JobContext, timestamp: int) -> None:
        for h in await q.hand_off_jobs(deps.pool, settings.stall_after_s, settings.max_attempts, GIVE_UP_FORMAT):
            if h.status == "failed":
                log.warning("job %s failed: %s", h.job_id, h.reason)
            else:
                log.warning("job %s queued again: %s", h.job_id, h.reason)
        if aborted := await q.abort_abandoned_queue_jobs(deps.pool):
            log.info("ended %d queue jobs of handed-off attempts whose workers are gone", aborted)
        # The maintenance tasks are periodic, so a stalled one is ended, not retried: the next
        # tick runs it again (and a retry could collide with that tick's queueing lock).
        manager = context.app.job_manager
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=settings.stall_after_s):
            if job.task_name != "generate_program" and job.id != context.job.id:
                log.warning("ending stalled job %s (%s)", job.id, job.task_name)
                await manager.finish_job(job, status=Status.ABORTED, delete_job=False)

    register_retention(app, deps)
    return app


def worker_options(deps: WorkerDeps, name: str | None = None) -> dict[str, Any]:
    settings = deps.settings
    return {
        "concurrency": settings.concurrency,
        "name": name,
        "install_signal_handlers": False,
        "shutdown_graceful_timeout": settings.shutdown_grace_s,
        "update_heartbeat_interval": max(0.5, min(10.0, settings.stall_after_s / 3)),
        "stalled_worker_timeout": settings.stall_after_s,
        "listen_notify": True,
        "delete_jobs": "never",
    }
