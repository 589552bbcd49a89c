"""One generation attempt, from taking the job to storing the program.

At-least-once delivery, effects exactly once (DESIGN §5). Each attempt is its own
Procrastinate job, and only a delivery of the queue job the job row names may start one.
The attempt number taken here fences every later write, and the attempt's lease
(jobs/lease.py) says it is alive: when it runs out, the sweeper hands the job to a fresh
queue job, and the stale attempt, if it ever wakes, writes nothing. The program insert is
unique per job.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from app import queries as q
from app import step_queries as steps_q
from app import tracing
from app.coaching.profile import Unplaced
from app.logs import job_context
from app.models import GenerateRequest
from app.settings import Settings
from jobs import fallback
from jobs.checkpoints import Checkpoints
from jobs.engines.base import Engine, EngineError, Generated
from jobs.lease import Lease
from jobs.progress import CoalescingReporter, Fenced
from jobs.revising import revise
from jobs.steps import DbSteps
from jobs.understanding import understand

log = logging.getLogger(__name__)


@dataclass
class WorkerDeps:
    settings: Settings
    pool: asyncpg.Pool
    engine: Engine
    checkpoints: Checkpoints | None = None  # how far the worker's background responses were read


# format(): the attempts the job used, then why the last one ended (sql/queries.sql).
GIVE_UP_FORMAT = "Generation failed after %s attempts: %s."
HAND_BACK_TIMEOUT_S = 5.0


async def run_generation(deps: WorkerDeps, job_id: UUID, queue_job_id: int) -> None:
    with job_context(job_id):  # every line logged during the attempt carries job_id
        await _run_generation(deps, job_id, queue_job_id)


async def _run_generation(deps: WorkerDeps, job_id: UUID, queue_job_id: int) -> None:
    settings, pool = deps.settings, deps.pool
    began = time.time_ns()
    row = await q.start_attempt(pool, job_id, queue_job_id, settings.max_attempts, GIVE_UP_FORMAT,
                                settings.stall_after_s, deps.engine.name)
    started = time.monotonic()  # the attempt's first event (status in_progress) was just written
    if row is None:
        log.info("job %s is finished, cancelled or owned by another attempt; queue job %d does nothing",
                 job_id, queue_job_id)
        return
    # The attempt's span continues the trace of the request that created the job (stored with
    # it), from before start_attempt; a retry says why the attempt before it ended.
    with tracing.span("generation attempt", attempt_attributes(row, deps.engine.name), parent=row["traceparent"],
                      kind="CONSUMER", start_time=began):
        await _run_attempt(deps, job_id, row, started)


def attempt_attributes(row: asyncpg.Record, engine: str) -> dict[str, object]:
    attributes: dict[str, object] = {"nowva.attempt": row["attempt"], "nowva.engine": engine}
    if row["attempt"] > 1 or row["last_attempt_end"]:
        attributes["nowva.retry_reason"] = row["last_attempt_end"] or "an earlier attempt did not finish"
    if row["status"] == "failed":
        attributes["nowva.outcome"] = "gave up"
    return attributes


async def _run_attempt(deps: WorkerDeps, job_id: UUID, row: asyncpg.Record, started: float) -> None:
    settings, pool = deps.settings, deps.pool
    if row["status"] == "failed":
        log.warning("job %s gave up: %s", job_id, row["error_message"])
        return
    attempt: int = row["attempt"]
    request = GenerateRequest.model_validate(row["request"])
    revision = row["revision"]  # a revision of a program (jobs/revising.py), or None: a generation
    log.info("job %s attempt %d started (engine %s)%s", job_id, attempt, deps.engine.name,
             " to revise a program" if revision else "")
    unplaced: list[Unplaced] = []
    if revision is None:
        # The `understood` event, before the plan; a retry takes the profile as stored.
        request, unplaced = await understand(pool, job_id, attempt, request, row["profile"], row["unplaced"])

    async def write(progress: int, stage: str, message: str) -> bool:
        return await q.record_progress(pool, job_id, attempt, max(0, min(99, progress)), stage, message)

    report = CoalescingReporter(write, settings.progress_interval_s, last_event_at=started)
    elapsed = time.time() - row["started_at"].timestamp()
    remaining = max(0.1, settings.job_deadline_s - elapsed)
    # With a fallback, the model's calls stop early enough for the built-in writer to finish.
    falls_back = settings.fallback == "builtin" and deps.engine.name != "builtin" and revision is None
    reserve = fallback.reserve_s(settings.job_deadline_s) if falls_back else 0.0
    budget = remaining - reserve
    fell_back: str | None = None
    try:
        async with Lease(pool, job_id, attempt, settings.stall_after_s), asyncio.timeout(remaining):
            try:
                # The model's own deadline: past it, its calls in flight are abandoned (and cancelled
                # at OpenAI), also when the built-in writer then finishes the job.
                spent = (row["usage"] or {}).get("cost_usd")
                steps = DbSteps(pool, job_id, attempt, settings.job_deadline_s - reserve, deps.checkpoints,
                                spent_usd=spent if isinstance(spent, (int, float)) else 0.0)
                async with asyncio.timeout(max(0.0, budget)):
                    if revision is not None:
                        request, result = await revise(pool, job_id, attempt, request, revision, report,
                                                       deps.engine, steps)
                    else:
                        result = await deps.engine.generate(request, report, steps, unplaced)
            except (EngineError, TimeoutError) as exc:
                if not falls_back:
                    raise
                fell_back = "deadline" if isinstance(exc, TimeoutError) else getattr(exc, "reason", "invalid_answer")
                await report.close()  # the model's last report, if any, before the fallback's
                with tracing.span("fallback", {"nowva.fallback_reason": fell_back}):
                    result = await _fall_back(deps, job_id, attempt, request, exc, fell_back, unplaced)
            finally:
                await report.close()  # before the final event, so its seq comes last
    except asyncio.CancelledError:
        # Procrastinate cancels running attempts when a shutdown's grace runs out. Hand the job
        # back now rather than when the lease runs out. (A user's cancel also lands here: the
        # job is cancelled already, so the hand-back is fenced out.)
        tracing.annotate({"nowva.outcome": "handed back"})
        await _hand_back(deps, job_id, attempt)
        raise
    except Fenced:
        log.info("job %s attempt %d was fenced out; stopping", job_id, attempt)
        tracing.annotate({"nowva.outcome": "fenced out"})
        return
    except TimeoutError:
        await q.fail_job(pool, job_id, attempt,
                         f"Generation timed out after {settings.job_deadline_s:.0f} seconds.", deps.engine.name)
        log.warning("job %s timed out", job_id)
        tracing.annotate({"nowva.outcome": "timed out"})
        return
    except EngineError as exc:
        usage = getattr(exc, "usage", None)
        await q.fail_job(pool, job_id, attempt, str(exc), deps.engine.name, getattr(exc, "model", None), usage)
        log.warning("job %s failed: %s", job_id, exc)
        tracing.annotate({"nowva.outcome": "failed", "nowva.error": str(exc)})
        return
    await _complete(pool, job_id, attempt, request, result, fell_back)
    tracing.annotate({"nowva.outcome": "completed", **({"nowva.fallback_reason": fell_back} if fell_back else {})})


async def _fall_back(deps: WorkerDeps, job_id: UUID, attempt: int, request: GenerateRequest, exc: Exception,
                     reason: str, unplaced: Sequence[Unplaced] = ()) -> Generated:
    """The built-in writer's program for the request, in the job's plan if it has one (jobs/fallback.py).
    A cancelled job never gets here: its attempt is cancelled, and every write is fenced anyway."""
    log.warning("job %s: the model failed for good (%s: %s); giving the built-in coach's program", job_id,
                reason, exc or "the deadline is near")
    if not await q.record_progress(deps.pool, job_id, attempt, 95, "fallback",
                                   "The model could not finish; the built-in coach is writing the program"):
        raise Fenced()  # cancelled, or taken over by another attempt: no program from this one
    stored = [s for s in await steps_q.load_steps(deps.pool, job_id) if s.kind == "plan" and s.status == "done"]
    program, shape = await fallback.builtin_program_async(request, stored[0].content if stored else None, unplaced)
    log.info("job %s: the built-in program follows %s", job_id,
             "the plan the person heard" if shape == "plan" else "the plan's weeks" if shape != "own"
             else "its own plan")
    usage = getattr(exc, "usage", None)
    # The model that failed stays on the job (the program itself has none: sql/queries.sql).
    return Generated(program=program, engine="builtin", model=getattr(exc, "model", None), usage=usage or {},
                     usage_recorded=usage is None)


async def _hand_back(deps: WorkerDeps, job_id: UUID, attempt: int) -> None:
    settings = deps.settings
    write = q.hand_off_jobs(deps.pool, settings.stall_after_s, settings.max_attempts, GIVE_UP_FORMAT,
                            job_id=job_id, attempt=attempt)
    try:
        async with asyncio.timeout(HAND_BACK_TIMEOUT_S):
            handed = await asyncio.shield(write)
    except Exception as exc:  # the lease runs out instead, and the sweeper hands the job on
        log.warning("job %s attempt %d could not hand the job back (%s)", job_id, attempt, exc)
        return
    for h in handed:
        log.info("job %s attempt %d handed back: %s", job_id, attempt, h.status)


async def _complete(pool: asyncpg.Pool, job_id: UUID, attempt: int, request: GenerateRequest,
                    result: Generated, fallback_reason: str | None = None) -> None:
    program_id = uuid.uuid4()
    usage = None if result.usage_recorded else result.usage or None  # recorded call by call already
    if result.fixes:
        await q.record_code_fixes(pool, job_id, attempt, result.fixes)
    stored = await q.complete_job(
        pool, job_id, attempt, program_id, result.program.model_dump(mode="json"),
        request.model_dump(mode="json"), result.engine, result.model, usage, fallback_reason,
    )
    if stored:
        log.info("job %s completed: program %s%s", job_id, program_id,
                 f" (built-in fallback: {fallback_reason})" if fallback_reason else "")
    else:
        log.info("job %s attempt %d finished but was fenced out; program discarded", job_id, attempt)
