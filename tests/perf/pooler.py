"""Direct against through PgBouncer (issue 27): status reads, end-to-end throughput, and the
event and job-start latencies, on the distribution's PostgreSQL with PgBouncer 1.18 in
transaction mode in front (tests/distro_pg.py), rounds alternating.

    python -m tests.perf pooler

"direct": DATABASE_URL is the server. "direct, NOWVA_DB_POOLER=transaction": the same without
named prepared statements. "pgbouncer": DATABASE_URL is PgBouncer (20 server connections),
NOWVA_DB_POOLER=transaction, NOWVA_LISTEN_DATABASE_URL the server. Status reads also with
NOWVA_STATUS_CACHE=0: every poll read from the table, as when the polled job keeps changing.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import statistics
import subprocess
import time
import uuid

import asyncpg
import httpx
from httpx_sse import aconnect_sse

from app import queries as q
from app.db import connect
from app.migrate import migrate
from tests.distro_pg import postgres_behind_pgbouncer
from tests.perf.harness import (
    REQUEST,
    Table,
    api_process,
    create_users,
    load_note,
    ms,
    pct,
    raise_nofile,
    say,
    service_key,
    wait_worker,
    worker_process,
)
from tests.perf.status_reads import CONNECTIONS, wrk
from tests.support import wait_until

POOL_SIZE = 20
NO_CACHE = "NOWVA_STATUS_CACHE=0"


async def _from_memory(base_url: str, key: str) -> tuple[float, bool]:
    """The share of this API process's status polls answered from memory, and whether its hub hears."""
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {key}"}) as c:
        text = (await c.get("/metrics")).text
    reads = {m.group(1): float(m.group(2)) for m in
             re.finditer(r'^nowva_status_reads_total\{source="(\w+)"\} ([\d.e+]+)$', text, re.MULTILINE)}
    listening = re.search(r"^nowva_hub_listening 1", text, re.MULTILINE) is not None
    return reads.get("memory", 0) / max(1.0, sum(reads.values())), listening


async def _status_reads(env: dict[str, str], url: str, direct: str, key: str,
                        seconds: int) -> tuple[float, float, float]:
    conn = await connect(direct)
    try:
        (user,) = await create_users(conn, 1)
        job_id = uuid.uuid4()
        await q.create_job(conn, job_id, user, {**REQUEST, "user_id": str(user)}, None, None, None)
    finally:
        await conn.close()
    async with api_process(url, **env) as api:
        target = f"{api.base_url}/api/programs/status/{job_id}"
        await wrk(target, 2, api.child, {"Authorization": f"Bearer {key}"})  # warm-up
        r = await wrk(target, seconds, api.child, {"Authorization": f"Bearer {key}"})
        memory, listening = await _from_memory(api.base_url, key)
        if not listening:
            say(f"  the API's hub was not listening: see {api.child.log_path}")
    assert r.errors == 0, r
    return r.rps, r.p99_s, memory


async def _jobs(env: dict[str, str], url: str, direct: str, key: str, n: int, latency_jobs: int
                ) -> tuple[float, list[float], list[float]]:
    """(jobs/s POST → completed for n jobs; event latencies; job-start latencies)."""
    headers = {"Authorization": f"Bearer {key}"}
    conn = await asyncpg.connect(direct)
    async with api_process(url, **env) as api, worker_process(url, 50, **env) as worker:
        try:
            await wait_worker(conn, worker)
            async with httpx.AsyncClient(base_url=api.base_url, headers=headers, timeout=60) as c:
                users = await create_users(conn, n)
                sem = asyncio.Semaphore(32)

                async def submit(user: uuid.UUID) -> None:
                    async with sem:
                        r = await c.post("/api/programs/generate", json={"user_id": str(user), **REQUEST})
                        assert r.status_code == 202, r.text

                before = await conn.fetchval("SELECT count(*) FROM programs")
                t0 = time.monotonic()
                await asyncio.gather(*(submit(u) for u in users))
                await wait_until(lambda: conn.fetchval("SELECT count(*) >= $1 FROM programs", before + n),
                                 timeout=600, interval=0.05)
                rate = n / (time.monotonic() - t0)

                events: list[float] = []
                starts: list[float] = []
                for user in await create_users(conn, latency_jobs):
                    r = await c.post("/api/programs/generate", json={"user_id": str(user), **REQUEST})
                    job_id = r.json()["job_id"]
                    async with aconnect_sse(c, "GET", f"/api/programs/status/{job_id}/events") as source:
                        async for sse in source.aiter_sse():
                            if not sse.data:
                                continue
                            arrived = time.time()
                            if int(sse.id) >= 2:
                                row = await conn.fetchrow(
                                    "SELECT extract(epoch FROM e.created_at) AS at,"
                                    " extract(epoch FROM e.created_at - j.created_at) AS start"
                                    " FROM program_generation_events e"
                                    " JOIN program_generation_jobs j ON j.id = e.job_id"
                                    " WHERE e.job_id = $1 AND e.seq = $2", uuid.UUID(job_id), int(sse.id))
                                events.append(arrived - float(row["at"]))
                                if int(sse.id) == 2:
                                    starts.append(float(row["start"]))
                            if sse.event == "completed":
                                break
        finally:
            await conn.close()
    return rate, events, starts


