"""OpenTelemetry tracing, switched on by the standard OTEL_* variables only (docs/observability.md).

With none of OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
OTEL_TRACES_EXPORTER=otlp set (or with OTEL_SDK_DISABLED=true), `configure` installs nothing: no
SDK provider, no exporter, no instrumentation, and the helpers below return before touching the
OpenTelemetry API, so the hot paths pay one global read. When on, spans go over OTLP/HTTP
(protobuf) through the SDK's batch processor, sampled as OTEL_TRACES_SAMPLER says, and asyncpg is
instrumented.

One trace per job (DESIGN §5): the API's request span for POST /api/programs/generate is stored
with the job as a W3C `traceparent`; every attempt of the worker continues it. A span processor
stamps `nowva.job_id` on every span started while a job is in the log context (app/logs.py), so
the SQL spans inside a job or a status poll name it too.

Core module: no web framework, queue or LLM imports.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from app.logs import follow_traces, job_id_var

if TYPE_CHECKING:
    from opentelemetry.trace import Span

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

TRACER = "nowva"
JOB_ID = "nowva.job_id"
_state: dict[str, Any] = {"enabled": False, "provider": None}


def wanted(env: Mapping[str, str] | None = None) -> bool:
    """Whether the standard variables ask for traces to be exported."""
    e = os.environ if env is None else env
    if (e.get("OTEL_SDK_DISABLED") or "").strip().lower() == "true":
        return False
    exporters = {x.strip().lower() for x in (e.get("OTEL_TRACES_EXPORTER") or "").split(",") if x.strip()}
    if "none" in exporters:
        return False
    return bool(e.get("OTEL_EXPORTER_OTLP_ENDPOINT") or e.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
                or "otlp" in exporters)


def enabled() -> bool:
    return bool(_state["enabled"])


def configure(service_name: str) -> bool:
    """Install the SDK provider, the OTLP/HTTP exporter and the asyncpg instrumentation, once per
    process, if the environment asks for traces. `service_name` is the default for
    OTEL_SERVICE_NAME. Returns whether tracing is on."""
    if _state["enabled"] or not wanted():
        return enabled()
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    class JobStamp(SpanProcessor):
        def on_start(self, span: Any, parent_context: Any = None) -> None:
            job_id = job_id_var.get()
            if job_id is not None:
                span.set_attribute(JOB_ID, job_id)

    # Resource.create reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES over these defaults;
    # TracerProvider reads OTEL_TRACES_SAMPLER(_ARG), the exporter its OTEL_EXPORTER_OTLP_* settings.
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME")
                                                        or service_name}))
    provider.add_span_processor(JobStamp())
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    AsyncPGInstrumentor().instrument(tracer_provider=provider)  # type: ignore[no-untyped-call]
    _state.update(enabled=True, provider=provider)
    follow_traces(current_ids)
    log.info("tracing on: spans go to %s", os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
             or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or "the default OTLP endpoint")
    return True


def shutdown() -> None:
    """Export what is still buffered (at the end of `serve` and `worker`)."""
    provider = _state["provider"]
    if provider is not None:
        provider.shutdown()


# ---------------------------------------------------------------- helpers for the code that traces


def current_ids() -> tuple[str, str] | None:
    """The current span's trace and span ids in hex, for log lines; None outside a span."""
    if not _state["enabled"]:
        return None
    from opentelemetry import trace

    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")


def traceparent() -> str | None:
    """The current span as a W3C traceparent (stored with a job, or with a response in flight)."""
    if not _state["enabled"]:
        return None
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier)
    return carrier.get("traceparent")


def _context_of(parent: str | None) -> Any:
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    return TraceContextTextMapPropagator().extract({"traceparent": parent}) if parent else None


def _link_to(parent: str | None) -> list[Any]:
    from opentelemetry import trace

    if not parent:
        return []
    ctx = trace.get_current_span(_context_of(parent)).get_span_context()
    return [trace.Link(ctx)] if ctx.is_valid else []


@contextmanager
def _span(name: str, attributes: Mapping[str, Any] | None, parent: str | None, link: str | None,
          kind: str, start_time: int | None = None) -> Iterator[Span]:
    from opentelemetry import trace

    tracer = trace.get_tracer(TRACER)
    with tracer.start_as_current_span(name, context=_context_of(parent), kind=getattr(trace.SpanKind, kind),
                                      attributes=dict(attributes or {}), links=_link_to(link),
                                      start_time=start_time) as span:
        yield span


def span(name: str, attributes: Mapping[str, Any] | None = None, *, parent: str | None = None,
         link: str | None = None, kind: str = "INTERNAL", start_time: int | None = None) -> Any:
    """A span around a block (a context manager yielding it), or a no-op yielding None when
    tracing is off. `parent`: a stored traceparent to continue; `link`: one to link to;
    `start_time`: nanoseconds since the epoch, when the span began before it could be made."""
    if not _state["enabled"]:
        return nullcontext(None)
    return _span(name, attributes, parent, link, kind, start_time)


def traced(name: str, **arguments: str) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """A span around each call of an async function; `arguments` maps attribute names to the
    function's parameters they are read from (`@traced("nowva.block", **{"nowva.block": "index"})`).
    One line on the function: the engine's modules stay as they are around it."""

    def decorate(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            if not _state["enabled"]:
                return await fn(*args, **kwargs)
            bound = signature.bind(*args, **kwargs).arguments
            attributes = {attr: bound[param] for attr, param in arguments.items() if bound.get(param) is not None}
            with _span(name, attributes, None, None, "INTERNAL"):
                return await fn(*args, **kwargs)

        return wrapper

    return decorate


def annotate(attributes: Mapping[str, Any], span_: Any = None) -> None:
    """Set attributes on the given span, or on the current one."""
    if not _state["enabled"]:
        return
    from opentelemetry import trace

    target = span_ if span_ is not None else trace.get_current_span()
    for key, value in attributes.items():
        if value is not None:
            target.set_attribute(key, value)


def name_request(method: str, route: str) -> None:
    """Name the current (server) span after the route template, once routing found it."""
    if not _state["enabled"]:
        return
    from opentelemetry import trace

    current = trace.get_current_span()
    current.update_name(f"{method} {route}")
    current.set_attribute("http.route", route)
