"""Server-Sent Events: one job's events, and every job's (the operators' firehose).

Both resume from Last-Event-ID (or ?after=): replay from the table, then live events
from the hub, de-duplicated. A job stream ends after the terminal event. EventSource
cannot send headers, so ?token= (short-lived, scoped to one stream) also authenticates.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID

from pydantic import TypeAdapter
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request
from starlette.responses import Response

from app import queries as q
from app.errors import NotFound, Unauthorized
from app.http import parse_param, path_uuid, principal, services
from app.queries import Event

CURSOR = TypeAdapter(int)


def _cursor(request: Request) -> int:
    last_event_id = request.headers.get("last-event-id")
    if last_event_id:
        value = parse_param(last_event_id, CURSOR, "header", "Last-Event-ID")
        where = "Last-Event-ID"
    else:
        value = parse_param(request.query_params.get("after", "0"), CURSOR, "query", "after")
        where = "after"
    if value < 0:
        from app.errors import RequestInvalid

        raise RequestInvalid([{"loc": ["header" if where == "Last-Event-ID" else "query", where],
                               "msg": "Input should be greater than or equal to 0", "type": "greater_than_equal"}])
    return value


def encode(event: Event, event_id: int) -> ServerSentEvent:
    # Hand-assembled: this runs once per delivery, for thousands of streams.
    data = (f'{{"job_id":"{event.job_id}","seq":{event.seq},"type":"{event.type}",'
            f'"data":{_json(event.data)},"created_at":"{event.created_at.isoformat()}"}}')
    return ServerSentEvent(data=data, event=event.type, id=str(event_id))


def _json(value: object) -> str:
    from pydantic_core import to_json

    return to_json(value).decode()


async def _authorize(request: Request, scope: str) -> UUID | None:
    """The caller's user restriction (None: may see everything in scope)."""
    token = request.query_params.get("token")
    if token is not None and "authorization" not in request.headers:
        if not services(request).tokens.verify(token, scope):
            raise Unauthorized("Invalid or expired stream token.")
        return None
    return (await principal(request)).user_id


async def job_events(request: Request) -> Response:
    job_id = path_uuid(request, "job_id")
    restricted_to = await _authorize(request, f"job:{job_id}")
    svc = services(request)
    owner = await q.get_job_owner(svc.pool, job_id)
    if owner is None or (restricted_to is not None and owner != restricted_to):
        raise NotFound()
    after = _cursor(request)

    async def stream() -> AsyncIterator[ServerSentEvent]:
        yield ServerSentEvent(comment="stream start", retry=svc.settings.sse_retry_ms)
        async for event in svc.hub.follow(job_id, after):
            yield encode(event, event.seq)

    return EventSourceResponse(stream(), ping=svc.settings.sse_ping_s, shutdown_event=svc.shutdown,
                               headers={"X-Accel-Buffering": "no"})


async def all_events(request: Request) -> Response:
    restricted_to = await _authorize(request, "events")
    if restricted_to is not None:
        from app.errors import Forbidden

        raise Forbidden()
    svc = services(request)
    after = _cursor(request)
    if after == 0 and "after" not in request.query_params and "last-event-id" not in request.headers:
        after = await q.latest_event_id(svc.pool)  # a new firehose client starts from now

    async def stream() -> AsyncIterator[ServerSentEvent]:
        yield ServerSentEvent(comment="stream start", retry=svc.settings.sse_retry_ms)
        async for event in svc.hub.follow_all(after):
            yield encode(event, event.id)

    return EventSourceResponse(stream(), ping=svc.settings.sse_ping_s, shutdown_event=svc.shutdown,
                               headers={"X-Accel-Buffering": "no"})


__all__ = ["NotFound", "all_events", "job_events"]
