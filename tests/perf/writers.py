"""A model that writes in its own words (issue 23): 200 jobs against the realistic writer
(tests/fakes/real_model.py: real models' spellings, prescriptions in several formats, its own program
by pattern and equipment) beside the same 200 against the fake coach model (the built-in engine's
program re-encoded), each at the default pace (1 s to the first token, 100 tokens/s per stream).

Each writer gets its own paced model server (tests/perf/paced_openai.py), its own copy of the
migrated database and one worker process (concurrency 200, stepwise strategy over Chat Completions,
the built-in fallback on), both at once. The 200 jobs are submitted together: eight sizes from 4x3 to
24x5, the three goals and the three levels in turn, and a quarter of them for a person with only
dumbbells and a bench. Reported per writer: jobs completed with the model's program, completed by
the built-in fallback (and why), failed; repair calls per job (the server's log: calls that carry the
model's earlier answer); time from the request to the program stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from dataclasses import dataclass, field
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
    pct,
    raise_nofile,
    run_alone,
    say,
    wait_http,
    wait_worker,
    worker_process,
)
from tests.perf.stepwise import finished
from tests.support import free_port

SIZES = ((4, 3), (8, 4), (12, 4), (16, 5), (24, 5), (6, 2), (10, 6), (12, 3))
GOALS = ("hypertrophy", "strength", "power")
LEVELS = ("beginner", "intermediate", "advanced")
DUMBBELLS = "only dumbbells and a bench at home"
WRITERS = ("real", "coach")
DEADLINE_S = 300.0


@dataclass
class Job:
    job_id: uuid.UUID
    tag: str
    dumbbells: bool
    status: str = ""
    engine: str = ""
    fallback_reason: str = ""
    ready_s: float | None = None
    calls: int = 0
    repairs: int = 0
    in_plan: bool = False  # the program carries the name of the plan the person heard
    fixes: Counter[str] = field(default_factory=Counter)  # what code fixed, by rule


def body(i: int, tag: str) -> dict[str, Any]:
    weeks, days = SIZES[i % len(SIZES)]
    words = DUMBBELLS if i % 4 == 3 else "steady progress"
    return {"height_cm": 178.0, "weight_kg": 80.0, "goal_category": GOALS[i % 3],
            "goal_raw": f"{words}, ref {tag}", "duration_weeks": weeks, "days_per_week": days,
            "fitness_level": LEVELS[(i // 3) % 3]}


async def writer_run(url: str, writer: str, n: int) -> list[Job]:
    port = free_port()
    fake_url = f"http://127.0.0.1:{port}"
    env = {"NOWVA_GENERATOR": "openai", "OPENAI_API_KEY": "perf", "OPENAI_BASE_URL": f"{fake_url}/v1",
           "PROGRAM_CREATION_MODEL": "gpt-perf", "NOWVA_OPENAI_STRATEGY": "blocks", "NOWVA_OPENAI_API": "chat",
           "NOWVA_OPENAI_TIMEOUT": "120", "NOWVA_JOB_DEADLINE": str(DEADLINE_S), "NOWVA_FALLBACK": "builtin"}
    with child_process(f"paced-{writer}", "tests.perf.paced_openai", [str(port)],
                       nowva_env(url, NOWVA_PERF_WRITER=writer)) as fake:
        await wait_http(f"{fake_url}/log", fake)
        conn = await connect(url)
        try:
            users = await create_users(conn, n)
            async with worker_process(url, n, **env) as worker:
                await wait_worker(conn, worker)
                say(f"writers: {writer}, {n} jobs at once")
                jobs = []
                for i, user in enumerate(users):
                    job_id, tag = uuid.uuid4(), "zq" + uuid.uuid4().hex[:8]
                    await q.create_job(conn, job_id, user, {**body(i, tag), "user_id": str(user)}, None, None, None)
                    jobs.append(Job(job_id, tag, i % 4 == 3))
                deadline = asyncio.get_running_loop().time() + DEADLINE_S + 60
                while asyncio.get_running_loop().time() < deadline:
                    if all([await finished(conn, j.job_id) for j in jobs]):
                        break
                    await asyncio.sleep(1.0)
            async with httpx.AsyncClient(timeout=60) as client:
                log = (await client.get(f"{fake_url}/log")).json()
            for job in jobs:
                await measure(conn, job, [r for r in log if r["tag"] == job.tag])
        finally:
            await conn.close()
    return jobs


async def measure(conn: asyncpg.Connection, job: Job, log: list[dict[str, Any]]) -> None:
    row = await conn.fetchrow(
        "SELECT j.status, j.engine, j.fallback_reason, extract(epoch FROM e.created_at - j.created_at) AS ready, "
        "p.name = s.content ->> 'name' AS in_plan, j.code_fixes "
        "FROM program_generation_jobs j LEFT JOIN program_generation_events e "
        "ON e.job_id = j.id AND e.type = 'completed' LEFT JOIN programs p ON p.job_id = j.id "
        "LEFT JOIN program_generation_steps s ON s.job_id = j.id AND s.kind = 'plan' WHERE j.id = $1", job.job_id)
    assert row is not None
    job.status, job.engine, job.fallback_reason = row["status"], row["engine"] or "", row["fallback_reason"] or ""
    job.ready_s = float(row["ready"]) if row["ready"] is not None else None
    job.in_plan = bool(row["in_plan"])
    job.fixes = Counter(str(f.get("rule")) for f in row["code_fixes"] or [] if isinstance(f, dict))
    job.calls, job.repairs = len(log), sum(1 for r in log if r.get("repair"))


def summary(jobs: list[Job]) -> dict[str, str]:
    n = len(jobs)
    by_model = [j for j in jobs if j.status == "completed" and not j.fallback_reason]
    fell = [j for j in jobs if j.status == "completed" and j.fallback_reason]
    failed = [j for j in jobs if j.status != "completed"]
    reasons = Counter(j.fallback_reason for j in fell)
    ready = [j.ready_s for j in jobs if j.ready_s is not None]
    model_ready = [j.ready_s for j in by_model if j.ready_s is not None]
    dumbbells = [j for j in jobs if j.dumbbells]

    def share(part: list[Job], of: int = n) -> str:
        return f"{len(part)} ({len(part) / of * 100:.0f}%)" if of else "0"

    def seconds(values: list[float]) -> str:
        return f"{pct(values, 50):.1f} s / {pct(values, 95):.1f} s" if values else "-"

    return {
        "completed with the model's program": share(by_model),
        "completed by the built-in fallback": share(fell) + (f": {', '.join(f'{k} {v}' for k, v in reasons.items())}"
                                                             if reasons else ""),
        "fallback programs in the plan the person heard": share([j for j in fell if j.in_plan], len(fell)),
        "failed": share(failed),
        "dumbbell-only people with the model's program": share([j for j in by_model if j.dumbbells], len(dumbbells)),
        "repair calls per job (mean)": f"{sum(j.repairs for j in jobs) / n:.2f}",
        "model calls per job (mean)": f"{sum(j.calls for j in jobs) / n:.1f}",
        "code fixes per job, by rule (mean)": ", ".join(f"{rule} {count / n:.2f}" for rule, count in
                                                       sum((j.fixes for j in jobs), Counter()).most_common()) or "0",
        "time to ready, p50 / p95 (all completed)": seconds(ready),
        "time to ready, p50 / p95 (the model's programs)": seconds(model_ready),
    }


async def run(quick: bool = False) -> list[Table]:
    raise_nofile()
    n = 40 if quick else 200
    async with database() as url, contextlib.AsyncExitStack() as stack:
        urls = [await stack.enter_async_context(copy_of(url, f"writers_{w}")) for w in WRITERS]
        results = await asyncio.gather(*(writer_run(u, w, n) for u, w in zip(urls, WRITERS, strict=True)))
    sums = [summary(jobs) for jobs in results]
    table = Table(f"A model that writes in its own words: {n} jobs per writer at 1 s to first token, 100 tokens/s",
                  ["measure", "realistic writer", "coach model (built-in program re-encoded)", "target (realistic)"])
    targets = {"completed with the model's program": ">= 99%", "failed": "0",
               "repair calls per job (mean)": "<= 0.3"}
    for name in sums[0]:
        table.add(name, sums[0][name], sums[1][name], targets.get(name, ""))
    table.notes += [f"sizes {', '.join(f'{w}x{d}' for w, d in SIZES)} in turn, goals and levels in turn, every "
                    f"fourth person with '{DUMBBELLS}'; one worker per writer, concurrency {n}, stepwise over Chat "
                    "Completions, NOWVA_FALLBACK=builtin",
                    "code fixes: what app/coaching/repairs.py changed in the model's program before judging it, as "
                    "stored with the job (a job that fell back stores none)",
                    load_note()]
    return [table]


if __name__ == "__main__":
    run_alone(run, __doc__)
