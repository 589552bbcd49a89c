"""Scale-out: two API processes and two worker processes on one database, as real processes.

A client streaming from API 1 sees every event of jobs submitted through API 2 and run by
either worker. The hub's fallback poll is two minutes, past the test's timeout, so live
events can only have come through LISTEN/NOTIFY across processes. And when LISTEN is
impossible (a transaction-mode pooler), the stream still delivers everything by polling.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import asyncpg
import httpx
from httpx_sse import aconnect_sse

from app.settings import Settings
from tests.processes.test_ops import parse_metrics, sample, submit
from tests.support import Live, Proc, api_server, env_for, free_port, wait_until, worker_task

JOBS = 6


async def follow(client: httpx.AsyncClient, job_id: str) -> list[tuple[int, str]]:
    """(seq, type) of every event of a job from its stream, until the terminal one."""
    async with aconnect_sse(client, "GET", f"/api/programs/status/{job_id}/events") as source:
        assert source.response.status_code == 200
        events = []
        async for sse in source.aiter_sse():
            if sse.data:
                assert json.loads(sse.data)["job_id"] == job_id
                events.append((int(sse.id), sse.event))
        return events


async def test_two_apis_and_two_workers(db_url: str, service_key: str, pool: asyncpg.Pool, tmp_path: Path) -> None:
    env = env_for(db_url, NOWVA_GENERATOR="builtin", NOWVA_BUILTIN_WEEK_DELAY="0.2",
                  # Two jobs at a time per worker: six jobs cannot all land on one.
                  NOWVA_CONCURRENCY="2", NOWVA_HUB_POLL="120", NOWVA_LISTEN_DATABASE_URL=db_url)
    ports = [free_port(), free_port()]
    procs: list[Proc] = []
    try:
        for i, port in enumerate(ports, 1):
            procs.append(Proc(["serve", "--no-worker", "--port", str(port)], env, tmp_path / f"api{i}.log"))
        for i in (1, 2):
            procs.append(Proc(["worker", "--name", f"w{i}"], env, tmp_path / f"worker{i}.log"))
        headers = {"Authorization": f"Bearer {service_key}"}
        async with (httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports[0]}", headers=headers,
                                      timeout=60) as api1,
                    httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports[1]}", headers=headers,
                                      timeout=60) as api2):
            await asyncio.gather(procs[0].wait_healthy(str(api1.base_url)), procs[1].wait_healthy(str(api2.base_url)))

            async def both_workers_up() -> bool:
                for proc in procs[2:]:
                    assert proc.popen.poll() is None, proc.output()
                # Registered, and listening: a worker registers before its LISTEN goes out, and
                # one that misses the jobs' NOTIFYs only polls every 5 s.
                listening = await pool.fetchval(
                    "SELECT count(DISTINCT pid) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND query LIKE 'LISTEN \"procrastinate%'")
                return bool(await pool.fetchval("SELECT count(*) FROM procrastinate_workers") == 2
                            and listening == 2)

            await wait_until(both_workers_up, timeout=60, interval=0.2)

            job_ids = [await submit(api2, weeks=6) for _ in range(JOBS)]
            streams = await asyncio.wait_for(asyncio.gather(*(follow(api1, j) for j in job_ids)), timeout=60)

            for job_id, events in zip(job_ids, streams, strict=True):
                last_seq = await pool.fetchval("SELECT last_seq FROM program_generation_jobs WHERE id = $1",
                                               uuid.UUID(job_id))
                assert [seq for seq, _ in events] == list(range(1, last_seq + 1)), job_id  # no gap, no duplicate
                assert events[-1][1] == "completed"
            # Both workers ran some (asked while they are alive: a stopping worker unregisters).
            ran = await pool.fetch(
                "SELECT worker_id, count(*) AS n FROM procrastinate_jobs WHERE task_name = 'generate_program'"
                " GROUP BY worker_id")
            assert len(ran) == 2 and all(r["worker_id"] is not None for r in ran), ran
            assert await pool.fetchval("SELECT count(*) FROM programs") == JOBS
            # Every API process reports the cluster's numbers, whoever ran the jobs.
            for api in (api1, api2):
                metrics = parse_metrics((await api.get("/metrics")).text)
                assert sample(metrics, "nowva_generations_finished_total", status="completed") == JOBS
                assert sample(metrics, "nowva_workers") == 2
    finally:
        codes = [proc.stop() for proc in procs]
    assert codes == [0, 0, 0, 0], [p.output()[-2000:] for p in procs]
    for proc in procs[2:]:
        assert "started" in proc.output()


async def test_streams_fall_back_to_polling_without_listen(
    settings: Settings, db_url: str, service_key: str, pool: asyncpg.Pool
) -> None:
    # Behind a transaction-mode pooler LISTEN cannot work; here it cannot even connect.
    no_listen = db_url.replace("/t_", "/no_such_database_t_", 1)
    assert Settings.from_env({"NOWVA_LISTEN_DATABASE_URL": no_listen}).listen_database_url == no_listen
    fast_poll = settings.with_(hub_poll_s=0.5)
    async with api_server(fast_poll, db_url, listen_url=no_listen) as base, worker_task(settings, db_url):
        live = Live(base, service_key, fast_poll, db_url)
        async with live.client() as c:
            job_id = await submit(c, weeks=3)
            events = await asyncio.wait_for(follow(c, job_id), timeout=30)
            metrics = parse_metrics((await c.get("/metrics")).text)
    assert [seq for seq, _ in events] == list(range(1, len(events) + 1))
    assert events[-1][1] == "completed"
    assert sample(metrics, "nowva_hub_listening") == 0
