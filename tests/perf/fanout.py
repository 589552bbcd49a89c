"""Benchmark 2, fan-out: SSE subscribers on ONE API process (one LISTEN connection), in steps.

(a) each subscriber follows its own job; every job gets a progress event every 3 s (20/min, as a
    real generation does). The events are written by this process with one statement per 100 ms
    tick for the jobs due in it (the worker's record_progress for many jobs at once: same rows,
    same '<job_id>:<seq>' doorbells), standing in for the many workers that would run 10,000 jobs.
    After the last step, a churn window replaces a quarter of the streams with new ones (new
    jobs), as finishing and starting generations do.
(b) broadcast: every subscriber follows the same job, and each event reaches all of them.

Each step opens its streams, lets the load run for a settling period (the first full garbage
collection after thousands of new streams lands there: its pause is reported as "settle max"),
then measures. Reported per step: delivery latency (from the writer's now() to the client's
receipt) p50/p99/max, the API process's CPU per delivery (psutil, user+system, everything it
did in the window) and its RSS.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

import asyncpg

from app.db import connect
from tests.perf.harness import (
    Table,
    api_process,
    create_running_jobs,
    database,
    load_note,
    mib,
    ms,
    pct,
    progress_many,
    raise_nofile,
    run_alone,
    say,
    service_key,
)
from tests.perf.sse_clients import ClientPool, client_pool

STEPS = (100, 1000, 5000, 10000)
PERIOD_TICKS = 30  # 100 ms ticks: one event per job every 3 s
TICK_S = 0.1
CLIENT_PROCS = 4


def _path(job_id: uuid.UUID) -> str:
    return f"/api/programs/status/{job_id}/events"


class Writer:
    """Ticks in the background: each tick writes one event for every followed job due in it."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.jobs: list[uuid.UUID] = []
        self.written = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        start, k = time.monotonic(), 0
        while True:
            due = self.jobs[k % PERIOD_TICKS::PERIOD_TICKS]
            if due:
                self.written += await progress_many(self.conn, due)
            k += 1
            delay = start + k * TICK_S - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def _settle(clients: ClientPool, seconds: float) -> float:
    await clients.mark()
    await asyncio.sleep(seconds)
    return max((await clients.collect()).latencies, default=float("nan"))


