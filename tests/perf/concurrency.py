"""Benchmark 4, concurrency: ONE worker process (concurrency 500) with the OpenAI engine against a
local OpenAI-compatible server that takes 20 s to stream each answer (tests/perf/slow_openai.py).

Two shapes, each on a fresh worker:

* steady: jobs arrive at 30/s (more than 500 / 20 s = 25/s can finish) for 65 s, so a queue
  builds and every slot stays busy; throughput is the completion rate over two whole cycles
  once the first answers are in (20 s to 61 s after the first arrival).
* burst: 1,500 jobs queued at once: three synchronised waves of 500.

Measured: the most generations in flight at once (requests open at the server, and jobs
in_progress in the table), throughput against concurrency / latency, the age of the worker's
procrastinate_workers.last_heartbeat sampled every second against its interval, every job
finished (none failed), the worker log free of pool or connection errors, how many
PostgreSQL connections the worker held, the cores the worker, the model server, PostgreSQL and
everything else on the machine used in the measured window, and (paced server) how long the
server itself took to the first and last token of each call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import psutil

from app import queries as q
from app.db import connect
from app.settings import Settings
from tests.perf.harness import (
    REQUEST,
    Child,
    PostgresCpu,
    Table,
    child_process,
    create_users,
    database,
    load_note,
    mib,
    nowva_env,
    pct,
    raise_nofile,
    run_alone,
    say,
    wait_http,
    wait_worker,
    with_application_name,
    worker_process,
)
from tests.support import free_port

ERROR_MARKERS = ("PoolTimeout", "TooManyConnections", "too many clients", "Traceback", "pool", "ERROR")
TICK_S = 0.1


@dataclass
class Samples:
    open_requests: list[int] = field(default_factory=list)
    in_progress: list[int] = field(default_factory=list)
    heartbeat_age: list[float] = field(default_factory=list)
    worker_connections: list[int] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    # (wall clock, CPU seconds so far of the worker, the model server, PostgreSQL, and the whole
    # machine's busy time): what each used during the measured window.
    cpu: list[tuple[float, float, float, float, float]] = field(default_factory=list)

    def cpu_use(self, lo: float, hi: float) -> dict[str, float] | None:
        """Cores each used (1.0 = one core busy) between wall-clock times lo and hi."""
        inside = [c for c in self.cpu if lo <= c[0] <= hi]
        if len(inside) < 2:
            return None
        a, b = inside[0], inside[-1]
        dt = b[0] - a[0]
        worker, server, pg, machine = ((b[i] - a[i]) / dt for i in range(1, 5))
        return {"worker": worker, "server": server, "postgres": pg, "machine": machine,
                "other": machine - worker - server - pg}


def _machine_busy_s() -> float:
    t = psutil.cpu_times()
    return float(t.user + t.nice + t.system + t.irq + t.softirq + t.steal)


async def _sample(url: str, fake_url: str, worker: Child, fake: Child, out: Samples, stop: asyncio.Event) -> None:
    conn = await connect(url)
    pg = await PostgresCpu.of(url)
    async with httpx.AsyncClient(timeout=5) as client:
        while not stop.is_set():
            out.cpu.append((time.time(), worker.cpu_s(), fake.cpu_s(), pg.seconds(), _machine_busy_s()))
            out.open_requests.append(int((await client.get(f"{fake_url}/stats")).json()["open"]))
            out.in_progress.append(int(await conn.fetchval(
                "SELECT count(*) FROM program_generation_jobs WHERE status = 'in_progress'")))
            age = await conn.fetchval(
                "SELECT extract(epoch FROM clock_timestamp() - max(last_heartbeat)) FROM procrastinate_workers")
            if age is not None:
                out.heartbeat_age.append(float(age))
            out.worker_connections.append(int(await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'worker'")))
            out.rss.append(worker.rss())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
    await conn.close()


async def _add_jobs(url: str, users: list[uuid.UUID], per_tick: int, jobs: list[uuid.UUID],
                    request: dict[str, object]) -> None:
    """Queue jobs for `users`, `per_tick` every 100 ms (all at once if per_tick >= len(users))."""
    conn = await connect(url)
    start = time.monotonic()
    for k, i in enumerate(range(0, len(users), per_tick)):
        async with conn.transaction():
            for user in users[i:i + per_tick]:
                job_id = uuid.uuid4()
                await q.create_job(conn, job_id, user, {**request, "user_id": str(user)}, None, None, None)
                jobs.append(job_id)
        delay = start + (k + 1) * TICK_S - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
    await conn.close()


@dataclass
class Shape:
    name: str
    jobs: int
    per_tick: int  # arrivals per 100 ms
    window: tuple[float, float] | None  # seconds after the first arrival; None: first start → last completion


@dataclass
class Model:
    """The model server and what the worker asks it: one 20 s answer per job (`single`), or the
    stepwise engine's plan and blocks at a real model's pace (`blocks`)."""

    module: str
    args: list[str]
    request: dict[str, object]
    env: dict[str, str]


SINGLE = Model("tests.perf.slow_openai", [], REQUEST, {"NOWVA_OPENAI_STRATEGY": "single"})
# 16 weeks x 4 days: a plan, then four blocks at once (about 1,300 tokens each) per job.
BLOCKS_REQUEST = {**REQUEST, "goal_category": "hypertrophy", "duration_weeks": 16, "days_per_week": 4}
# A chunk every 0.5 s per stream (50 tokens): 2,000 streams at 10 chunks/s would be the fake
# server's and the SDK's CPU, not the worker's design, on two cores.
BLOCKS = Model("tests.perf.paced_openai", ["1.0", "100", "0.5"], BLOCKS_REQUEST,
               {"NOWVA_OPENAI_STRATEGY": "blocks", "NOWVA_OPENAI_MAX_CONCURRENCY": "4000"})


async def measure(url: str, concurrency: int, latency_s: float, shape: Shape, model: Model = SINGLE,
                  raw: dict[str, float] | None = None) -> dict[str, str]:
    conn = await connect(url)
    users = await create_users(conn, shape.jobs)
    await conn.execute("DELETE FROM procrastinate_workers")
    port = free_port()
    fake_url = f"http://127.0.0.1:{port}"
    jobs: list[uuid.UUID] = []
    args = [str(port), *(model.args or [str(latency_s)])]
    with child_process("model-server", model.module, args, nowva_env(url)) as fake:
        await wait_http(f"{fake_url}/stats", fake)
        samples, stop = Samples(), asyncio.Event()
        say(f"concurrency, {shape.name}: {shape.jobs} jobs, worker concurrency {concurrency}")
        async with worker_process(with_application_name(url, "worker"), concurrency, NOWVA_GENERATOR="openai",
                                  OPENAI_API_KEY="perf", OPENAI_BASE_URL=f"{fake_url}/v1",
                                  PROGRAM_CREATION_MODEL="gpt-perf", **model.env) as worker:
            await wait_worker(conn, worker)  # arrivals start now
            sampler = asyncio.create_task(_sample(url, fake_url, worker, fake, samples, stop))
            await _add_jobs(url, users, shape.per_tick, jobs, model.request)
            deadline = time.monotonic() + shape.jobs / concurrency * latency_s * 3 + 60
            while time.monotonic() < deadline:
                finished = await conn.fetchval("SELECT count(*) FROM program_generation_jobs WHERE id = ANY($1) "
                                               "AND status IN ('completed', 'failed')", jobs)
                if finished >= shape.jobs:
                    break
                await asyncio.sleep(0.5)
            stop.set()
            await sampler
            cpu = worker.cpu_s()
            server_cpu = fake.cpu_s()
        log = worker.output()
        async with httpx.AsyncClient(timeout=60) as client:
            stats = (await client.get(f"{fake_url}/stats")).json()
            calls = (await client.get(f"{fake_url}/log")).json() if model.module.endswith("paced_openai") else []
    rows = await conn.fetch("SELECT status, created_at, started_at, completed_at FROM program_generation_jobs "
                            "WHERE id = ANY($1)", jobs)
    await conn.close()
    done = [r for r in rows if r["status"] == "completed"]
    failed = sum(1 for r in rows if r["status"] == "failed")
    durations = sorted((r["completed_at"] - r["started_at"]).total_seconds() for r in done)
    if raw is not None and durations:
        raw["p50"] = pct(durations, 50)
    if shape.window is None:
        start, end = min(r["started_at"] for r in done), max(r["completed_at"] for r in done)
        rate = len(done) / _seconds(start, end)
        how = "first start → last completion"
        span = (start.timestamp(), end.timestamp())
    else:
        first = min(r["created_at"] for r in rows)
        lo, hi = shape.window
        rate = sum(1 for r in done if lo <= _seconds(first, r["completed_at"]) < hi) / (hi - lo)
        how = f"completions from {lo:.0f} s to {hi:.0f} s after the first arrival"
        span = (first.timestamp() + lo, first.timestamp() + hi)
    use = samples.cpu_use(*span)
    ideal = concurrency / latency_s
    errors = [line for line in log.splitlines() if any(m in line for m in ERROR_MARKERS)]
    out = {
        "model streams open at once (server's open requests, max)": str(stats["max_open"]),
        "jobs in_progress at once (max)": str(max(samples.in_progress, default=0)),
        "completed / failed": f"{len(done)} / {failed}",
        "throughput, jobs/s": f"{rate:.1f} ({how})",
        "throughput / (concurrency / latency)": f"{rate / ideal * 100:.0f}%",
        "job duration (start → program stored), p50 / max":
            f"{pct(durations, 50):.2f} s / {durations[-1]:.2f} s" if durations else "-",
        "LLM calls per job": f"{stats['started'] / max(1, len(done)):.2f}",
        "heartbeat age, max (sampled every 1 s)": f"{max(samples.heartbeat_age, default=float('nan')):.1f} s",
        "worker's PostgreSQL connections, max": str(max(samples.worker_connections, default=0)),
        "worker log lines naming errors or pools": str(len(errors)),
        "worker CPU per job": f"{cpu / max(1, len(done)) * 1000:.1f} ms",
        "model server CPU per job": f"{server_cpu / max(1, len(done)) * 1000:.1f} ms",
        "worker RSS, max": f"{mib(max(samples.rss, default=0))} MiB",
    }
    out.update(_call_times(calls, *span))
    if use is not None:
        out["CPU used in that window, cores (worker / model server / PostgreSQL / rest of the machine)"] = (
            f"{use['worker']:.2f} / {use['server']:.2f} / {use['postgres']:.2f} / {use['other']:.2f} "
            f"(machine {use['machine']:.2f} of {psutil.cpu_count()})")
    if errors:
        out["first error lines"] = json.dumps(errors[:3])
    return out


def _call_times(calls: list[dict[str, Any]], lo: float, hi: float) -> dict[str, str]:
    """The model server's own view of the calls that ended in the window: how
    long each took from its request to its first and its last token, by its clock."""
    ended = [c for c in calls if c.get("finished") and c.get("received") and c.get("first_token")
             and lo <= c["finished"] <= hi]
    out = {}
    for kind in ("training_plan", "training_block"):
        mine = [c for c in ended if c["kind"] == kind]
        if not mine:
            continue
        ttft = sorted(c["first_token"] - c["received"] for c in mine)
        whole = sorted(c["finished"] - c["received"] for c in mine)
        out[f"{kind.removeprefix('training_')} calls at the model server: to first token / to last, p50 (p99)"] = (
            f"{pct(ttft, 50):.2f} ({pct(ttft, 99):.2f}) s / {pct(whole, 50):.2f} ({pct(whole, 99):.2f}) s")
    return out


def _seconds(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds()


async def run(quick: bool = False) -> list[Table]:
    raise_nofile()
    concurrency, latency_s = (100, 10.0) if quick else (500, 20.0)
    per_tick = round(concurrency / latency_s * 1.2 * TICK_S)  # 20% more than can finish
    # Completions come in cycles of about the latency (a slot's next job starts when its last
    # one ends): measure over two whole cycles, from the first answers on.
    window = (latency_s, latency_s + 2 * (latency_s + 0.5))
    arrive_s = window[1] + 4
    shapes = [Shape(f"steady arrivals at {per_tick / TICK_S:.0f}/s for {arrive_s:.0f} s",
                    round(arrive_s / TICK_S) * per_tick, per_tick, window),
              Shape(f"burst of {concurrency * 3} queued at once", concurrency * 3, concurrency * 3, None)]
    async with database() as url:
        results = [await measure(url, concurrency, latency_s, shape) for shape in shapes]
    heartbeat_s = max(0.5, min(10.0, Settings().stall_after_s / 3))  # jobs/queue.py worker_options
    targets = {
        "model streams open at once (server's open requests, max)": f">= {concurrency}",
        "throughput, jobs/s": f"within 10% of {concurrency / latency_s:.1f} (concurrency / latency)",
        "throughput / (concurrency / latency)": ">= 90%",
        "completed / failed": "all / 0",
        "job duration (start → program stored), p50 / max": f"{latency_s:.0f} s + our own work",
        "LLM calls per job": "1 (no repairs, no retries)",
        "heartbeat age, max (sampled every 1 s)": f"<= {heartbeat_s:.0f} s interval + 1 s",
        "worker's PostgreSQL connections, max": "asyncpg pool 4 + Procrastinate pool 10 + its LISTEN",
        "worker log lines naming errors or pools": "0",
    }
    table = Table(f"Concurrency: one worker process, OpenAI engine, concurrency {concurrency}, a model server "
                  f"taking {latency_s:.0f} s per answer", ["measure", *(s.name for s in shapes), "target"])
    for name in results[0]:
        table.add(name, *(r.get(name, "") for r in results), targets.get(name, ""))
    table.notes += ["the server streams each answer in 20 chunks over the latency (tests/perf/slow_openai.py); "
                    "Procrastinate fetches one job per round trip, so a burst's later waves start over seconds",
                    load_note()]
    return [table]


if __name__ == "__main__":
    run_alone(run, __doc__)