async def run(quick: bool = False) -> list[Table]:
    raise_nofile()
    seconds, jobs, latency_jobs, rounds = (5, 200, 20, 1) if quick else (10, 1000, 50, 2)
    reads = Table(f"Status reads, direct against PgBouncer 1.18 (transaction mode, {POOL_SIZE} server connections):"
                  f" wrk, {CONNECTIONS} connections, {seconds} s a round",
                  ["DATABASE_URL", "round", "req/s", "p99 ms", "from memory"])
    flow = Table(f"Throughput ({jobs} jobs POST → program stored, 1 API + 1 worker) and latencies "
                 f"({latency_jobs} jobs one at a time; event: its commit → its SSE arrival; start: POST → "
                 "the in_progress event's commit)",
                 ["DATABASE_URL", "round", "jobs/s", "event p50 ms", "event p99 ms", "start p50 ms", "start p99 ms"])
    results: dict[str, dict[str, list[float]]] = {}
    with postgres_behind_pgbouncer(POOL_SIZE) as (server, bouncer):
        subprocess.run([server.bin_dir / "psql", "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres",
                        "-c", "CREATE DATABASE nowva"], check=True, capture_output=True)
        direct, pooled = server.url("nowva"), bouncer.url("nowva")
        await migrate(direct)
        key = await service_key(direct)
        # The middle one parts the two costs: unnamed statements alone, without PgBouncer's hop.
        setups = {
            "direct": (direct, {"NOWVA_LOG_LEVEL": "WARNING"}),
            "direct, NOWVA_DB_POOLER=transaction": (direct, {"NOWVA_LOG_LEVEL": "WARNING",
                                                             "NOWVA_DB_POOLER": "transaction"}),
            "pgbouncer": (pooled, {"NOWVA_LOG_LEVEL": "WARNING", "NOWVA_DB_POOLER": "transaction",
                                   "NOWVA_LISTEN_DATABASE_URL": direct}),
        }
        # Status reads only, every poll read from the table (a poll that finds its job changed, or
        # the first of a job): what the status cache (app/web/status_cache.py) saves.
        uncached = {f"{name}, {NO_CACHE}": (url, {**env, "NOWVA_STATUS_CACHE": "0"})
                    for name, (url, env) in setups.items() if name != "direct, NOWVA_DB_POOLER=transaction"}
        for i in range(1, rounds + 1):
            for name, (url, env) in {**setups, **uncached}.items():
                say(f"pooler: round {i}, {name}")
                r = results.setdefault(name, {"rps": [], "rate": [], "events": [], "starts": []})
                rps, p99, memory = await _status_reads(env, url, direct, key, seconds)
                r["rps"].append(rps)
                reads.add(name, i, f"{rps:,.0f}", ms(p99), f"{memory:.0%}")
                if name in uncached:
                    continue
                rate, events, starts = await _jobs(env, url, direct, key, jobs, latency_jobs)
                r["rate"].append(rate)
                r["events"] += events
                r["starts"] += starts
                flow.add(name, i, f"{rate:,.0f}", ms(pct(events, 50)), ms(pct(events, 99)), ms(pct(starts, 50)),
                         ms(pct(starts, 99)))
        for name, r in results.items():
            reads.add(f"**{name}, mean**", "", f"**{statistics.mean(r['rps']):,.0f}**", "", "")
            if not r["rate"]:
                continue
            flow.add(f"**{name}, all rounds**", "", f"**{statistics.mean(r['rate']):,.0f}**",
                     ms(pct(r["events"], 50)), ms(pct(r["events"], 99)), ms(pct(r["starts"], 50)),
                     ms(pct(r["starts"], 99)))
        with contextlib.suppress(KeyError, ZeroDivisionError):
            d, p = results["direct"], results["pgbouncer"]
            reads_pct = statistics.mean(p["rps"]) / statistics.mean(d["rps"]) * 100
            rate_pct = statistics.mean(p["rate"]) / statistics.mean(d["rate"]) * 100
            p99_ratio = pct(p["events"], 99) / pct(d["events"], 99)
            reads.notes.append(f"through PgBouncer: {reads_pct:.0f}% of direct")
            d0, p0 = results[f"direct, {NO_CACHE}"], results[f"pgbouncer, {NO_CACHE}"]
            reads.notes.append(f"every poll from the table ({NO_CACHE}): through PgBouncer "
                               f"{statistics.mean(p0['rps']) / statistics.mean(d0['rps']) * 100:.0f}% of direct")
            flow.notes.append(f"throughput through PgBouncer: {rate_pct:.0f}% of direct; event p99 {p99_ratio:.2f}x")
        for t in (reads, flow):
            t.notes.append(f"PostgreSQL {server.version} (Debian's package, TCP on loopback), {bouncer.version()}")
            t.notes.append(load_note())
    return [reads, flow]