async def own_jobs(url: str, key: str, steps: tuple[int, ...], settle_s: float, window_s: float) -> Table:
    table = Table("Fan-out (a): each subscriber follows its own job, 20 events/min per job",
                  ["subscribers", "events/s", "deliveries", "lost", "p50 ms", "p99 ms", "max ms", "settle max ms",
                   "server CPU µs/delivery", "server CPU %", "RSS MiB", "KB/subscriber"])
    top = max(steps)
    churn = top // 4
    conn = await connect(url)
    jobs = await create_running_jobs(conn, top + churn)
    writer = Writer(conn)
    async with api_process(url) as api, client_pool(api.port, key, CLIENT_PROCS) as clients:
        rss0 = api.child.rss()
        writer.start()
        for n in steps:
            say(f"fan-out (a): opening streams up to {n}")
            await clients.open([_path(j) for j in jobs[len(writer.jobs):n]])
            writer.jobs = jobs[:n]
            settle_max = await _settle(clients, settle_s)
            await clients.mark()
            cpu0, t0, w0 = api.child.cpu_s(), time.monotonic(), writer.written
            await asyncio.sleep(window_s)
            written = writer.written - w0
            got = await clients.wait_deliveries(written, timeout=10)
            cpu, elapsed = api.child.cpu_s() - cpu0, time.monotonic() - t0
            rss = api.child.rss()
            table.add(n, f"{written / window_s:.0f}", got.deliveries, max(0, written - got.deliveries),
                      ms(pct(got.latencies, 50)), ms(pct(got.latencies, 99)), ms(max(got.latencies, default=0)),
                      ms(settle_max), f"{cpu / max(1, got.deliveries) * 1e6:.0f}", f"{cpu / elapsed * 100:.0f}",
                      mib(rss), f"{(rss - rss0) / n / 1024:.0f}")
            if got.gaps or got.dropped:
                table.notes.append(f"at {n}: {got.gaps} seq gaps, {got.dropped} dropped streams")

        say(f"fan-out (a): churn, replacing {churn} of {top} streams")
        rounds = 5
        await clients.mark()
        cpu0, t0 = api.child.cpu_s(), time.monotonic()
        for r in range(rounds):
            fresh = jobs[top + r * churn // rounds: top + (r + 1) * churn // rounds]
            await clients.close_streams(oldest=len(fresh))
            await clients.open([_path(j) for j in fresh])
            writer.jobs = writer.jobs[len(fresh):] + fresh
            await asyncio.sleep(window_s / rounds)
        got = await clients.collect()
        cpu, elapsed = api.child.cpu_s() - cpu0, time.monotonic() - t0
        rss = api.child.rss()
        table.add(f"{top}, {churn} replaced in {elapsed:.0f} s", "", got.deliveries, "-", ms(pct(got.latencies, 50)),
                  ms(pct(got.latencies, 99)), ms(max(got.latencies, default=0)), "",
                  f"{cpu / max(1, got.deliveries) * 1e6:.0f}", f"{cpu / elapsed * 100:.0f}", mib(rss),
                  f"{(rss - rss0) / top / 1024:.0f}")
        await writer.stop()
    await conn.close()
    table.notes += [
        f"RSS of the API process before any stream: {mib(rss0)} MiB; KB/subscriber is (RSS - that) / subscribers",
        f"each step: {settle_s:.0f} s settling under load, then a {window_s:.0f} s window; "
        f"{CLIENT_PROCS} client processes on the same 2 cores; {load_note()}",
    ]
    return table


async def _broadcasts(conn: asyncpg.Connection, clients: ClientPool, job: uuid.UUID, n: int, k: int) -> list[float]:
    """k broadcasts, each after the previous one reached everyone; the delivery latencies."""
    await clients.mark()
    for i in range(k):
        await progress_many(conn, [job])
        await clients.wait_deliveries(n * (i + 1), timeout=30)
        await asyncio.sleep(0.3)
    return (await clients.collect()).latencies


async def broadcast(url: str, key: str, steps: tuple[int, ...], settle: int, broadcasts: int) -> Table:
    table = Table("Fan-out (b): broadcast, every subscriber receives every event of one job",
                  ["subscribers", "broadcasts", "deliveries", "lost", "p50 ms", "p99 ms", "last ms", "settle max ms",
                   "server CPU µs/delivery", "RSS MiB", "KB/subscriber"])
    conn = await connect(url)
    (job,) = await create_running_jobs(conn, 1)
    async with api_process(url) as api, client_pool(api.port, key, CLIENT_PROCS) as clients:
        rss0 = api.child.rss()
        opened = 0
        for n in steps:
            say(f"fan-out (b): opening streams up to {n}")
            await clients.open([_path(job)] * (n - opened))
            opened = n
            settle_max = max(await _broadcasts(conn, clients, job, n, settle), default=float("nan"))
            cpu0 = api.child.cpu_s()
            latencies = await _broadcasts(conn, clients, job, n, broadcasts)
            cpu = api.child.cpu_s() - cpu0
            rss = api.child.rss()
            table.add(n, broadcasts, len(latencies), n * broadcasts - len(latencies), ms(pct(latencies, 50)),
                      ms(pct(latencies, 99)), ms(max(latencies, default=0)), ms(settle_max),
                      f"{cpu / max(1, len(latencies)) * 1e6:.0f}", mib(rss), f"{(rss - rss0) / n / 1024:.0f}")
    await conn.close()
    table.notes += [f"RSS of the API process before any stream: {mib(rss0)} MiB",
                    f"each step: {settle} settling broadcasts, then {broadcasts} measured; 'last' is the slowest "
                    f"subscriber of the slowest broadcast; {load_note()}"]
    return table


async def run(quick: bool = False) -> list[Table]:
    raise_nofile()
    steps = (100, 1000) if quick else STEPS
    async with database() as url:
        key = await service_key(url)
        a = await own_jobs(url, key, steps, settle_s=5 if quick else 15, window_s=6 if quick else 15)
        b = await broadcast(url, key, steps, settle=3 if quick else 8, broadcasts=3 if quick else 5)
    return [a, b]


if __name__ == "__main__":
    run_alone(run, __doc__)
