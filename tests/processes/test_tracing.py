"""Issue 28: one OpenTelemetry trace from the API call to every model answer, and what each job
cost. Real processes (`nowva serve --no-worker`, two `nowva worker`s, the first SIGKILLed mid-job)
export over OTLP/HTTP to a loopback receiver that decodes the protocol's own protobuf messages."""

from __future__ import annotations

import asyncio
import json
import signal
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest

from app.settings import Settings
from jobs.engines.base import EngineError
from tests.fakes.coach_model import CoachModel, is_block
from tests.fakes.openai_server import FakeOpenAI, Pace
from tests.fakes.otlp_receiver import Span, otlp_receiver
from tests.processes.test_reattach import finished, slow_block_3
from tests.processes.test_stepwise import FAST, engine_for, ignore, make_request, start
from tests.support import Live, Proc, env_for, free_port, wait_until

MODEL = "gpt-5-mini"  # a model the price table knows


async def test_a_cost_ceiling_stops_the_calls_that_could_pass_it(settings: Settings) -> None:
    async with FakeOpenAI(default=CoachModel(), pace=FAST) as fake, \
            engine_for(fake, settings, openai_model=MODEL, job_max_cost_usd=0.0001) as engine:
        with pytest.raises(EngineError, match=r"cost ceiling of \$0.0001 \(NOWVA_JOB_MAX_COST_USD\)"):
            await engine.generate(make_request(weeks=8, days=3), ignore)
    assert fake.requests == []  # the plan call alone could cost more: it was never made
    assert Settings.from_env({"NOWVA_JOB_MAX_COST_USD": "0.5"}).job_max_cost_usd == 0.5
    assert Settings.from_env({}).job_max_cost_usd is None


def traced_env(db_url: str, receiver_endpoint: str, **extra: str) -> dict[str, str]:
    # A short batch delay: a killed worker's finished spans are out before the kill.
    return env_for(db_url, OTEL_EXPORTER_OTLP_ENDPOINT=receiver_endpoint, OTEL_BSP_SCHEDULE_DELAY="100",
                   NOWVA_LOG_FORMAT="json", **extra)


def worker(db_url: str, endpoint: str, tmp_path: Path, name: str, fake: FakeOpenAI) -> Proc:
    env = traced_env(db_url, endpoint, NOWVA_GENERATOR="openai", OPENAI_API_KEY="test-key",
                     OPENAI_BASE_URL=fake.base_url, PROGRAM_CREATION_MODEL=MODEL, NOWVA_OPENAI_API="responses",
                     NOWVA_STALL_AFTER="3", NOWVA_CONCURRENCY="5", NOWVA_SHUTDOWN_GRACE="5", NOWVA_CHECKPOINT_S="0.3")
    return Proc(["worker", "--name", name], env, tmp_path / f"{name}.log")


def only(spans: list[Span]) -> Span:
    assert len(spans) == 1, spans
    return spans[0]


