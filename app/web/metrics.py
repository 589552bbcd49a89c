"""GET /metrics in Prometheus text format, and the HTTP metrics middleware.

Where each number comes from, and why:

* Job numbers (jobs by status, generation durations, queue wait, LLM tokens and errors by
  kind, queue depth, live workers) are read from PostgreSQL at scrape time. They happen in
  worker processes, which serve no HTTP; the job rows already hold everything (started_at,
  completed_at, usage, error_message), so any API process reports the whole cluster's
  numbers and nothing is lost when a worker restarts. Counters stay monotonic: rows that
  leave the table (retention, operator retries) first add their facts to
  job_metrics_retired (sql/migrations/0003_operations.sql). Because every API process
  reports the same cluster numbers, aggregate them with max(), not sum(), across instances.
* Per-process numbers (HTTP requests, SSE subscribers, hub reconnects) live in memory in
  each API process: sum() them across instances.

HTTP requests are labelled by the matched route's path template ("/api/programs/status/
{job_id}"), never the raw path, and unknown methods fold into "other", so label
cardinality stays bounded whatever clients send.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Iterable, Sequence

from prometheus_client import CollectorRegistry, Counter, ProcessCollector, disable_created_metrics, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import admin_queries as aq
from app import tracing
from app.errors import NotFound
from app.events import FINISHED, JOB_STATUSES
from app.web.http import principal, services
from app.web.hub import Hub
from app.web.status_cache import StatusCache

log = logging.getLogger(__name__)

TOKEN_KINDS = ("prompt", "completion", "total")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The kinds nowva_error_kind() (sql/migrations/0004_error_kinds.sql) can answer, each exported
# from the first scrape at 0: a series that first appears at 1 has no increase to alert on,
# so rate() would miss the first failure of each kind (tests/processes/test_ops.py checks the two agree).
ERROR_KINDS = ("refusal", "quota", "rate_limited", "auth", "timeout", "worker_lost", "truncated",
               "invalid_output", "upstream", "request_rejected", "other")
# Why a job was given the built-in coach's program instead of the model's (jobs/fallback.py; the
# database checks the same list, sql/migrations/0011_fallback.sql), each exported from the first scrape.
FALLBACK_REASONS = ("api_error", "quota", "refusal", "invalid_answer", "deadline", "cost_ceiling")
QUEUES = ("generation", "maintenance")
QUEUE_STATES = ("ready", "scheduled", "doing")

# A `_created` series per counter doubles the output and no dashboard reads it.
disable_created_metrics()  # type: ignore[no-untyped-call]


class HttpMetrics:
    """This process's own registry: HTTP requests, and the process collector (CPU, memory, fds)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("nowva_http_requests", "HTTP requests by method, route template and status code",
                                ["method", "route", "code"], registry=self.registry)
        ProcessCollector(registry=self.registry)

    def observe(self, method: str, route: str, code: int) -> None:
        self.requests.labels(method if method in METHODS else "other", route, str(code)).inc()


class HttpMetricsMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware: it would buffer SSE streams). Starlette's router
    puts the matched route in scope["route"]; after the app ran, its path template is the label."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the outer error middleware answers if the app raises first

        async def send_watching(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # Routing is done, and the request's span (app/tracing.py) still open: name it.
                tracing.name_request(scope["method"], getattr(scope.get("route"), "path_format", None) or "unmatched")
            await send(message)

        try:
            await self.app(scope, receive, send_watching)
        finally:
            # path_format: the template without convertors ("{program_id}", not "{program_id:id}")
            route = getattr(scope.get("route"), "path_format", None) or "unmatched"
            self.metrics.observe(scope["method"], route, status)


class _Families(Collector):
    """A registry can only collect synchronously: the families are built before, from data
    read asynchronously, and handed over in one piece."""

    def __init__(self, families: Sequence[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families


async def metrics(request: Request) -> Response:
    svc = services(request)
    if not svc.settings.metrics_enabled:
        raise NotFound()
    if svc.settings.metrics_require_key:
        (await principal(request)).require_service()
    cluster: aq.ClusterMetrics | None
    try:
        async with asyncio.timeout(5):
            cluster = await aq.cluster_metrics(svc.pool, svc.settings.stall_after_s)
    except Exception as exc:
        # Still answer: the process's own numbers, and nowva_database_up 0 to alert on.
        log.warning("metrics: could not read the database (%s)", exc)
        cluster = None
    families = [*cluster_families(cluster), *hub_families(svc.hub), *status_cache_families(svc.status)]
    http: HttpMetrics | None = getattr(request.app.state, "http_metrics", None)
    if http is not None:
        families += list(http.registry.collect())
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(families))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def hub_families(hub: Hub) -> list[Metric]:
    subscribers = GaugeMetricFamily("nowva_sse_subscribers", "Open event streams and long-polls in this process")
    subscribers.add_metric([], hub.subscriber_count)
    reconnects = CounterMetricFamily("nowva_hub_reconnects", "Times this process's LISTEN connection was re-made")
    reconnects.add_metric([], hub.reconnects)
    notifications = CounterMetricFamily("nowva_hub_notifications", "Doorbells (NOTIFY) this process received")
    notifications.add_metric([], hub.notifications)
    listening = GaugeMetricFamily("nowva_hub_listening", "1 while this process's LISTEN connection is up")
    listening.add_metric([], 1 if hub.connected else 0)
    return [subscribers, reconnects, notifications, listening]


def status_cache_families(cache: StatusCache) -> list[Metric]:
    reads = CounterMetricFamily("nowva_status_reads", "Status polls by where their job's row came from "
                                "(memory: no query of its own, the row kept or a read in flight shared; table)",
                                labels=["source"])
    reads.add_metric(["memory"], cache.hits)
    reads.add_metric(["table"], cache.misses)
    return [reads]


def cluster_families(cluster: aq.ClusterMetrics | None) -> list[Metric]:
    up = GaugeMetricFamily("nowva_database_up", "1 when this scrape could read the database")
    up.add_metric([], 0 if cluster is None else 1)
    if cluster is None:
        return [up]

    jobs = GaugeMetricFamily("nowva_jobs", "Jobs in the table by status (cluster-wide)", labels=["status"])
    for status in JOB_STATUSES:
        jobs.add_metric([status], cluster.jobs_by_status.get(status, 0))

    finished = CounterMetricFamily("nowva_generations_finished", "Generations that ended, by final status",
                                   labels=["status"])
    for status in (s for s in JOB_STATUSES if s in FINISHED):
        finished.add_metric([status], cluster.fact("finished", status=status))

    depth = GaugeMetricFamily("nowva_queue_depth", "Procrastinate queue rows by queue and state "
                              "(ready: waiting for a worker; scheduled: a retry's later start; doing)",
                              labels=["queue", "state"])
    # Every series exists from the first scrape (at 0), so rate() and alerts see it appear.
    known = {(queue, state): 0 for queue in QUEUES for state in QUEUE_STATES}
    for (queue, state), rows in sorted({**known, **cluster.queue_depth}.items()):
        depth.add_metric([queue, state], rows)
    oldest = GaugeMetricFamily("nowva_queue_oldest_pending_seconds", "How long the oldest pending job has waited")
    oldest.add_metric([], cluster.oldest_pending_s)
    workers = GaugeMetricFamily("nowva_workers", "Workers with a fresh heartbeat")
    workers.add_metric([], cluster.workers)

    tokens = CounterMetricFamily("nowva_llm_tokens", "LLM tokens used by generations, by kind", labels=["kind"])
    for kind in TOKEN_KINDS:
        tokens.add_metric([kind], cluster.fact("llm_tokens", kind=kind))
    cost = CounterMetricFamily("nowva_llm_cost_usd", "What generations' model calls cost in US dollars, by model "
                               "(genai-prices; models it does not know are left out)", labels=["model"])
    for labels, value in sorted(cluster.facts_of("llm_cost_usd"), key=lambda f: f[0].get("model", "")):
        cost.add_metric([labels.get("model", "unknown")], value)
    errors = CounterMetricFamily("nowva_llm_errors", "Failed generations by error kind", labels=["kind"])
    by_kind = dict.fromkeys(ERROR_KINDS, 0.0)
    for labels, value in cluster.facts_of("llm_errors"):
        kind = labels.get("kind") or "other"
        by_kind[kind] = by_kind.get(kind, 0.0) + value
    for kind, value in sorted(by_kind.items()):
        errors.add_metric([kind], value)
    fixes = CounterMetricFamily("nowva_code_fixes", "What code fixed in models' programs before judging them, "
                                "by the rule each fix keeps (app/coaching/repairs.py)", labels=["rule"])
    for labels, value in sorted(cluster.facts_of("code_fixes"), key=lambda f: f[0].get("rule", "")):
        fixes.add_metric([labels.get("rule") or "other"], value)
    fallbacks = CounterMetricFamily("nowva_fallbacks", "Generations completed with the built-in coach's program "
                                    "because the model failed for good, by reason", labels=["reason"])
    for reason in FALLBACK_REASONS:
        fallbacks.add_metric([reason], cluster.fact("fallbacks", reason=reason))

    return [
        up, jobs, finished,
        histogram("nowva_generation_duration_seconds", "Time from a job's start to its program (completed jobs)",
                  cluster, "duration", aq.DURATION_BUCKETS),
        histogram("nowva_queue_wait_seconds", "Time from a job's request (or re-queue) to its first start",
                  cluster, "wait", aq.WAIT_BUCKETS),
        depth, oldest, workers, tokens, cost, errors, fixes, fallbacks,
    ]


def histogram(name: str, doc: str, cluster: aq.ClusterMetrics, fact: str,
              configured: Sequence[float]) -> HistogramMetricFamily:
    # The facts hold one count per bucket (not cumulative), keyed by the upper bound they
    # were computed with; bounds from an older bucket list still add up correctly.
    counts: dict[float, float] = {}
    for labels, value in cluster.facts_of(f"{fact}_bucket"):
        le = float(labels.get("le", "+Inf"))
        counts[le] = counts.get(le, 0.0) + value
    buckets: list[tuple[str, float]] = []
    cumulative = 0.0
    for le in sorted({*map(float, configured), *counts, math.inf}):
        cumulative += counts.get(le, 0.0)
        buckets.append(("+Inf" if math.isinf(le) else repr(le), cumulative))
    return HistogramMetricFamily(name, doc, buckets=buckets, sum_value=cluster.fact(f"{fact}_sum"))
