"""Faults with real processes and real signals: killed, paused and stopped workers, PostgreSQL
restarts. What users see must hold: status, events, exactly one program per completed job."""

from __future__ import annotations

import asyncio
import signal
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import asyncpg
import httpx
import pytest
from httpx_sse import aconnect_sse

from app.db import database_unavailable
from app.embedded import EmbeddedPostgres
from app.queries import Executor
from tests.support import Live, Proc, env_for, free_port, wait_until

pytestmark = pytest.mark.slow

REQUEST = {"height_cm": 175.0, "weight_kg": 70.0, "goal_category": "power", "goal_raw": "jump higher",
           "duration_weeks": 12, "days_per_week": 3, "fitness_level": "advanced"}


def worker(db_url: str, tmp_path: Path, name: str, **env: str) -> Proc:
    settings = {"NOWVA_GENERATOR": "builtin", "NOWVA_BUILTIN_WEEK_DELAY": "0.4", "NOWVA_STALL_AFTER": "3",
                "NOWVA_CONCURRENCY": "5", "NOWVA_SHUTDOWN_GRACE": "10", **env}
    return Proc(["worker", "--name", name], env_for(db_url, **settings), tmp_path / f"{name}.log")


async def submit(live: Live, **overrides: Any) -> str:
    async with live.client() as c:
        user = (await c.post("/api/users", json={})).json()["id"]
        r = await c.post("/api/programs/generate", json={"user_id": user, **REQUEST, **overrides})
        assert r.status_code == 202, r.text
        return str(r.json()["job_id"])


async def job(pool: Executor, job_id: str) -> asyncpg.Record:
    row = await pool.fetchrow("SELECT status, attempt, progress, error_message, last_seq FROM"
                              " program_generation_jobs WHERE id = $1", uuid.UUID(job_id))
    assert row is not None
    return row


async def programs_of(pool: asyncpg.Pool, job_id: str) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM programs WHERE job_id = $1", uuid.UUID(job_id)))


async def events_are_gap_free(pool: asyncpg.Pool, job_id: str) -> list[str]:
    rows = await pool.fetch("SELECT seq, type FROM program_generation_events WHERE job_id = $1 ORDER BY seq",
                            uuid.UUID(job_id))
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    return [r["type"] for r in rows]


async def queue_job_of(pool: asyncpg.Pool, job_id: str) -> int:
    return int(await pool.fetchval("SELECT procrastinate_job_id FROM program_generation_jobs WHERE id = $1",
                                   uuid.UUID(job_id)))


async def queue_status(pool: asyncpg.Pool, queue_job_id: int, status: str) -> bool:
    return bool(await pool.fetchval("SELECT status::text = $2 FROM procrastinate_jobs WHERE id = $1",
                                    queue_job_id, status))


async def running(pool: asyncpg.Pool, job_id: str, attempt: int = 1) -> None:
    async def check() -> bool:
        row = await job(pool, job_id)
        return bool(row["status"] == "in_progress" and row["attempt"] == attempt and row["progress"] >= 10)

    await wait_until(check, timeout=30)


async def completed(pool: Executor, job_id: str, timeout: float = 60) -> asyncpg.Record:
    async def check() -> bool:
        return bool((await job(pool, job_id))["status"] in ("completed", "failed", "cancelled"))

    await wait_until(check, timeout=timeout, interval=0.2)
    return await job(pool, job_id)


