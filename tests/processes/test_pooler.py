"""Behind a real PgBouncer 1.18 in transaction mode, in front of the distribution's PostgreSQL.

Everything but LISTEN and the migrations goes through the pooler (NOWVA_DB_POOLER=transaction,
DATABASE_URL the pooler), for the API and the workers alike; NOWVA_LISTEN_DATABASE_URL is the
server itself. PgBouncer 1.18 tracks no prepared statements, so any named one would fail here;
its pool has POOL_SIZE server connections for the whole fleet.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from httpx_sse import aconnect_sse

from tests.distro_pg import DistroPostgres, PgBouncer, postgres_behind_pgbouncer
from tests.processes.test_ops import parse_metrics, sample
from tests.support import ROOT, Proc, env_for, free_port, wait_until

pytestmark = pytest.mark.pooler

POOL_SIZE = 8  # PgBouncer's server connections for everything but listening
REQUEST = {"height_cm": 180.0, "weight_kg": 80.0, "goal_category": "strength", "goal_raw": "get strong",
           "duration_weeks": 1, "days_per_week": 2, "fitness_level": "beginner"}
DEAF = "hears nothing on its LISTEN connection"


@dataclass
class Pooled:
    server: DistroPostgres
    bouncer: PgBouncer
    direct: str  # the database on the server itself
    pooled: str  # the same database through PgBouncer
    key: str
    root: Path

    def env(self, listen: str | None, **extra: str) -> dict[str, str]:
        settings = {"NOWVA_DB_POOLER": "transaction", "NOWVA_GENERATOR": "builtin", "NOWVA_STALL_AFTER": "5",
                    "NOWVA_SHUTDOWN_GRACE": "5", "NOWVA_GENERATE_RATE_PER_SERVICE_KEY": "100000",
                    "NOWVA_GENERATE_RATE_PER_USER": "100000", **extra}
        if listen is not None:
            settings["NOWVA_LISTEN_DATABASE_URL"] = listen
        return env_for(self.pooled, **settings)


def nowva(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def pooled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pooled]:
    with postgres_behind_pgbouncer(POOL_SIZE) as (server, bouncer):
        admin = subprocess.run([server.bin_dir / "psql", "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres",
                                "-c", "CREATE DATABASE nowva"], capture_output=True, text=True)
        assert admin.returncode == 0, admin.stderr
        p = Pooled(server, bouncer, server.url("nowva"), bouncer.url("nowva"), "", tmp_path_factory.mktemp("pooled"))
        # The migrations take their lock on the listen URL; the key goes through the pooler (what
        # failed with "prepared statement __asyncpg_stmt_1__ already exists" before).
        migrated = nowva(["migrate"], p.env(p.direct))
        assert migrated.returncode == 0 and "0001_core" in migrated.stdout, migrated.stderr
        created = nowva(["keys", "create", "--name", "pooler"], p.env(p.direct))
        assert created.returncode == 0, created.stderr
        p.key = created.stdout.strip().splitlines()[-1]
        yield p


@pytest.fixture
async def direct_pool(pooled: Pooled) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(pooled.direct, min_size=1, max_size=2)
    assert pool is not None
    yield pool
    await pool.close()


class Fleet:
    """`nowva serve --no-worker` and `nowva worker` processes, each ended by its own pid."""

    def __init__(self, pooled: Pooled, tmp_path: Path, listen: str | None, workers: int, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        e = pooled.env(listen, **env)
        self.api = Proc(["serve", "--no-worker", "--port", str(self.port)], e, tmp_path / "api.log")
        self.workers = [Proc(["worker", "--name", f"w{i}"], e, tmp_path / f"w{i}.log") for i in range(workers)]
        self.headers = {"Authorization": f"Bearer {pooled.key}"}

    def client(self, timeout: float = 30) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base, headers=self.headers, timeout=timeout)

    def stop(self) -> None:
        codes = [p.stop() for p in (self.api, *self.workers)]
        assert codes == [0] * len(codes), [p.output()[-3000:] for p in (self.api, *self.workers)]

    def outputs(self) -> str:
        return "\n".join(p.output() for p in (self.api, *self.workers))


@pytest.fixture
def fleet_of(pooled: Pooled, tmp_path: Path) -> Iterator[Any]:
    fleets: list[Fleet] = []

    def make(listen: str | None, workers: int = 1, **env: str) -> Fleet:
        fleets.append(Fleet(pooled, tmp_path, listen, workers, **env))
        return fleets[-1]

    yield make
    for fleet in fleets:
        fleet.stop()


async def listening_workers(pool: asyncpg.Pool, n: int) -> None:
    async def ready() -> bool:
        count = await pool.fetchval("SELECT count(*) FROM pg_stat_activity WHERE application_name ="
                                    " 'nowva-worker-listen' AND query LIKE 'LISTEN%'")
        return bool(count == n)

    await wait_until(ready, timeout=60, interval=0.2)


async def submit(c: httpx.AsyncClient, **overrides: Any) -> str:
    user = (await c.post("/api/users", json={})).json()["id"]
    r = await c.post("/api/programs/generate", json={"user_id": user, **REQUEST, **overrides})
    assert r.status_code == 202, r.text
    return str(r.json()["job_id"])


async def events(c: httpx.AsyncClient, job_id: str, last_id: str | None = None) -> list[tuple[int, str, float]]:
    """A job's SSE stream to its end: (seq, event type, when it arrived)."""
    headers = {"Last-Event-ID": last_id} if last_id else {}
    out: list[tuple[int, str, float]] = []
    async with aconnect_sse(c, "GET", f"/api/programs/status/{job_id}/events", headers=headers) as source:
        async for sse in source.aiter_sse():
            if sse.data:
                out.append((int(sse.id), sse.event, time.monotonic()))
    return out


