"""One generation attempt, from taking the job to storing the program.

At-least-once delivery, effects exactly once (DESIGN §5): the attempt number taken
here fences every later write, so a paused original that wakes up after its retry
started writes nothing; the program insert is unique per job.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from app import queries as q
from app.logs import job_context
from app.models import GenerateRequest
from app.settings import Settings
from jobs.engines.base import Engine, EngineError, Generated
from jobs.progress import CoalescingReporter, Fenced

log = logging.getLogger(__name__)


@dataclass
class WorkerDeps:
    settings: Settings
    pool: asyncpg.Pool
    engine: Engine


def give_up_message(settings: Settings) -> str:
    return (f"Generation failed after {settings.max_attempts} attempts: the worker running it "
            "crashed or stalled each time.")


async def run_generation(deps: WorkerDeps, job_id: UUID) -> None:
    with job_context(job_id):  # every line logged during the attempt carries job_id
        await _run_generation(deps, job_id)


async def _run_generation(deps: WorkerDeps, job_id: UUID) -> None:
    settings, pool = deps.settings, deps.pool
    row = await q.start_attempt(pool, job_id, settings.max_attempts, give_up_message(settings), deps.engine.name)
    started = time.monotonic()  # the attempt's first event (status in_progress) was just written
    if row is None:
        log.info("job %s is already finished or cancelled; nothing to do", job_id)
        return
    if row["status"] == "failed":
        log.warning("job %s gave up after %d attempts", job_id, settings.max_attempts)
        return
    attempt: int = row["attempt"]
    request = GenerateRequest.model_validate(row["request"])
    log.info("job %s attempt %d started (engine %s)", job_id, attempt, deps.engine.name)

    async def write(progress: int, stage: str, message: str) -> bool:
        return await q.record_progress(pool, job_id, attempt, max(0, min(99, progress)), stage, message)

    report = CoalescingReporter(write, settings.progress_interval_s, last_event_at=started)
    elapsed = time.time() - row["started_at"].timestamp()
    remaining = max(0.1, settings.job_deadline_s - elapsed)
    try:
        async with asyncio.timeout(remaining):
            try:
                result = await deps.engine.generate(request, report)
            finally:
                await report.close()  # before the final event, so its seq comes last
    except Fenced:
        log.info("job %s attempt %d was fenced out; stopping", job_id, attempt)
        return
    except TimeoutError:
        await q.fail_job(pool, job_id, attempt,
                         f"Generation timed out after {settings.job_deadline_s:.0f} seconds.", deps.engine.name)
        log.warning("job %s timed out", job_id)
        return
    except EngineError as exc:
        usage = getattr(exc, "usage", None)
        await q.fail_job(pool, job_id, attempt, str(exc), deps.engine.name, getattr(exc, "model", None), usage)
        log.warning("job %s failed: %s", job_id, exc)
        return
    await _complete(pool, job_id, attempt, request, result)


async def _complete(pool: asyncpg.Pool, job_id: UUID, attempt: int, request: GenerateRequest,
                    result: Generated) -> None:
    program_id = uuid.uuid4()
    stored = await q.complete_job(
        pool, job_id, attempt, program_id, result.program.model_dump(mode="json"),
        request.model_dump(mode="json"), result.engine, result.model, result.usage or None,
    )
    if stored:
        log.info("job %s completed: program %s", job_id, program_id)
    else:
        log.info("job %s attempt %d finished but was fenced out; program discarded", job_id, attempt)
