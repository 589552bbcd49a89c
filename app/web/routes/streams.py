"""Server-Sent Events: one job's events, and every job's (the operators' firehose).

Both resume from Last-Event-ID (or ?after=): replay from the table, then live events
from the hub, de-duplicated. A job stream ends after the terminal event, and a job stream
resumed at or past a finished job's last event is a 204 (the SSE spec's "don't reconnect"). EventSource
cannot send headers, so ?token= (short-lived, scoped to one stream) also authenticates.

Job streams are what voice agents hold open, thousands per API process, so they are
served by a small ASGI response of our own (JobStream); the firehose, for a few
operators, by sse-starlette. Both write the same bytes.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import UUID

from pydantic import TypeAdapter
from pydantic_core import to_json
from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app import queries as q
from app.errors import Forbidden, NotFound, RequestInvalid, Unauthorized
from app.models import JobStatus
from app.queries import Event, FirehoseCursor
from app.web.access import StreamLog
from app.web.http import parse_param, path_uuid, principal, services
from app.web.hub import Hub
from app.web.subscription import Subscription

CURSOR = TypeAdapter(int)
STREAM_HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-store"),
                  (b"connection", b"keep-alive"), (b"x-accel-buffering", b"no")]


def _cursor(request: Request) -> int:
    last_event_id = request.headers.get("last-event-id")
    if last_event_id:
        value = parse_param(last_event_id, CURSOR, "header", "Last-Event-ID")
        where = "Last-Event-ID"
    else:
        value = parse_param(request.query_params.get("after", "0"), CURSOR, "query", "after")
        where = "after"
    if value < 0:
        raise RequestInvalid([{"loc": ["header" if where == "Last-Event-ID" else "query", where],
                               "msg": "Input should be greater than or equal to 0", "type": "greater_than_equal"}])
    return value


# ---------------------------------------------------------------- encoding


def frame(event: Event, event_id: int | str) -> bytes:
    """One event as SSE bytes: what sse-starlette writes for it (CRLF line ends)."""
    data = (f'{{"job_id":"{event.job_id}","seq":{event.seq},"type":"{event.type}",'
            f'"data":{to_json(event.data).decode()},"created_at":"{event.created_at.isoformat()}"}}')
    return f"id: {event_id}\r\nevent: {event.type}\r\ndata: {data}\r\n\r\n".encode()


def start_frame(retry_ms: int) -> bytes:
    return f": stream start\r\nretry: {retry_ms}\r\n\r\n".encode()


def ping_frame() -> bytes:
    return f": ping - {datetime.now(UTC)}\r\n\r\n".encode()


class _JobFrames:
    """Each event encoded once, however many streams carry it: a broadcast to 10,000
    followers of one job encodes it once, not 10,000 times. A memo, like lru_cache: an
    event row never changes, so (job_id, seq) determines its bytes."""

    def __init__(self, limit: int = 4096) -> None:
        self._limit = limit
        self._frames: dict[int, bytes] = {}

    def get(self, event: Event) -> bytes:
        key = event.job_id.int << 32 | event.seq  # an int: no tuple for the GC to track
        data = self._frames.get(key)
        if data is None:
            if len(self._frames) >= self._limit:
                self._frames.clear()
            data = self._frames[key] = frame(event, event.seq)
        return data


JOB_FRAMES = _JobFrames()
EMPTY: list[Event] = []  # never appended to


# ---------------------------------------------------------------- job streams


class _StreamState:
    """A job stream's liveness: its heartbeat timer, and whether the client hung up."""

    __slots__ = ("gone", "handle", "interval", "loop", "ping_due", "sent_at", "sub")

    def __init__(self, loop: asyncio.AbstractEventLoop, sub: Subscription, interval: float) -> None:
        self.loop = loop
        self.sub = sub
        self.interval = interval
        self.gone = False
        self.ping_due = False
        self.sent_at = loop.time()
        self.handle = loop.call_later(interval, self._tick) if interval > 0 else None

    def _tick(self) -> None:
        # A heartbeat only on a stream that sent nothing for a whole interval: a stream
        # that carries events needs none, and 10,000 of them would be 667 writes a second.
        idle = self.loop.time() - self.sent_at
        if idle >= self.interval * 0.99:
            self.ping_due = True
            self.sub.wake()
            idle = 0.0
        self.handle = self.loop.call_later(self.interval - idle, self._tick)

    def stop(self) -> None:
        if self.handle is not None:
            self.handle.cancel()


async def _until_disconnect(receive: Receive, state: _StreamState) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    state.gone = True
    state.sub.wake()


def _frames_into(chunks: list[bytes], events: list[Event]) -> bool:
    """Append the events' frames; True after the terminal one. (A function, so that no
    loop variable keeps the last event alive in the stream while it waits.)"""
    for event in events:
        chunks.append(JOB_FRAMES.get(event))
        if event.is_terminal:
            return True
    return False


