"""The access log: one line per request, and a line when an event stream opens and closes.

uvicorn's own access log is off (app/serve.py): it knows neither the route template nor the
request's job, and it writes when a response starts, so an hour-long stream would show as
a line at its first byte with no duration. This one writes when the request ends, on the
`nowva.access` logger, through the one handler (app/logs.py): text or one JSON object per
line, with request_id and job_id from the log context and secrets redacted.
NOWVA_ACCESS_LOG=0 turns it off.
"""

from __future__ import annotations

import logging
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import job_id_var

log = logging.getLogger("nowva.access")

# POST /generate names its new job only in the answer's Location header.
_JOB_LOCATION = re.compile(rb"^/api/programs/status/([0-9a-fA-F-]{36})$")


class AccessLogMiddleware:
    """Pure ASGI, like HttpMetricsMiddleware: a BaseHTTPMiddleware would buffer streams.
    Sits inside RequestIdMiddleware, so its lines carry request_id and the job URL's job_id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the outer error middleware answers if the app raises first
        created_job: str | None = None

        async def send_watching(message: Message) -> None:
            nonlocal status, created_job
            if message["type"] == "http.response.start":
                status = message["status"]
                if status == 202:
                    for name, value in message.get("headers", ()):
                        if name == b"location" and (match := _JOB_LOCATION.match(value)):
                            created_job = match.group(1).decode().lower()
            await send(message)

        try:
            await self.app(scope, receive, send_watching)
        finally:
            duration_ms = (time.perf_counter() - started) * 1000
            route = getattr(scope.get("route"), "path_format", None)  # the template, as in metrics
            method = scope["method"]
            fields: dict[str, object] = {"method": method, "route": route or "unmatched", "status": status,
                                         "duration_ms": round(duration_ms, 2)}
            if route is None:
                fields["path"] = scope.get("path", "")
            if created_job is not None and job_id_var.get() is None:
                fields["job_id"] = created_job
            log.info("%s %s %d %.1fms", method, route or f"{scope.get('path', '')} (no route)", status,
                     duration_ms, extra=fields)


class StreamLog:
    """An event stream's two lines: when it opens, and when it closes with its duration and
    the number of events it sent. (The request's own line comes after the close.)"""

    __slots__ = ("_enabled", "_kind", "_started", "events")

    def __init__(self, kind: str, enabled: bool) -> None:
        self._kind, self._enabled = kind, enabled
        self._started = time.perf_counter()
        self.events = 0

    def opened(self, after: int | str) -> None:
        if self._enabled:
            log.info("%s stream opened after %s", self._kind, after, extra={"stream": self._kind, "after": after})

    def closed(self, reason: str) -> None:
        if self._enabled:
            duration_s = time.perf_counter() - self._started
            log.info("%s stream closed after %.1fs: %d events sent (%s)", self._kind, duration_s, self.events, reason,
                     extra={"stream": self._kind, "duration_s": round(duration_s, 3), "events_sent": self.events,
                            "reason": reason})
