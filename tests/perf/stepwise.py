"""Stepwise generation (issue 15): `single` against `blocks` at a real model's pace, and (issue 16)
`blocks` over the Responses API in background mode, whose calls a crashed worker's successor
re-attaches to (`NOWVA_PERF_STRATEGIES=responses` runs only that one; `NOWVA_PERF_CHECKPOINT_S=0`
turns the stream checkpoints off, so a retry reads each stream from its start).

A paced model server (tests/perf/paced_openai.py: 1 s to the first token, 100 output tokens/s
per stream, tokens counted as 4 characters, no limit on concurrent streams) answers a real worker
process running the OpenAI engine. Each strategy runs on its own copy of the migrated database with
its own worker, both at once:

* clean: one job of each size at once (4x3 beginner, 12x4 intermediate, 24x5 advanced, 52x7
  advanced; hypertrophy, so the built-in engine the fake model copies passes the validator at 7 days);
  measured from the job row's created_at to its first content (the `plan` event; for `single`, the
  first "week drafted" progress event) and to the program stored (the `completed` event), with the
  output tokens and calls the server saw for that job (each job's goal_raw carries a tag the server
  finds in every prompt);
* crash: one job at a time; the worker is SIGKILLed at the job's first progress at or past 60% (for
  blocks: most blocks stored) and, in a second run, at 70% of that size's clean time to ready (for
  blocks: every block still streaming, the worst moment); a new worker takes over (stall detection
  after 3 s), and the tokens spent again are the job's output tokens at the server beyond its clean
  run's, counting what the killed calls had streamed. `single` sizes that cannot finish are not
  crashed, and single's progress moves with time, so it gets the timed crash only.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx

from app import queries as q
from app.db import connect
from tests.perf.harness import (
    Table,
    child_process,
    copy_of,
    create_users,
    database,
    load_note,
    nowva_env,
    raise_nofile,
    run_alone,
    say,
    wait_http,
    wait_worker,
    worker_process,
)
from tests.support import free_port, wait_until

SIZES = ((4, 3, "beginner"), (12, 4, "intermediate"), (24, 5, "advanced"), (52, 7, "advanced"))
# "responses": blocks with NOWVA_OPENAI_API=responses (background calls a retry re-attaches to).
STRATEGIES = tuple(os.environ.get("NOWVA_PERF_STRATEGIES", "single,blocks,responses").split(","))
DEADLINE_S = 300.0
CRASH_AT = 0.7
CRASH_MODES = ("progress", "time")


@dataclass
class Run:
    strategy: str
    size: tuple[int, int, str]
    status: str = ""
    first_content_s: float | None = None
    ready_s: float | None = None
    tokens: int = 0
    calls: int = 0
    error: str = ""
    mode: str = ""  # crash runs: "progress" or "time"
    killed: str = ""
    reattached: int = 0
    reread: int = 0  # background responses: tokens streamed to us more than once (read again on resume)


def body(size: tuple[int, int, str], tag: str) -> dict[str, Any]:
    weeks, days, level = size
    return {"height_cm": 180.0, "weight_kg": 80.0, "goal_category": "hypertrophy",
            "goal_raw": f"steady progress, ref {tag}", "duration_weeks": weeks, "days_per_week": days,
            "fitness_level": level}


async def submit(conn: asyncpg.Connection, user: uuid.UUID, size: tuple[int, int, str]) -> tuple[uuid.UUID, str]:
    job_id, tag = uuid.uuid4(), "zq" + uuid.uuid4().hex[:8]
    await q.create_job(conn, job_id, user, {**body(size, tag), "user_id": str(user)}, None, None, None)
    return job_id, tag


async def finished(conn: asyncpg.Connection, job_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("SELECT status IN ('completed', 'failed', 'cancelled') FROM "
                                    "program_generation_jobs WHERE id = $1", job_id))


async def measure(conn: asyncpg.Connection, fake_url: str, run: Run, job_id: uuid.UUID, tag: str) -> Run:
    row = await conn.fetchrow("SELECT status, created_at, error_message FROM program_generation_jobs WHERE id = $1",
                              job_id)
    assert row is not None
    events = await conn.fetch("SELECT type, data, created_at FROM program_generation_events WHERE job_id = $1 "
                              "ORDER BY seq", job_id)
    created = row["created_at"]
    first = next((e for e in events if e["type"] == "plan" or (e["type"] == "progress"
                                                                and e["data"].get("stage") == "drafting")), None)
    done = next((e for e in events if e["type"] == "completed"), None)
    run.status, run.error = row["status"], (row["error_message"] or "")[:80]
    run.first_content_s = (first["created_at"] - created).total_seconds() if first else None
    run.ready_s = (done["created_at"] - created).total_seconds() if done else None
    async with httpx.AsyncClient(timeout=30) as client:
        log = [r for r in (await client.get(f"{fake_url}/log")).json() if r["tag"] == tag]
    responses = [r for r in log if r["kind"] == "response"]
    if responses:  # what OpenAI generates (and bills) for a background response, once
        run.tokens = sum(r["tokens_generated"] for r in responses)
        run.calls = len(responses)
        run.reattached = sum(1 for r in responses if r["resumed"] or r["retrieved"])
        streamed = sum(r["tokens_sent"] for r in log if r["path"].startswith("/v1/responses"))
        run.reread = max(0, streamed - run.tokens)
    else:  # a Chat Completions stream stops being written when its client hangs up
        run.tokens, run.calls = sum(r["tokens_sent"] for r in log), len(log)
    return run


async def wait_done(conn: asyncpg.Connection, job_ids: list[uuid.UUID], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all([await finished(conn, j) for j in job_ids]):
            return
        await asyncio.sleep(0.5)


def worker_env(fake_url: str, strategy: str) -> dict[str, str]:
    api = "responses" if strategy == "responses" else "chat"
    steps = "single" if strategy == "single" else "blocks"
    return {"NOWVA_GENERATOR": "openai", "OPENAI_API_KEY": "perf", "OPENAI_BASE_URL": f"{fake_url}/v1",
            "PROGRAM_CREATION_MODEL": "gpt-perf", "NOWVA_OPENAI_STRATEGY": steps,
            "NOWVA_OPENAI_API": api, "NOWVA_STALL_AFTER": "3", "NOWVA_OPENAI_TIMEOUT": "120",
            "NOWVA_JOB_DEADLINE": str(DEADLINE_S),
            # NOWVA_PERF_CHECKPOINT_S=0: a retry reads each stream from its start, to compare
            "NOWVA_CHECKPOINT_S": os.environ.get("NOWVA_PERF_CHECKPOINT_S", "2")}


async def crash_run(conn: asyncpg.Connection, url: str, fake_url: str, env: dict[str, str], base: Run,
                    user: uuid.UUID, mode: str) -> Run:
    """One job; its worker SIGKILLed at 70% of the clean run's time to ready ("time") or at its
    first progress at or past 60% ("progress": most blocks stored), then a new worker."""
    assert base.ready_s is not None
    await conn.execute("DELETE FROM procrastinate_workers")
    async with worker_process(url, 50, **env) as first:
        await wait_worker(conn, first)
        job_id, tag = await submit(conn, user, base.size)
        started = time.monotonic()
        if mode == "time":
            await asyncio.sleep(CRASH_AT * base.ready_s)
        else:
            async def past_60() -> bool:
                return bool(await conn.fetchval("SELECT progress >= 60 FROM program_generation_jobs WHERE id = $1",
                                                job_id))

            await wait_until(past_60, timeout=DEADLINE_S, interval=0.05)
        progress = await conn.fetchval("SELECT progress FROM program_generation_jobs WHERE id = $1", job_id)
        os.kill(first.pid, signal.SIGKILL)
        first.popen.wait(10)
    killed_at = time.monotonic() - started
    say(f"stepwise: {base.strategy} {base.size[0]}x{base.size[1]} killed at {killed_at:.1f} s, progress {progress}%")
    async with worker_process(url, 50, **env):
        await wait_done(conn, [job_id], DEADLINE_S + 30)
    run = await measure(conn, fake_url, Run(base.strategy, base.size, mode=mode), job_id, tag)
    run.killed = f"{killed_at:.1f} s, {progress}%"
    return run


async def strategy_runs(url: str, fake_url: str, strategy: str, sizes: tuple[tuple[int, int, str], ...]
                        ) -> tuple[list[Run], list[Run]]:
    conn = await connect(url)
    users = await create_users(conn, 2 * len(sizes))
    env = worker_env(fake_url, strategy)
    clean: list[Run] = []
    async with worker_process(url, 50, **env) as worker:
        await wait_worker(conn, worker)
        say(f"stepwise: {strategy}, clean runs of {len(sizes)} sizes at once")
        jobs = [await submit(conn, users[i], size) for i, size in enumerate(sizes)]
        await wait_done(conn, [j for j, _ in jobs], DEADLINE_S + 30)
        for size, (job_id, tag) in zip(sizes, jobs, strict=True):
            clean.append(await measure(conn, fake_url, Run(strategy, size), job_id, tag))
    crashed: list[Run] = []
    for i, (size, base) in enumerate(zip(sizes, clean, strict=True)):
        for mode in CRASH_MODES:
            if base.ready_s is None:
                crashed.append(Run(strategy, size, status="not run: the clean run did not finish", mode=mode))
                continue
            if strategy == "single" and mode == "progress":
                continue  # single's progress moves with time: the same crash as the timed one
            crashed.append(await crash_run(conn, url, fake_url, env, base, users[len(sizes) + i], mode))
    await conn.close()
    return clean, crashed


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


async def run(quick: bool = False) -> list[Table]:
    raise_nofile()
    sizes = SIZES[:2] if quick else SIZES
    port = free_port()
    fake_url = f"http://127.0.0.1:{port}"
    async with database() as url:
        with child_process("paced-openai", "tests.perf.paced_openai", [str(port)], nowva_env(url)) as fake:
            await wait_http(f"{fake_url}/log", fake)
            async with contextlib.AsyncExitStack() as stack:
                urls = [await stack.enter_async_context(copy_of(url, f"stepwise_{s}")) for s in STRATEGIES]
                results = await asyncio.gather(*(strategy_runs(u, fake_url, s, sizes)
                                                 for u, s in zip(urls, STRATEGIES, strict=True)))
    clean = {(r.strategy, r.size): r for c, _ in results for r in c}
    crashed = {(r.strategy, r.size, r.mode): r for _, k in results for r in k}
    table = Table("Stepwise generation: single vs blocks at 1 s to first token, 100 tokens/s per stream",
                  ["program", "strategy", "first content", "ready", "output tokens", "calls",
                   "SIGKILL at progress >= 60%: spent again", "SIGKILL at 70% of the time: spent again"])
    for size in sizes:
        for strategy in STRATEGIES:
            c = clean[(strategy, size)]
            ready = seconds(c.ready_s) if c.status == "completed" else f"{c.status}: {c.error}"
            cells = []
            for mode in CRASH_MODES:
                k = crashed.get((strategy, size, mode))
                if k is None:
                    cells.append("as the timed crash" if strategy == "single" else "-")
                elif k.status == "completed" and c.tokens:
                    extra = k.tokens - c.tokens
                    again = f", {k.reattached} re-attached, {k.reread} tokens read again" if k.reattached else ""
                    cells.append(f"{extra} tokens, {extra / c.tokens * 100:.0f}% (killed at {k.killed}; "
                                 f"ready at {seconds(k.ready_s)}{again})")
                else:
                    cells.append(k.status if k.status != "failed" else f"failed: {k.error}")
            table.add(f"{size[0]}x{size[1]} {size[2]}", strategy, seconds(c.first_content_s), ready, c.tokens,
                      c.calls, *cells)
    table.notes += [
        "first content: the `plan` event for blocks; the first 'week drafted' progress event for single",
        "blocks and single use Chat Completions (tokens: what the server streamed before each client hung up); "
        "responses is blocks with NOWVA_OPENAI_API=responses (tokens: what the server generated for each "
        "background response, once, however many streams read it)",
        f"targets: 12x4 ready <= 20 s, 52x7 <= 60 s and inside the {DEADLINE_S:.0f} s deadline, the plan <= 5 s, "
        "12x4 blocks tokens <= a third of single's, a crash at 70% re-spends <= a third of the job's tokens",
        load_note()]
    return [table]


if __name__ == "__main__":
    run_alone(run, __doc__)
