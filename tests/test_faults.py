"""Faults with real processes and real signals: killed, paused and stopped workers, PostgreSQL
restarts. What users see must hold: status, events, exactly one program per completed job."""

from __future__ import annotations

import asyncio
import signal
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from httpx_sse import aconnect_sse

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
        paused.signal(signal.SIGSTOP)
        other = worker(db_url, tmp_path, "other")
        await running(pool, job_id, attempt=2)  # swept past the stall timeout and retried
        paused.signal(signal.SIGCONT)  # the original wakes up mid-generation
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
        assert "after 2 attempts" in row["error_message"] and "crashed or stalled" in row["error_message"]
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
        await all_complete([await submit(api_only, duration_weeks=1)])
        embedded.stop_server()
        await asyncio.sleep(1)
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