@pytest.mark.slow
async def test_one_trace_from_the_request_to_every_model_answer_across_a_killed_worker(
        settings: Settings, db_url: str, service_key: str, pool: asyncpg.Pool, tmp_path: Path) -> None:
    with otlp_receiver() as receiver:
        async with FakeOpenAI(default=CoachModel(), pace=FAST) as fake:
            coach = fake.default
            assert isinstance(coach, CoachModel)
            fake.inject(is_block(2), lambda r: slow_block_3(coach, r, Pace(ttft_s=0.05, tokens_per_s=250,
                                                                             chunk_s=0.05)))
            port = free_port()
            api = Proc(["serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)],
                       traced_env(db_url, receiver.endpoint), tmp_path / "api.log")
            first = worker(db_url, receiver.endpoint, tmp_path, "a", fake)
            second: Proc | None = None
            try:
                base = f"http://127.0.0.1:{port}"
                await api.wait_healthy(base)
                live = Live(base, service_key, settings, db_url)
                job_id = uuid.UUID(await start(live))

                async def block_3_in_flight() -> bool:
                    rows = await pool.fetch("SELECT kind, idx, status, last_sequence FROM program_generation_steps "
                                            "WHERE job_id = $1", job_id)
                    return sum(r["kind"] == "block" and r["status"] == "done" for r in rows) == 2 and any(
                        r["kind"] == "block" and r["idx"] == 2 and (r["last_sequence"] or 0) > 5 for r in rows)

                await wait_until(block_3_in_flight, timeout=30)
                await asyncio.sleep(0.3)  # the finished calls' spans leave the batch
                first.signal(signal.SIGKILL)
                assert first.popen.wait(10) == -signal.SIGKILL
                second = worker(db_url, receiver.endpoint, tmp_path, "b", fake)
                row = await finished(pool, job_id)
                assert row["status"] == "completed" and row["attempt"] == 2, (row, second.output())
                async with live.client() as c:
                    status = (await c.get(f"/api/programs/status/{job_id}")).json()
                    metrics = (await c.get("/metrics")).text
            finally:
                codes = [p.stop() for p in (first, api, *([second] if second else []))]  # SIGTERM: spans flushed
            assert codes[1:] == [0] * (len(codes) - 1), codes

    job = str(job_id)
    traceparent = await pool.fetchval("SELECT traceparent FROM program_generation_jobs WHERE id = $1", job_id)
    # The API's request span started the trace, and the job keeps it.
    request = only(receiver.named("POST /api/programs/generate"))
    assert request.kind == "SERVER" and request.service == "nowva" and request.attributes["nowva.job_id"] == job
    assert traceparent.split("-")[1:3] == [request.trace_id, request.span_id]
    spans = receiver.in_trace(request.trace_id)
    # The retry is a span of the same trace, continuing the request, and says why it happened.
    (retry,) = [s for s in spans if s.name == "generation attempt"]  # attempt 1's never ended: killed
    assert retry.service == "nowva-worker" and retry.parent_span_id == request.span_id
    assert retry.attributes["nowva.attempt"] == 2 and retry.attributes["nowva.outcome"] == "completed"
    assert "crashed or stalled" in retry.attributes["nowva.retry_reason"]
    # Every model call: GenAI conventions; the plan and blocks 1-2 by the killed attempt, block 3 by the retry.
    calls = [s for s in spans if s.name == f"chat {MODEL}"]
    assert sorted(s.attributes["nowva.call"].split(" (")[0] for s in calls) == ["block 1", "block 2", "block 3",
                                                                               "plan"]
    for s in calls:
        a = s.attributes
        assert s.kind == "CLIENT" and a["gen_ai.operation.name"] == "chat" and a["gen_ai.request.model"] == MODEL
        assert a["gen_ai.response.model"] == MODEL and a["gen_ai.response.id"].startswith("resp_")
        assert a["gen_ai.usage.input_tokens"] > 0 and a["gen_ai.usage.output_tokens"] > 0
        assert a["gen_ai.response.finish_reasons"] == ["stop"] and a["nowva.job_id"] == job
    block_3 = only([s for s in calls if s.attributes["nowva.call"].startswith("block 3")])
    assert block_3.attributes["nowva.reattached"] is True
    # ...linked to the killed attempt's call that started the response (stored with the step).
    started_by = await pool.fetchval("SELECT traceparent FROM program_generation_steps WHERE job_id = $1 AND "
                                     "kind = 'block' AND idx = 2", job_id)
    assert block_3.links == [tuple(started_by.split("-")[1:3])]
    assert started_by.split("-")[1] == request.trace_id
    # The steps, and SQL inside them, all name the job.
    assert {"plan", "block", "expand and check"} <= {s.name for s in spans}
    sql = [s for s in spans if "asyncpg" in s.scope and s.service == "nowva-worker"]
    assert sql and all(s.attributes.get("nowva.job_id") == job for s in sql)
    assert any(s.name.startswith("WITH") and s.service == "nowva" for s in spans)  # create_job, in the request
    # What the job cost is what its calls cost, each counted once; said by the status, the last event, /metrics.
    cost = row["usage"]["cost_usd"]
    assert cost == pytest.approx(sum(s.attributes["nowva.cost_usd"] for s in calls), rel=1e-9) and cost > 0
    assert status["cost_usd"] == pytest.approx(cost)
    last = await pool.fetchval("SELECT data FROM program_generation_events WHERE job_id = $1 ORDER BY seq DESC "
                               "LIMIT 1", job_id)
    assert last["cost_usd"] == pytest.approx(cost)
    assert f'nowva_llm_cost_usd_total{{model="{MODEL}"}} {cost}' in metrics or \
        any(line.startswith(f'nowva_llm_cost_usd_total{{model="{MODEL}"}}') and
            float(line.split()[-1]) == pytest.approx(cost) for line in metrics.splitlines())
    # A status poll that names the job is in its own trace, found by the job id.
    poll = [s for s in receiver.named("GET /api/programs/status/{job_id}") if s.attributes.get("nowva.job_id") == job]
    assert poll
    # Log lines inside the retry carry its trace.
    lines = [json.loads(line) for line in second.output().splitlines() if line.startswith("{")]
    started = only([line for line in lines if "attempt 2 started" in line["msg"]])
    assert started["trace_id"] == request.trace_id and started["span_id"] == retry.span_id


async def test_status_polls_can_be_left_untraced_with_the_standard_variable(
        settings: Settings, db_url: str, service_key: str, tmp_path: Path) -> None:
    with otlp_receiver() as receiver:
        port = free_port()
        api = Proc(["serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)],
                   traced_env(db_url, receiver.endpoint, OTEL_PYTHON_EXCLUDED_URLS="api/programs/status/[0-9a-f-]+$"),
                   tmp_path / "api.log")
        try:
            base = f"http://127.0.0.1:{port}"
            await api.wait_healthy(base)
            live = Live(base, service_key, settings, db_url)
            job_id = await start(live)
            async with live.client() as c:
                for _ in range(3):
                    assert (await c.get(f"/api/programs/status/{job_id}")).status_code == 200
                assert (await c.post(f"/api/programs/status/{job_id}/cancel")).status_code == 200
        finally:
            assert api.stop() == 0  # SIGTERM: spans flushed
    request = only(receiver.named("POST /api/programs/generate"))
    assert request.attributes["nowva.job_id"] == job_id
    assert only(receiver.named("POST /api/programs/status/{job_id}/cancel")).attributes["nowva.job_id"] == job_id
    assert receiver.named("GET /api/programs/status/{job_id}") == []


async def test_the_receiver_decodes_what_the_sdk_exporter_sends() -> None:
    """The receiver itself, against the SDK's own OTLP/HTTP exporter (no tracing of ours involved)."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    with otlp_receiver() as receiver:
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{receiver.endpoint}/v1/traces")))
        with provider.get_tracer("t").start_as_current_span("hello", attributes={"n": 1, "l": ["a"]}):
            pass
        provider.shutdown()
    (span,) = receiver.named("hello")
    assert span.attributes == {"n": 1, "l": ["a"]} and len(span.trace_id) == 32
    assert httpx  # the suite's own clients stay on loopback