async def test_the_seeds_flow_sse_long_poll_and_cancel_through_pgbouncer(
        pooled: Pooled, fleet_of: Any, direct_pool: asyncpg.Pool) -> None:
    # NOWVA_HUB_POLL 30: an event that came by the poll, not by LISTEN, would be seconds late.
    fleet = fleet_of(pooled.direct, NOWVA_HUB_POLL="30", NOWVA_BUILTIN_WEEK_DELAY="0.2")
    await fleet.api.wait_healthy(fleet.base)
    await listening_workers(direct_pool, 1)
    async with fleet.client() as c:
        # The seed's flow.
        user = (await c.post("/api/users", json={"display_name": "Sam"})).json()["id"]
        r = await c.post("/api/programs/generate", json={"user_id": user, **REQUEST, "duration_weeks": 4})
        assert r.status_code == 202, r.text
        job_id = r.json()["job_id"]
        # Long-poll: answers when the job moves on, long before the wait runs out.
        status = (await c.get(f"/api/programs/status/{job_id}", params={"wait": 20, "after": 1})).json()
        assert status["seq"] >= 2, status
        # SSE, live, in order, to the terminal event; then resumed after event 2.
        streamed = await events(c, job_id)
        assert [seq for seq, _, _ in streamed] == list(range(1, len(streamed) + 1))
        assert streamed[-1][1] == "completed"
        resumed = await events(c, job_id, last_id="2")
        assert [seq for seq, _, _ in resumed] == list(range(3, len(streamed) + 1))
        status = (await c.get(f"/api/programs/status/{job_id}")).json()
        assert status["status"] == "completed", status
        program = (await c.get(f"/api/programs/{status['program_id']}")).json()
        assert program["job_id"] == job_id and [w["week"] for w in program["weeks"]] == [1, 2, 3, 4]

        # LISTEN works for the worker and the hub: a job starts, and its events arrive, at once.
        starts: list[float] = []
        for _ in range(5):
            t0 = time.monotonic()
            job = await submit(c)
            seen = await events(c, job)
            starts.append(next(t for seq, _, t in seen if seq == 2) - t0)  # in_progress: a worker took it
            assert seen[-1][1] == "completed"
        print(f"\npgbouncer: job submitted → its start streamed, median {statistics.median(starts):.3f}s")
        assert statistics.median(starts) < 2.0, starts  # the polls are 5 s (worker) and 30 s (hub)

        # Cancel reaches a running job.
        job_id = await submit(c, duration_weeks=20)

        async def running() -> bool:
            s = (await c.get(f"/api/programs/status/{job_id}")).json()
            return bool(s["status"] == "in_progress" and s["progress"] > 5)

        await wait_until(running, timeout=30)
        r = await c.post(f"/api/programs/status/{job_id}/cancel")
        assert r.status_code == 200 and r.json()["status"] == "cancelled"
        await wait_until(lambda: direct_pool.fetchval(
            "SELECT pj.status::text <> 'doing' FROM procrastinate_jobs pj JOIN program_generation_jobs j"
            " ON j.procrastinate_job_id = pj.id WHERE j.id = $1", uuid.UUID(job_id)), timeout=15)
        assert (await c.get(f"/api/programs/status/{job_id}")).json()["program_id"] is None
        for _ in range(3):  # an unchanged job's polls are answered from memory (app/web/status_cache.py)
            await c.get(f"/api/programs/status/{job_id}")
        metrics = parse_metrics((await c.get("/metrics")).text)
        assert sample(metrics, "nowva_hub_listening") == 1
        assert sample(metrics, "nowva_status_reads_total", source="memory") >= 2, metrics
    assert DEAF not in fleet.outputs()


