"""The Starlette application: routes, their OpenAPI description, middleware and lifespan."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route

from app import tracing
from app.db import UNAVAILABLE
from app.errors import NowvaError
from app.events import JOB_STATUSES
from app.events import describe as describe_events
from app.models import (
    GenerateAccepted,
    GenerateRequest,
    HealthOut,
    JobList,
    JobStatusOut,
    ProgramList,
    ProgramOut,
    ProgramVersions,
    QueueStats,
    RevisionRequest,
    UserCreate,
    UserOut,
)
from app.settings import Settings
from app.web.access import AccessLogMiddleware
from app.web.http import (
    BodyLimitMiddleware,
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
    handle_database_unavailable,
    handle_http_error,
    handle_nowva_error,
    handle_unexpected,
)
from app.web.metrics import HttpMetrics, HttpMetricsMiddleware, metrics
from app.web.openapi import Operation, Param, build_spec
from app.web.routes import debug, docs, health, jobs, programs, revisions, streams, users
from app.web.state import Services, open_services

UUID_SCHEMA = {"type": "string", "format": "uuid"}
JOB_ID = Param("job_id", "path", UUID_SCHEMA)
PAGING = (
    Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
    Param("cursor", "query", {"type": "string"}, "next_cursor of the previous page"),
)
RESUME = (
    Param("after", "query", {"type": "integer", "minimum": 0}, "Resume after this event id"),
    Param("Last-Event-ID", "header", {"type": "integer", "minimum": 0}, "Resume after this event id"),
    Param("token", "query", {"type": "string"}, "Stream token from events_url (for EventSource)"),
)

OPERATIONS = [
    Operation("GET", "/api/health", "Health check", "service", {200: HealthOut, 503: HealthOut}, auth=False),
    Operation("POST", "/api/users", "Create a user", "users", {201: UserOut}, body=UserCreate, extra_errors=(403,)),
    Operation("GET", "/api/users/{user_id}", "Get a user", "users", {200: UserOut},
              params=(Param("user_id", "path", UUID_SCHEMA),), extra_errors=(404,)),
    Operation("POST", "/api/programs/generate", "Start generating a program", "programs",
              {202: GenerateAccepted}, body=GenerateRequest, extra_errors=(404, 409, 429),
              params=(Param("Idempotency-Key", "header", {"type": "string", "maxLength": 200},
                            "Retries with the same key and body return the same job"),),
              description="Answers 202 at once with the job id. Follow the job at status_url or events_url."),
    Operation("GET", "/api/programs/status/{job_id}", "Job status (poll or long-poll)", "jobs", {200: JobStatusOut},
              params=(JOB_ID,
                      Param("wait", "query", {"type": "number", "minimum": 0, "maximum": 60},
                            "Long-poll: wait up to this many seconds for an event newer than `after`"
                            " (a finished job answers at once)"),
                      Param("after", "query", {"type": "integer", "minimum": 0},
                            "Event seq already seen (default: the latest)")),
              extra_errors=(404,)),
    Operation("GET", "/api/programs/status/{job_id}/events", "Job events (Server-Sent Events)", "jobs",
              {200: "text/event-stream of the job's events: " + describe_events(),
               204: "Resumed at or past a finished job's last event: nothing more will come (EventSource stops"
                    " reconnecting)"},
              params=(JOB_ID, *RESUME), extra_errors=(404,)),
    Operation("POST", "/api/programs/status/{job_id}/cancel", "Cancel a job", "jobs", {200: JobStatusOut},
              params=(JOB_ID,), extra_errors=(404, 409)),
    Operation("GET", "/api/programs/{program_id}", "Get a program", "programs", {200: ProgramOut},
              params=(Param("program_id", "path", UUID_SCHEMA),), extra_errors=(404,)),
    Operation("POST", "/api/programs/{program_id}/revisions", "Start changing a program", "programs",
              {202: GenerateAccepted}, body=RevisionRequest, extra_errors=(404, 409, 429),
              params=(Param("program_id", "path", UUID_SCHEMA),
                      Param("Idempotency-Key", "header", {"type": "string", "maxLength": 200},
                            "Retries with the same key and body return the same job")),
              description="A revision is a job like a generation: 202 at once with the job id. The new "
                          "version is a new program (parent_id, version); the old one is never changed. Weeks "
                          "before from_week are kept exactly; the `revision` event and the job's status say "
                          "what changed."),
    Operation("GET", "/api/programs/{program_id}/versions", "List a program's versions", "programs",
              {200: ProgramVersions}, params=(Param("program_id", "path", UUID_SCHEMA),), extra_errors=(404,)),
    Operation("GET", "/api/programs", "List a user's programs", "programs", {200: ProgramList},
              params=(Param("user_id", "query", UUID_SCHEMA, "Required for service keys"), *PAGING),
              extra_errors=(404,)),
    Operation("GET", "/api/jobs", "List jobs (service keys)", "operators", {200: JobList},
              params=(Param("status", "query", {"type": "string", "enum": list(JOB_STATUSES)}),
                      Param("user_id", "query", UUID_SCHEMA), *PAGING), extra_errors=(403,)),
    Operation("GET", "/api/stats", "Queue counts (service keys)", "operators", {200: QueueStats},
              extra_errors=(403,)),
    Operation("GET", "/api/events", "Every job's events (SSE, service keys)", "operators",
              {200: "text/event-stream of every job's events; id is a global event id"},
              params=RESUME, extra_errors=(403,)),
]


class IdConvertor(Convertor[str]):
    """A path segment that can be an id (hex digits and dashes), kept as text for path_uuid
    to judge. "/api/programs/{program_id}" would otherwise also match "generate", and GET on
    the generate route would be a 404 about a program instead of a 405 that names POST."""

    regex = "[0-9a-fA-F-]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("id", IdConvertor())


def routes() -> list[BaseRoute]:
    return [
        Route("/api/health", health.health),
        Route("/api/users", users.create_user, methods=["POST"]),
        Route("/api/users/{user_id}", users.get_user),
        Route("/api/programs/generate", programs.generate, methods=["POST"]),
        Route("/api/programs/status/{job_id}", jobs.get_status),
        Route("/api/programs/status/{job_id}/events", streams.job_events),
        Route("/api/programs/status/{job_id}/cancel", jobs.cancel, methods=["POST"]),
        Route("/api/programs/{program_id:id}", programs.get_program),
        Route("/api/programs/{program_id:id}/revisions", revisions.revise, methods=["POST"]),
        Route("/api/programs/{program_id:id}/versions", revisions.list_versions),
        Route("/api/programs", programs.list_programs),
        Route("/api/jobs", jobs.list_jobs),
        Route("/api/stats", jobs.stats),
        Route("/api/events", streams.all_events),
        Route("/metrics", metrics),  # Prometheus text; not in OpenAPI (an operators' endpoint)
        Route("/openapi.json", docs.openapi_json),
        Route("/docs", docs.swagger),
        Route("/redoc", docs.redoc),
        docs.assets,
        Route("/debug", debug.page),
        Route("/", debug.home),
    ]


def create_app(settings: Settings, database_url: str, listen_url: str | None = None) -> Starlette:
    """The app; its lifespan opens the pool and the hub and yields them as request state."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[dict[str, Any]]:
        async with open_services(settings, database_url, listen_url) as services:
            app.state.services_ref = services
            yield {"services": services}

    http_metrics = HttpMetrics()
    # Inside RequestIdMiddleware: the access log's lines carry the request's id.
    access_log = [Middleware(AccessLogMiddleware)] if settings.access_log else []
    # Inside RequestIdMiddleware too: the request span starts with the job of a job URL in the
    # log context, so app.tracing stamps it (and its SQL spans) with nowva.job_id.
    traces = [_request_spans()] if tracing.enabled() else []
    app = Starlette(
        routes=routes(),
        middleware=[
            Middleware(RequestIdMiddleware),
            *traces,
            *access_log,
            Middleware(HttpMetricsMiddleware, metrics=http_metrics),
            Middleware(SecurityHeadersMiddleware),
            Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
        ],
        exception_handlers={
            NowvaError: handle_nowva_error,
            HTTPException: handle_http_error,
            **dict.fromkeys((*UNAVAILABLE, asyncpg.InternalClientError), handle_database_unavailable),
            Exception: handle_unexpected,
        },
        lifespan=lifespan,
    )
    app.state.openapi = build_spec(OPERATIONS, settings.public_url)
    app.state.http_metrics = http_metrics
    return app


def _request_spans() -> Middleware:
    """OpenTelemetry's ASGI middleware: one server span per request, continuing a caller's
    traceparent. Named by its method until routing finds the route template (HttpMetricsMiddleware
    renames it), so a job's id never makes a span name; no spans per ASGI message (an SSE stream
    sends thousands). URLs matching the standard OTEL_PYTHON_ASGI_EXCLUDED_URLS (or
    OTEL_PYTHON_EXCLUDED_URLS) get no request span: an operator can keep the voice agent's status
    polls out of the traces and off the API's CPU (docs/observability.md); the queries of a poll
    that reads the table are still traced, each its own trace."""
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
    from opentelemetry.util.http import get_excluded_urls

    def details(scope: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return str(scope.get("method") or "HTTP"), {}

    return Middleware(OpenTelemetryMiddleware, default_span_details=details, exclude_spans=["receive", "send"],
                      excluded_urls=get_excluded_urls("ASGI"))


def running_services(app: Starlette) -> Services | None:
    """The services of a started app (for the process that must signal shutdown to streams)."""
    return getattr(app.state, "services_ref", None)
