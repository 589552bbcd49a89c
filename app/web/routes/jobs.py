"""Job status (plain or long-poll), cancel, and the operators' list and counts."""

from __future__ import annotations

import asyncio
from uuid import UUID

import anyio
import asyncpg
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from starlette.requests import Request
from starlette.responses import Response

from app import queries as q
from app.errors import Conflict, NotFound
from app.models import JobList, JobStatus, QueueStats
from app.web.http import json_response, parse_param, path_uuid, principal, services
from app.web.routes.common import base_url, decode_cursor, job_status, next_cursor, page_limit
from app.web.subscription import Subscription


class LongPoll(BaseModel):
    model_config = ConfigDict(extra="ignore")
    wait: float = Field(default=0, ge=0, le=60)
    after: int | None = Field(default=None, ge=0)


LONG_POLL = TypeAdapter(LongPoll)
PLAIN_POLL = LongPoll()
STATUS: TypeAdapter[JobStatus | None] = TypeAdapter(JobStatus | None)
USER: TypeAdapter[UUID | None] = TypeAdapter(UUID | None)


async def _newer_than(sub: Subscription, after: int) -> None:
    # A terminal event ends the wait too: a caller whose `after` is past the job's last seq would
    # otherwise sit out the whole wait on a job that can have no newer event.
    while True:
        await sub.wait()
        if any(event.seq > after or event.is_terminal for event in sub.take()):
            return


def _nothing_newer(row: asyncpg.Record, after: int) -> bool:
    """The job has no event past `after` yet, and can still write one."""
    return bool(row["last_seq"] <= after and not JobStatus(row["status"]).is_terminal)


async def _wait_newer(sub: Subscription, after: int, timeout: float, shutdown: anyio.Event) -> None:
    """Until an event newer than `after`, the timeout, or the process shutting down."""
    waiters = [asyncio.ensure_future(_newer_than(sub, after)), asyncio.ensure_future(shutdown.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()


async def get_status(request: Request) -> Response:
    who = await principal(request)
    job_id = path_uuid(request, "job_id")
    # Most calls are plain polls with no query at all: skip the validation for them.
    params = parse_param(dict(request.query_params), LONG_POLL, "query", "") if request.scope["query_string"] \
        else PLAIN_POLL
    svc = services(request)
    # Repeated polls are served from memory until the job's doorbell rings (app/web/status_cache.py);
    # the long-poll's reads below, which wait for a change, go to the table.
    row = await svc.status.get_job(svc.pool, job_id)
    if row is None:
        raise NotFound()
    who.require_access(row["user_id"])
    if params.wait > 0:
        after = row["last_seq"] if params.after is None else params.after
        if _nothing_newer(row, after):
            # From the job's last seq, not from `after`: a terminal event must reach us even when
            # `after` is past it.
            async with svc.hub.subscribe(job_id, row["last_seq"]) as sub:
                # Re-read after subscribing: an event may have landed in between.
                row = await q.get_job(svc.pool, job_id)
                if row is not None and _nothing_newer(row, after):
                    await _wait_newer(sub, after, params.wait, svc.shutdown)
            row = await q.get_job(svc.pool, job_id)
            if row is None:
                raise NotFound()
    return json_response(job_status(request, row))


async def cancel(request: Request) -> Response:
    who = await principal(request)
    job_id = path_uuid(request, "job_id")
    svc = services(request)
    owner = await q.get_job_owner(svc.pool, job_id)
    who.require_access(owner)
    await q.cancel_job(svc.pool, job_id)
    svc.status.forget(job_id)  # this caller's next poll must see the cancel, before its doorbell arrives
    row = await q.get_job(svc.pool, job_id)
    if row is None:
        raise NotFound()
    if row["status"] != JobStatus.cancelled.value:
        raise Conflict(f"The job is already {row['status']} and can no longer be cancelled.",
                       status=row["status"])
    return json_response(job_status(request, row))


async def list_jobs(request: Request) -> Response:
    who = await principal(request)
    who.require_service()
    status = parse_param(request.query_params.get("status"), STATUS, "query", "status")
    user_id = parse_param(request.query_params.get("user_id"), USER, "query", "user_id")
    limit = page_limit(request)
    svc = services(request)
    rows = await q.list_jobs(svc.pool, status.value if status else None, user_id, decode_cursor(request), limit)
    token = svc.tokens.issue("events")
    return json_response(JobList(
        items=[job_status(request, r) for r in rows],
        next_cursor=next_cursor(rows, limit),
        events_url=f"{base_url(request)}/api/events?token={token}",
    ))


async def stats(request: Request) -> Response:
    who = await principal(request)
    who.require_service()
    svc = services(request)
    counts = await q.job_counts(svc.pool)
    jobs = {s.value: counts.get(s.value, 0) for s in JobStatus}
    return json_response(QueueStats(jobs=jobs, subscribers=svc.hub.subscriber_count, listening=svc.hub.connected))
