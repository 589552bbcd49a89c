"""Benchmark 1, event latency: from the worker's write of an event to an SSE client receiving it,
with 100 jobs running, beside the raw cross-process NOTIFY round trip measured in the same run.

A real worker process (`nowva worker --concurrency 100`, built-in engine slowed by
NOWVA_BUILTIN_WEEK_DELAY so jobs last ~10 s) runs jobs while one SSE client per job (in 2 client
processes) follows it through a real API process, in two shapes: steady (a job arrives every
0.1 s and its stream opens at once, so ~100 run at any time, starting and ending at their own
times) and waves (300 queued at once: 100 start together and end together). The latency of an
event is the client's receipt time minus the event's created_at, the database's now() in the
worker's statement: the time from the statement's start (so a little more than from its commit)
through the NOTIFY, the hub's read, the SSE write and the client's read. The raw NOTIFY round
trip is measured idle, then again while the service is under the same load.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
import uuid
from dataclasses import dataclass

from app import queries as q
from app.db import connect
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
    run_alone,
    say,
    service_key,
    wait_worker,
    worker_process,
)
from tests.perf.sse_clients import ClientPool, Collected, client_pool

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


async def _arrive(url: str, clients: ClientPool, users: list[uuid.UUID], weeks: int, every_s: float) -> None:
    """Create one job every `every_s` (all at once if 0) and open its stream right after, as the
    agent does after its POST."""
    conn = await connect(url)
    start = time.monotonic()
    for i, user in enumerate(users):
        job_id = uuid.uuid4()
        await q.create_job(conn, job_id, user, {**REQUEST, "user_id": str(user), "duration_weeks": weeks},
                           None, None, None)
        if every_s:
            await clients.open([f"/api/programs/status/{job_id}/events"])
            await asyncio.sleep(max(0.0, start + (i + 1) * every_s - time.monotonic()))
        else:
            await clients.open([f"/api/programs/status/{job_id}/events"])
    await conn.close()


@dataclass
class Service:
    got: Collected
    elapsed: float
    running: list[int]
    raw: list[list[float]]


async def _service(url: str, key: str, running: int, n_jobs: int, weeks: int, week_delay: float, steady: bool
                   ) -> Service:
    """n_jobs jobs through a real API and worker, each followed by its own SSE client."""
    conn = await connect(url)
    users = await create_users(conn, n_jobs)
    await conn.execute("DELETE FROM procrastinate_workers")
    async with api_process(url) as api, client_pool(api.port, key, 2) as clients, \
            worker_process(url, running, NOWVA_GENERATOR="builtin", NOWVA_BUILTIN_WEEK_DELAY=str(week_delay)) as worker:
        await wait_worker(conn, worker)
        samples: list[int] = []
        stop = asyncio.Event()
        sampler = asyncio.create_task(_in_progress(url, samples, stop))
        t0 = time.monotonic()
        # Steady: a job every (job duration / running) seconds keeps `running` jobs in flight. The
        # built-in engine waits the week delay between weeks: (weeks - 1) times per job.
        every_s = (weeks - 1) * week_delay / running if steady else 0.0
        arrivals = asyncio.create_task(_arrive(url, clients, users, weeks, every_s))
        raw = [asyncio.create_task(raw_notify.measure(url, mode, RAW_N // 2, RAW_RATE / 4))
               for mode in ("notify", "row")] if steady else []
        deadline = time.monotonic() + 60 + n_jobs * every_s + (n_jobs / running) * weeks * week_delay * 3
        got = await clients.collect()
        while got.ended < n_jobs and time.monotonic() < deadline:
            await asyncio.sleep(0.5)  # the clients are other processes: poll them
            got = await clients.collect()
        elapsed = time.monotonic() - t0
        await arrivals
        raw_results = [await r for r in raw]
        stop.set()
        await sampler
    await conn.close()
    return Service(got, elapsed, [s for s in samples if s > 0], raw_results)


def _by_kind(got: Collected) -> str:
    by_kind: dict[str, list[float]] = {}
    for kind, latency in zip(got.kinds, got.latencies, strict=True):
        by_kind.setdefault(kind, []).append(latency)
    return ", ".join(f"{kind} {ms(pct(v, 50))} / {ms(pct(v, 99))} ms" for kind, v in sorted(by_kind.items()))


async def run(quick: bool = False) -> list[Table]:
    raise_nofile()
    running, weeks, week_delay = (50, 6, 0.5) if quick else (100, 10, 1.0)
    table = Table(f"Event latency with {running} jobs running (worker → PostgreSQL → API hub → SSE client)",
                  ["path", "samples", "p50 ms", "p90 ms", "p99 ms", "max ms"])
    async with database() as url:
        key = await service_key(url)
        say("raw NOTIFY, idle")
        _row(table, "raw NOTIFY round trip, idle", await raw_notify.measure(url, "notify", RAW_N, RAW_RATE))
        _row(table, "raw row write + NOTIFY, idle", await raw_notify.measure(url, "row", RAW_N, RAW_RATE))
        say(f"steady: a job every {(weeks - 1) * week_delay / running:.2f} s, {running} running")
        steady = await _service(url, key, running, running * 4, weeks, week_delay, steady=True)
        say(f"waves: {running * 3} jobs queued at once")
        waves = await _service(url, key, running, running * 3, weeks, week_delay, steady=False)
    _row(table, "raw NOTIFY round trip, under the steady load", steady.raw[0])
    _row(table, "raw row write + NOTIFY, under the steady load", steady.raw[1])
    _row(table, "**service, steady (jobs start and end at their own times)**", steady.got.latencies)
    _row(table, f"service, waves ({running} jobs start together, end together)", waves.got.latencies)
    for name, s in (("steady", steady), ("waves", waves)):
        table.notes.append(
            f"{name}: {s.got.ended} streams ended on their terminal event in {s.elapsed:.0f} s, {s.got.gaps} seq "
            f"gaps; jobs in progress median {statistics.median(s.running or [0]):.0f}, max {max(s.running or [0])}; "
            f"p50 / p99 by event type: {_by_kind(s.got)}")
    table.notes += [
        "events committed before a client's stream opened (the first ones of a job, as they replay) are not counted",
        f"raw NOTIFY: {RAW_N} sent at {RAW_RATE:.0f}/s idle, {RAW_N // 2} at {RAW_RATE / 4:.0f}/s under load",
        load_note(),
    ]
    return [table]


if __name__ == "__main__":
    run_alone(run, __doc__)
