"""Running a worker: in `nowva serve` as a task, or as `nowva worker`, any number of them.

Procrastinate's worker returns (status 0!) when PostgreSQL restarts. This supervisor
restarts it with backoff until asked to stop, so a worker never quietly disappears.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from app.db import create_pool
from app.settings import Settings
from jobs.engines.select import make_engine
from jobs.queue import make_app, worker_options
from jobs.runner import WorkerDeps

log = logging.getLogger(__name__)


async def run_worker(settings: Settings, database_url: str, stop: asyncio.Event, name: str | None = None) -> None:
    delay = 0.5
    while not stop.is_set():
        try:
            await _run_once(settings, database_url, stop, name)
            if stop.is_set():
                return
            log.error("worker stopped by itself (database restart?); restarting in %.1fs", delay)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("worker failed (%s); restarting in %.1fs", exc, delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
        delay = min(delay * 2, 10.0)


async def _run_once(settings: Settings, database_url: str, stop: asyncio.Event, name: str | None) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=settings.worker_pool_size)
    engine = make_engine(settings)
    try:
        deps = WorkerDeps(settings=settings, pool=pool, engine=engine)
        app = make_app(database_url, deps)
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
        aclose = getattr(engine, "aclose", None)  # the OpenAI engine holds an HTTP connection pool
        if aclose is not None:
            await aclose()
        await pool.close()
