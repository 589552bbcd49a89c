"""Benchmark 1, event latency: from the worker's write of an event to an SSE client receiving it,
with 100 jobs running, beside the raw cross-process NOTIFY round trip measured in the same run.

A real worker process (`nowva worker --concurrency 100`, built-in engine slowed by
NOWVA_BUILTIN_WEEK_DELAY so jobs last ~10 s) runs 300 jobs in three waves of 100 while one SSE
client per job (in 2 client processes) follows it through a real API process. The latency of an
event is the client's receipt time minus the event's created_at, the database's now() in the
worker's statement: the time from the statement's start (so a little more than from its commit)
through the NOTIFY, the hub's read, the SSE write and the client's read. The raw NOTIFY round
trip is measured idle, then again while the service is under the same load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import time
import uuid

from app import queries as q
from app.db import connect, create_pool
from tests.perf import raw_notify
from tests.perf.harness import (
    REQUEST,
    Table,
    api_process,
    create_users,
    database,
    load_note,
    ms,
    pct,
    raise_nofile,
    say,
    service_key,
    worker_process,
)
from tests.perf.sse_clients import client_pool

RAW_N = 1000
RAW_RATE = 100.0


def _row(table: Table, name: str, values: list[float]) -> None:
    table.add(name, len(values), ms(pct(values, 50)), ms(pct(values, 90)), ms(pct(values, 99)),
              ms(max(values, default=float("nan"))))


async def _in_progress(url: str, samples: list[int], stop: asyncio.Event) -> None:
    conn = await connect(url)
    try:
        while not stop.is_set():
            samples.append(int(await conn.fetchval(
                "SELECT count(*) FROM program_generation_jobs WHERE status = 'in_progress'")))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
    finally:
        await conn.close()


async def run(quick: bool = False) -> list[Table]:
    raise_nofile()
    running, waves, weeks, week_delay = (50, 2, 6, 0.5) if quick else (100, 3, 10, 1.0)
    n_jobs = running * waves
    table = Table(f"Event latency with {running} jobs running (worker → PostgreSQL → API hub → SSE client)",
                  ["path", "samples", "p50 ms", "p90 ms", "p99 ms", "max ms"])
    async with database() as url:
        key = await service_key(url)
        say("raw NOTIFY, idle")
        _row(table, "raw NOTIFY round trip, idle", await raw_notify.measure(url, "notify", RAW_N, RAW_RATE))
        _row(table, "raw row write + NOTIFY, idle", await raw_notify.measure(url, "row", RAW_N, RAW_RATE))

        pool = await create_pool(url, max_size=4)
        async with pool.acquire() as conn:
            users = await create_users(conn, n_jobs)
        jobs = [uuid.uuid4() for _ in range(n_jobs)]
        for job_id, user in zip(jobs, users, strict=True):
            await q.create_job(pool, job_id, user, {**REQUEST, "user_id": str(user), "duration_weeks": weeks},
                               None, None, None)
        await pool.close()

        async with api_process(url) as api, client_pool(api.port, key, 2) as clients:
            await clients.open([f"/api/programs/status/{j}/events" for j in jobs])
            say(f"{n_jobs} streams open; starting the worker")
            samples: list[int] = []
            stop = asyncio.Event()
            sampler = asyncio.create_task(_in_progress(url, samples, stop))
            t0 = time.monotonic()
            async with worker_process(url, running, NOWVA_GENERATOR="builtin",
                                      NOWVA_BUILTIN_WEEK_DELAY=str(week_delay)):
                raw_loaded = asyncio.create_task(raw_notify.measure(url, "notify", RAW_N // 2, RAW_RATE / 4))
                raw_row_loaded = asyncio.create_task(raw_notify.measure(url, "row", RAW_N // 2, RAW_RATE / 4))
                deadline = time.monotonic() + 60 + waves * weeks * week_delay * 3
                got = await clients.collect()
                while got.ended < n_jobs and time.monotonic() < deadline:
                    await asyncio.sleep(0.5)  # the clients are other processes: poll them
                    got = await clients.collect()
                elapsed = time.monotonic() - t0
                loaded, row_loaded = await raw_loaded, await raw_row_loaded
            stop.set()
            await sampler
        _row(table, "raw NOTIFY round trip, under the load below", loaded)
        _row(table, "raw row write + NOTIFY, under the load below", row_loaded)
        _row(table, "**service: worker's event → SSE client**", got.latencies)
        busy = [s for s in samples if s > 0]
        table.notes += [
            f"{got.ended}/{n_jobs} streams ended on their terminal event in {elapsed:.0f} s; {got.gaps} seq gaps; "
            f"{len(got.latencies) / elapsed:.0f} events/s",
            f"jobs in progress (sampled every 0.5 s while any ran): median {statistics.median(busy or [0]):.0f}, "
            f"max {max(busy or [0])}",
            f"raw NOTIFY: {RAW_N} sent at {RAW_RATE:.0f}/s idle, {RAW_N // 2} at {RAW_RATE / 4:.0f}/s under load",
            load_note(),
        ]
    return [table]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for table in asyncio.run(run(args.quick)):
        print(table.markdown())


if __name__ == "__main__":
    main()
