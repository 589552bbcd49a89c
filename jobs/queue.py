"""The Procrastinate app of the worker: the generation task and the stalled-job sweeper.

The API never imports this module: it defers `generate_program` by name, in SQL, in the
same transaction that stores the job (sql/queries.sql: create_job).
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

import procrastinate
from procrastinate import JobContext, RetryStrategy

from app import queries as q
from jobs.retention import register_retention
from jobs.runner import WorkerDeps, give_up_message, run_generation

log = logging.getLogger(__name__)

GENERATION_QUEUE = "generation"
MAINTENANCE_QUEUE = "maintenance"


def make_app(database_url: str, deps: WorkerDeps) -> procrastinate.App:
    settings = deps.settings
    connector = procrastinate.PsycopgConnector(conninfo=database_url, min_size=1, max_size=10)
    app = procrastinate.App(connector=connector)

    # Retries cover crashes and shutdowns (the job is handed back). Our own attempt
    # counter in the job row is the real cap: start_attempt fails the job past it.
    @app.task(name="generate_program", queue=GENERATION_QUEUE, pass_context=True,
              retry=RetryStrategy(max_attempts=settings.max_attempts, wait=1))
    async def generate_program(context: JobContext, job_id: str) -> None:
        await run_generation(deps, UUID(job_id))

    # Procrastinate leaves a killed worker's jobs in `doing` forever unless someone
    # sweeps them (DESIGN §5). Cron seconds are the sixth column.
    @app.periodic(cron="* * * * * */5", periodic_id="sweep_stalled")
    @app.task(name="sweep_stalled", queue=MAINTENANCE_QUEUE, queueing_lock="sweep_stalled", pass_context=True)
    async def sweep_stalled(context: JobContext, timestamp: int) -> None:
        manager = context.app.job_manager
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=settings.stall_after_s):
            log.warning("retrying stalled job %s (%s %s)", job.id, job.task_name, job.task_kwargs)
            await manager.retry_job(job)
        for job_id in await q.fail_orphaned_jobs(deps.pool, give_up_message(settings)):
            log.warning("job %s was left unfinished by the queue; marked failed", job_id)

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