async def test_sigkill_mid_generation_is_retried_and_completes_once(
    api_only: Live, db_url: str, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    first = worker(db_url, tmp_path, "a")
    second = None
    try:
        job_id = await submit(api_only)
        await running(pool, job_id)
        first.signal(signal.SIGKILL)
        assert first.popen.wait(10) == -signal.SIGKILL
        second = worker(db_url, tmp_path, "b")
        row = await completed(pool, job_id)
        assert row["status"] == "completed", (row, second.output())
        assert row["attempt"] == 2
        assert await programs_of(pool, job_id) == 1
        types = await events_are_gap_free(pool, job_id)
        assert types.count("completed") == 1 and types[-1] == "completed"
    finally:
        first.stop()
        if second is not None:
            assert second.stop() == 0, second.output()


async def test_paused_worker_resumed_after_its_retry_makes_no_second_program(
    api_only: Live, db_url: str, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    paused = worker(db_url, tmp_path, "paused")
    other = None
    try:
        job_id = await submit(api_only)
        await running(pool, job_id)
        first_queue_job = await queue_job_of(pool, job_id)
        paused.signal(signal.SIGSTOP)
        other = worker(db_url, tmp_path, "other")
        await running(pool, job_id, attempt=2)  # its lease ran out: handed to a fresh queue job
        owner_queue_job = await queue_job_of(pool, job_id)
        assert owner_queue_job != first_queue_job
        paused.signal(signal.SIGCONT)  # the original wakes up mid-generation
        # it finds out at its next lease renewal that it lost the job, stops, and ends only its
        # own queue row: the owner's row is still running, and so is the job
        await wait_until(lambda: "no longer owns its job" in paused.output(), timeout=15)
        await wait_until(lambda: queue_status(pool, first_queue_job, "succeeded"), timeout=10)
        row = await job(pool, job_id)
        if row["status"] == "in_progress":
            assert await queue_status(pool, owner_queue_job, "doing")
        row = await completed(pool, job_id)
        await asyncio.sleep(3)  # give the original every chance to write
        row = await job(pool, job_id)
        assert row["status"] == "completed" and row["attempt"] == 2
        assert await programs_of(pool, job_id) == 1
        types = await events_are_gap_free(pool, job_id)
        assert types.count("completed") == 1
    finally:
        paused.signal(signal.SIGCONT)
        paused.stop()
        if other is not None:
            other.stop()


async def test_retries_are_capped_for_a_job_that_kills_its_worker_every_time(
    api_only: Live, db_url: str, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    job_id = await submit(api_only)
    procs: list[Proc] = []
    try:
        for attempt in (1, 2):
            p = worker(db_url, tmp_path, f"crash{attempt}", NOWVA_MAX_ATTEMPTS="2")
            procs.append(p)
            await running(pool, job_id, attempt=attempt)
            p.signal(signal.SIGKILL)
            p.popen.wait(10)
        last = worker(db_url, tmp_path, "last", NOWVA_MAX_ATTEMPTS="2")
        procs.append(last)
        row = await completed(pool, job_id)
        assert row["status"] == "failed"
        # the true number of attempts, and why the last one ended
        assert row["error_message"] == ("Generation failed after 2 attempts: the worker running attempt 2"
                                        " crashed or stalled (its lease ran out)."), row["error_message"]
        assert await programs_of(pool, job_id) == 0
        assert (await events_are_gap_free(pool, job_id))[-1] == "failed"
    finally:
        for p in procs:
            p.stop()


async def test_sigterm_lets_a_running_job_finish_within_the_grace_period(
    api_only: Live, db_url: str, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    p = worker(db_url, tmp_path, "graceful", NOWVA_BUILTIN_WEEK_DELAY="0.2")
    job_id = await submit(api_only, duration_weeks=8)
    await running(pool, job_id)
    p.signal(signal.SIGTERM)
    code = await asyncio.to_thread(p.popen.wait, 30)
    assert code == 0, p.output()
    row = await job(pool, job_id)
    assert row["status"] == "completed" and row["attempt"] == 1
    assert await programs_of(pool, job_id) == 1
    p.stop()


async def test_a_graceful_shutdown_longer_than_the_stall_timeout_keeps_its_job(
    api_only: Live, db_url: str, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """Procrastinate stops its heartbeat while a shutdown waits for running jobs; the attempt's
    own lease goes on, so another worker (which prunes the silent one) never takes the job."""
    stopping = worker(db_url, tmp_path, "stopping", NOWVA_SHUTDOWN_GRACE="30", NOWVA_BUILTIN_WEEK_DELAY="0.5")
    other = None
    try:
        job_id = await submit(api_only, duration_weeks=20)  # ~10 s: over three stall timeouts
        await running(pool, job_id)
        other = worker(db_url, tmp_path, "other")
        stopping.signal(signal.SIGTERM)
        await asyncio.sleep(1)
        restarted = worker(db_url, tmp_path, "restarted")  # a new worker prunes silent ones at start
        try:
            assert await asyncio.to_thread(stopping.popen.wait, 40) == 0, stopping.output()
            row = await completed(pool, job_id)
            assert row["status"] == "completed" and row["attempt"] == 1, row
            assert await programs_of(pool, job_id) == 1
            # never handed off: no status event after the attempt's own in_progress
            assert await pool.fetchval("SELECT count(*) FROM program_generation_events"
                                       " WHERE job_id = $1 AND seq > 2 AND type = 'status'", uuid.UUID(job_id)) == 0
        finally:
            restarted.stop()
    finally:
        stopping.stop()
        if other is not None:
            other.stop()


async def test_sigterm_past_the_grace_period_hands_the_job_back(
    api_only: Live, db_url: str, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    p = worker(db_url, tmp_path, "impatient", NOWVA_SHUTDOWN_GRACE="1", NOWVA_BUILTIN_WEEK_DELAY="0.5")
    other = None
    try:
        job_id = await submit(api_only, duration_weeks=20)
        await running(pool, job_id)
        p.signal(signal.SIGTERM)
        assert await asyncio.to_thread(p.popen.wait, 30) == 0, p.output()
        # handed back at once, not when its lease runs out, and the event says why
        assert (await job(pool, job_id))["status"] == "pending"
        last = await pool.fetchrow("SELECT type, data FROM program_generation_events WHERE job_id = $1"
                                   " ORDER BY seq DESC LIMIT 1", uuid.UUID(job_id))
        assert last is not None and last["type"] == "status" and last["data"]["status"] == "pending"
        assert "shutdown" in last["data"]["retry_reason"]
        other = worker(db_url, tmp_path, "taker", NOWVA_BUILTIN_WEEK_DELAY="0.05")
        row = await completed(pool, job_id)
        assert row["status"] == "completed" and row["attempt"] == 2
        assert await programs_of(pool, job_id) == 1
    finally:
        p.stop()
        if other is not None:
            other.stop()


async def test_workers_and_the_api_survive_a_postgres_restart(
    embedded: EmbeddedPostgres, api_only: Live, db_url: str, tmp_path: Path
) -> None:
    standalone = worker(db_url, tmp_path, "standalone", NOWVA_BUILTIN_WEEK_DELAY="0")
    port = free_port()
    serve = Proc(["serve", "--port", str(port)],
                 env_for(db_url, NOWVA_GENERATOR="builtin", NOWVA_STALL_AFTER="3"), tmp_path / "serve.log")

    async def all_complete(jobs: list[str]) -> None:
        conn = await asyncpg.connect(db_url)  # a fresh connection: the restart closed every earlier one
        try:
            for j in jobs:
                assert (await completed(conn, j, timeout=45))["status"] == "completed", j
        finally:
            await conn.close()

    try:
        await serve.wait_healthy(f"http://127.0.0.1:{port}", timeout=30)
        first = await submit(api_only, duration_weeks=1)
        await all_complete([first])
        embedded.stop_server()
        # While the database is away every request is a 503 the client may retry, never a 500.
        async with api_only.client() as c:
            for method, path in [("GET", f"/api/programs/status/{first}"), ("POST", "/api/users"),
                                 ("GET", "/api/jobs"), ("GET", f"/api/programs/status/{first}/events")]:
                r = await c.request(method, path, json={} if method == "POST" else None)
                assert r.status_code == 503, (method, path, r.status_code, r.text)
                assert r.headers["retry-after"] and "database" in r.json()["detail"], r.text
            assert (await c.get("/api/health")).status_code == 503
        embedded.start_server()
        await asyncio.sleep(1)
        assert standalone.popen.poll() is None, standalone.output()
        assert serve.popen.poll() is None, serve.output()
        # the API's pool heals: new requests work without an API restart
        await all_complete([await submit(api_only, duration_weeks=1) for _ in range(4)])
        # Each worker must have recovered by itself, whether Procrastinate noticed the restart
        # (and our supervisor restarted it) or rode it out. Only one can take jobs at a time:
        # the standalone is frozen while the one inside `nowva serve` proves itself, then
        # `nowva serve` stops and the standalone proves itself.
        standalone.signal(signal.SIGSTOP)
        try:
            await all_complete([await submit(api_only, duration_weeks=1) for _ in range(2)])
        finally:
            standalone.signal(signal.SIGCONT)
        assert await asyncio.to_thread(serve.stop) == 0, serve.output()
        await all_complete([await submit(api_only, duration_weeks=1) for _ in range(2)])
    finally:
        assert standalone.stop() == 0, standalone.output()
        assert serve.stop() == 0, serve.output()


async def test_sigterm_on_the_api_ends_streams_cleanly_and_clients_resume_elsewhere(
    api_only: Live, db_url: str, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    port = free_port()
    api = Proc(["serve", "--no-worker", "--port", str(port)], env_for(db_url), tmp_path / "api.log")
    job_id = await submit(api_only)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {api_only.key}"}
    try:
        await api.wait_healthy(base, timeout=30)
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as c:
            seen: list[int] = []
            async with aconnect_sse(c, "GET", f"/api/programs/status/{job_id}/events") as source:
                t0 = asyncio.get_running_loop().time()
                async for sse in source.aiter_sse():
                    if sse.data:
                        seen.append(int(sse.id))
                        api.signal(signal.SIGTERM)
                # the stream ended (not hung) soon after SIGTERM
                assert asyncio.get_running_loop().time() - t0 < 10
        assert seen == [1]
        assert await asyncio.to_thread(api.popen.wait, 20) == 0, api.output()
    finally:
        api.stop()
    # the client resumes on another API process with Last-Event-ID and misses nothing
    p = worker(db_url, tmp_path, "w", NOWVA_BUILTIN_WEEK_DELAY="0")
    try:
        async with api_only.client() as c:
            rest: list[int] = []
            async with aconnect_sse(c, "GET", f"/api/programs/status/{job_id}/events",
                                    headers={"Last-Event-ID": "1"}) as source:
                async for sse in source.aiter_sse():
                    if sse.data:
                        rest.append(int(sse.id))
        # in_progress .. completed (the built-in engine's own reports coalesce away: jobs/progress.py)
        assert rest == list(range(2, len(rest) + 2)) and len(rest) >= 2
    finally:
        p.stop()


async def test_worker_and_api_started_while_the_database_is_down_come_up_when_it_does(
    api_only: Live, db_url: str, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """`nowva worker` and `nowva serve` wait for an unreachable database (with backoff) instead
    of exiting. The database 'comes up' when its socket directory appears under the URL's path."""
    socket_dir = Path(unquote(parse_qs(urlsplit(db_url).query)["host"][0]))
    later = tmp_path / "socket-later"  # nothing there yet: connecting fails as with a server down
    url = db_url.replace(quote(str(socket_dir), safe=""), quote(str(later), safe="")).replace(
        str(socket_dir), str(later))
    assert str(later) in unquote(url)
    port = free_port()
    early_worker = worker(url, tmp_path, "early", NOWVA_BUILTIN_WEEK_DELAY="0")
    early_api = Proc(["serve", "--no-worker", "--port", str(port)], env_for(url), tmp_path / "early-api.log")
    try:
        await wait_until(lambda: early_worker.output().count("unreachable") >= 2
                         and "unreachable" in early_api.output(), timeout=20)
        assert early_worker.popen.poll() is None and early_api.popen.poll() is None
        # a SIGTERM while waiting ends the wait at once, cleanly (PID 1 in a container too)
        for args in (["worker", "--name", "quitter"], ["serve", "--port", str(free_port())]):
            quitter = Proc(args, env_for(url), tmp_path / f"quitter-{args[0]}.log")
            await wait_until(lambda q=quitter: "unreachable" in q.output(), timeout=20)
            quitter.signal(signal.SIGTERM)
            assert await asyncio.to_thread(quitter.popen.wait, 10) == 0, quitter.output()
            assert "while waiting for the database" in quitter.output()
            quitter.stop()
        later.symlink_to(socket_dir)  # the database is back
        await early_api.wait_healthy(f"http://127.0.0.1:{port}", timeout=30)
        job_id = await submit(api_only, duration_weeks=1)
        assert (await completed(pool, job_id, timeout=30))["status"] == "completed", early_worker.output()
    finally:
        assert early_worker.stop() == 0, early_worker.output()
        assert early_api.stop() == 0, early_api.output()


def test_only_asyncpgs_lost_while_idle_race_counts_as_the_database_away() -> None:
    """asyncpg#784, reproduced at 1-2 per restart under load (the soak met it once in 8 runs): a
    503 for that one InternalClientError, while any other stays a 500 (a bug to see)."""
    race = asyncpg.InternalClientError("cannot switch to state 15; another operation (2) is in progress")
    assert database_unavailable(race)
    assert not database_unavailable(asyncpg.InternalClientError("PoolConnectionHolder.release() called on a free"
                                                                " connection holder"))
    assert database_unavailable(ConnectionRefusedError()) and not database_unavailable(ValueError())