async def test_a_run_of_jobs_on_three_workers_survives_a_pgbouncer_restart(
        pooled: Pooled, fleet_of: Any, direct_pool: asyncpg.Pool) -> None:
    jobs = 200
    fleet = fleet_of(pooled.direct, workers=3, NOWVA_BUILTIN_WEEK_DELAY="0.05", NOWVA_CONCURRENCY="10")
    await fleet.api.wait_healthy(fleet.base)
    await listening_workers(direct_pool, 3)
    peak = 0

    async def server_connections() -> int:
        # Client backends on the server: PgBouncer's pool, plus one LISTEN per process.
        return int(await direct_pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = 'nowva'"
            " AND pid <> pg_backend_pid()"))

    async with fleet.client(timeout=60) as c:
        job_ids = list(await asyncio.gather(*(submit(c) for _ in range(jobs))))
        ours = [uuid.UUID(j) for j in job_ids]  # the module's other tests ran jobs of their own
        await wait_until(lambda: direct_pool.fetchval(
            "SELECT count(*) >= 20 FROM program_generation_jobs WHERE status = 'completed' AND id = ANY($1)",
            ours), timeout=60)
        peak = max(peak, await server_connections())
        pooled.bouncer.stop()
        try:
            r = await c.get(f"/api/programs/status/{job_ids[-1]}")
            assert r.status_code == 503, r.text
            assert (await c.get("/api/health")).status_code == 503
            await asyncio.sleep(2)
        finally:
            pooled.bouncer.start()

        async def all_done() -> bool:
            nonlocal peak
            peak = max(peak, await server_connections())
            return bool(await direct_pool.fetchval(
                "SELECT count(*) = $1 FROM program_generation_jobs WHERE status = 'completed' AND id = ANY($2)",
                jobs, ours))

        await wait_until(all_done, timeout=240, interval=0.5)
        statuses = await asyncio.gather(*(c.get(f"/api/programs/status/{j}") for j in job_ids[:20]))
        assert all(s.status_code == 200 and s.json()["status"] == "completed" for s in statuses)
    # Every job completed once: one program and one completed event each.
    assert await direct_pool.fetchval("SELECT count(*) FROM programs WHERE job_id = ANY($1)", ours) == jobs
    once = await direct_pool.fetch(
        "SELECT job_id, count(*) AS n FROM program_generation_events WHERE type = 'completed' AND job_id = ANY($1)"
        " GROUP BY job_id", ours)
    assert len(once) == jobs and all(r["n"] == 1 for r in once), once
    ran = await direct_pool.fetchval(
        "SELECT count(DISTINCT pj.worker_id) FROM procrastinate_jobs pj JOIN program_generation_jobs j"
        " ON j.procrastinate_job_id = pj.id WHERE j.id = ANY($1)", ours)
    print(f"\npgbouncer: {jobs} jobs on 3 workers, peak {peak} server connections "
          f"({POOL_SIZE} pooled + 4 listening at most)")
    assert ran >= 2 and peak <= POOL_SIZE + 4, (ran, peak)
    assert DEAF not in fleet.outputs()


async def test_a_listen_through_the_pooler_is_noticed(pooled: Pooled, fleet_of: Any, direct_pool: asyncpg.Pool) -> None:
    """NOWVA_LISTEN_DATABASE_URL unset: LISTEN goes through PgBouncer in transaction mode, is
    accepted, and hears nothing. Each process says so once, and the hub reads not listening."""
    fleet = fleet_of(None, NOWVA_HUB_POLL="0.5")
    await fleet.api.wait_healthy(fleet.base)
    await wait_until(lambda: DEAF in fleet.api.output() and DEAF in fleet.workers[0].output(), timeout=30)
    for proc in (fleet.api, *fleet.workers):
        out = proc.output()
        assert out.count(DEAF) == 1 and "NOWVA_LISTEN_DATABASE_URL" in out, out[-3000:]
    async with fleet.client() as c:
        assert sample(parse_metrics((await c.get("/metrics")).text), "nowva_hub_listening") == 0
        # Still working, by the polls.
        job_id = await submit(c)
        status = (await c.get(f"/api/programs/status/{job_id}", params={"wait": 20})).json()
        await wait_until(lambda: direct_pool.fetchval(
            "SELECT status = 'completed' FROM program_generation_jobs WHERE id = $1", uuid.UUID(job_id)), timeout=30)
        assert status["status"] in ("pending", "in_progress", "completed")
        # A LISTEN through the pooler is never trusted with status polls: every one reads the table.
        for _ in range(3):
            await c.get(f"/api/programs/status/{job_id}")
        metrics = parse_metrics((await c.get("/metrics")).text)
        assert sample(metrics, "nowva_status_reads_total", source="memory") == 0
        assert sample(metrics, "nowva_status_reads_total", source="table") >= 3


def test_the_pooler_setting_and_the_session_url() -> None:
    from app.settings import Settings

    assert Settings.from_env({}).db_pooler == "session"
    with pytest.raises(ValueError, match="NOWVA_DB_POOLER must be session or transaction, not 'txn'"):
        Settings.from_env({"NOWVA_DB_POOLER": "txn"})
    pooled = Settings.from_env({"NOWVA_DB_POOLER": "transaction"})
    assert pooled.session_database("postgresql://pooler/db") == ("postgresql://pooler/db", "transaction")
    direct = pooled.with_(listen_database_url="postgresql://server/db")
    assert direct.session_database("postgresql://pooler/db") == ("postgresql://server/db", "session")
