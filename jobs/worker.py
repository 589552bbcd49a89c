"""Running a worker: in `nowva serve` as a task, or as `nowva worker`, any number of them.

Procrastinate's worker returns (status 0!) when PostgreSQL restarts. This supervisor
restarts it with backoff until asked to stop, so a worker never quietly disappears.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from app.db import create_pool
from app.settings import Settings
from jobs.checkpoints import Checkpoints
from jobs.engines.select import make_engine
from jobs.queue import make_app, worker_options
from jobs.runner import WorkerDeps
from jobs.understanding import warm

log = logging.getLogger(__name__)


FIRST_DELAY_S = 0.5
HEALTHY_RUN_S = 60.0  # a run this long was healthy: the next failure starts the backoff afresh


async def run_worker(settings: Settings, database_url: str, stop: asyncio.Event, name: str | None = None) -> None:
    delay = FIRST_DELAY_S
    while not stop.is_set():
        started = time.monotonic()
        failure: Exception | None = None
        try:
            await _run_once(settings, database_url, stop, name)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            failure = exc
        if stop.is_set() and failure is None:
            return
        if time.monotonic() - started > HEALTHY_RUN_S:
            delay = FIRST_DELAY_S
        if failure is None:
            log.error("worker stopped by itself (database restart?); restarting in %.1fs", delay)
        else:
            log.error("worker failed (%s); restarting in %.1fs", failure, delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
        delay = min(delay * 2, 10.0)


async def _run_once(settings: Settings, database_url: str, stop: asyncio.Event, name: str | None) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=settings.worker_pool_size, pooler=settings.db_pooler)
    engine = make_engine(settings)
    checkpoints = Checkpoints(pool, settings.checkpoint_s)
    try:
        deps = WorkerDeps(settings=settings, pool=pool, engine=engine, checkpoints=checkpoints)
        app = make_app(database_url, deps)
        await warm()  # the words' reader, built once, before the first job
        async with app.open_async():
            worker = asyncio.create_task(app.run_worker_async(**worker_options(deps, name)), name="procrastinate")
            stopping = asyncio.create_task(stop.wait(), name="stop-wait")
            await asyncio.wait({worker, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not worker.done():
                # Cancelling makes Procrastinate stop fetching, wait up to the grace
                # period for running jobs, then abort the rest for retry elsewhere.
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            stopping.cancel()
            if worker.done() and not worker.cancelled() and worker.exception() is not None:
                raise worker.exception()  # type: ignore[misc]
    finally:
        await checkpoints.aclose()
        aclose = getattr(engine, "aclose", None)  # the OpenAI engine holds an HTTP connection pool
        if aclose is not None:
            await aclose()
        await pool.close()