class JobStream(Response):
    """One job's events as an SSE response, driven directly by its hub subscription.

    sse-starlette runs four tasks per stream in an anyio task group (sender, pinger,
    disconnect and shutdown listeners) and enters a cancel scope on every send; at 10,000
    streams that machinery, and the cyclic garbage collector walking its ~300 objects per
    stream, cost more than the events did (tests/perf/RESULTS.md). Here a stream is the
    request's own task plus one task parked on receive() to notice a hang-up; the heartbeat
    is a timer; events are encoded once for all their streams, and whatever is ready goes
    out in one write.
    """

    def __init__(self, hub: Hub, job_id: UUID, after: int, ping_s: float, retry_ms: int, log: bool) -> None:
        # No Response.__init__: there is no body; Starlette only awaits __call__.
        self._hub, self._job_id, self._after = hub, job_id, after
        self._ping_s, self._retry_ms, self._log = ping_s, retry_ms, log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": STREAM_HEADERS})
        if scope["method"] == "HEAD":  # headers only: an endless body would never complete
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        hub = self._hub
        loop = asyncio.get_running_loop()
        sub = hub.attach(self._job_id, self._after)  # before the replay: nothing falls in between
        state = _StreamState(loop, sub, self._ping_s)
        watcher = loop.create_task(_until_disconnect(receive, state))
        stream_log = StreamLog("job", self._log)
        stream_log.opened(self._after)
        reason = "error"
        try:
            reason = await self._stream(hub, sub, state, send, stream_log)
        finally:
            stream_log.closed(reason)
            state.stop()
            hub.detach(sub)
            watcher.cancel()  # not awaited: it only ever waits on receive()

    async def _stream(self, hub: Hub, sub: Subscription, state: _StreamState, send: Send, stream_log: StreamLog) -> str:
        """Sends until the job ends, the client hangs up or the process stops; says which."""
        # Nothing allocated per event may outlive the loop body (see Subscription): the
        # lists are reused or dropped before the wait.
        chunks = [start_frame(self._retry_ms)]
        events = await hub.replay(sub)
        while True:
            queued = len(chunks)
            done = _frames_into(chunks, events)
            stream_log.events += len(chunks) - queued
            events = EMPTY
            if state.ping_due:
                state.ping_due = False
                if not chunks:
                    chunks.append(ping_frame())
            if chunks and not state.gone:
                await send({"type": "http.response.body", "body": b"".join(chunks), "more_body": True})
                state.sent_at = state.loop.time()
                chunks.clear()
            if done or state.gone or hub.closing:
                break
            await sub.wait()
            events = await hub.in_order(sub)
        if state.gone:
            return "client closed"
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return "job ended" if done else "server stopping"


# ---------------------------------------------------------------- endpoints


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
    job = await q.get_job_position(svc.pool, job_id)
    if job is None or (restricted_to is not None and job["user_id"] != restricted_to):
        raise NotFound()
    after = _cursor(request)
    if after >= job["last_seq"]:
        if JobStatus(job["status"]).is_terminal:
            # Nothing is left to send and nothing will come. EventSource reconnects after
            # every close, the one after the terminal event too; 204 is the SSE spec's
            # "stop reconnecting", where a 200 would hold the connection open for ever.
            return Response(status_code=204)
        # A cursor past the end (an id from before a database reset, a made-up one): follow
        # from the job's last event, so that its terminal event still reaches the client.
        after = job["last_seq"]
    return JobStream(svc.hub, job_id, after, svc.settings.sse_ping_s, svc.settings.sse_retry_ms,
                     svc.settings.access_log)


_FIREHOSE_CURSOR = re.compile(r"^(\d{1,19})-(\d{1,19})$")


def _firehose_cursor(request: Request) -> FirehoseCursor | None:
    """The client's cursor ('<txid>-<id>', the ids this stream sends), or None for "from now"."""
    raw = request.headers.get("last-event-id")
    where = ["header", "Last-Event-ID"]
    if not raw:
        raw = request.query_params.get("after")
        where = ["query", "after"]
    if not raw:
        return None
    match = _FIREHOSE_CURSOR.match(raw)
    if match is None:
        raise RequestInvalid([{"loc": where, "msg": "Expected an event id of this stream, like '812-4051'",
                               "type": "value_error"}])
    return int(match[1]), int(match[2])


async def all_events(request: Request) -> Response:
    restricted_to = await _authorize(request, "events")
    if restricted_to is not None:
        raise Forbidden()
    svc = services(request)
    after = _firehose_cursor(request) or await q.firehose_now(svc.pool)

    async def stream() -> AsyncIterator[bytes]:
        stream_log = StreamLog("firehose", svc.settings.access_log)
        stream_log.opened(f"{after[0]}-{after[1]}")
        reason = "client closed"  # sse-starlette cancels the generator when the client goes
        try:
            yield start_frame(svc.settings.sse_retry_ms)
            async for event in svc.hub.follow_all(after):
                yield frame(event, f"{event.txid}-{event.id}")
                stream_log.events += 1
            reason = "server stopping"
        finally:
            stream_log.closed(reason)

    return EventSourceResponse(stream(), ping=svc.settings.sse_ping_s, shutdown_event=svc.shutdown,
                               headers={"X-Accel-Buffering": "no"})
