"""Benchmark 6, time to first news: after the voice agent starts a generation, how long until it
can tell the person something.

The seed's design slept 45 s after the POST, then polled: its first news is 45 s plus one status
request. That is computed here (45 s + the status round trip measured in this run), not slept.
Ours: a real API and worker with the OpenAI engine against a local server taking 20 s per answer
(as benchmark 4); the agent's view is the 202 (it says "started") and then the job's SSE stream
(events_url, as EventSource opens it). Measured from just before the POST.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass

import httpx
from httpx_sse import aconnect_sse

from tests.perf.harness import (
    REQUEST,
    Table,
    api_process,
    child_process,
    create_users,
    database,
    load_note,
    nowva_env,
    pct,
    raise_nofile,
    run_alone,
    say,
    service_key,
    wait_http,
    worker_process,
)
from tests.support import free_port

SEED_SLEEP_S = 45.0
MILESTONE = 25  # the agent's first spoken milestone (agent/coach.py MILESTONES)


@dataclass
class Run:
    accepted: float
    first_event: float
    first_progress: float
    milestone: float
    completed: float
    status_get: float


async def one(client: httpx.AsyncClient, user: str) -> Run:
    t0 = time.monotonic()
    r = await client.post("/api/programs/generate", json={**REQUEST, "user_id": user})
    accepted = time.monotonic() - t0
    r.raise_for_status()
    body = r.json()
    first_event = first_progress = milestone = completed = float("nan")
    async with httpx.AsyncClient(timeout=120) as anonymous, \
            aconnect_sse(anonymous, "GET", body["events_url"]) as source:
        async for sse in source.aiter_sse():
            if not sse.data:
                continue
            now = time.monotonic() - t0
            event = json.loads(sse.data)
            if first_event != first_event:
                first_event = now
            if event["type"] == "progress":
                if first_progress != first_progress:
                    first_progress = now
                if event["data"]["progress"] >= MILESTONE and milestone != milestone:
                    milestone = now
            if event["type"] in ("completed", "failed", "cancelled"):
                completed = now if event["type"] == "completed" else float("nan")
                break
    g0 = time.monotonic()
    (await client.get(f"/api/programs/status/{body['job_id']}")).raise_for_status()
    return Run(accepted, first_event, first_progress, milestone, completed, time.monotonic() - g0)


def _fmt(values: list[float]) -> str:
    return f"{pct(values, 50):.3f} s / {max(values):.3f} s"


async def run(quick: bool = False) -> list[Table]:
    raise_nofile()
    n, latency_s = (3, 5.0) if quick else (6, 20.0)
    table = Table("Time to first news for the voice agent (from just before its POST)",
                  ["design", "what the agent can say", "p50 / max"])
    async with database() as url:
        key = await service_key(url)
        from app.db import connect

        conn = await connect(url)
        users = [str(u) for u in await create_users(conn, n)]
        await conn.close()
        port = free_port()
        fake_url = f"http://127.0.0.1:{port}"
        with child_process("slow-openai", "tests.perf.slow_openai", [str(port), str(latency_s)],
                           nowva_env(url)) as fake:
            await wait_http(f"{fake_url}/stats", fake)
            async with api_process(url) as api, \
                    worker_process(url, 10, NOWVA_GENERATOR="openai", OPENAI_API_KEY="perf",
                                   OPENAI_BASE_URL=f"{fake_url}/v1", PROGRAM_CREATION_MODEL="gpt-perf"), \
                    httpx.AsyncClient(base_url=api.base_url, headers={"Authorization": f"Bearer {key}"},
                                      timeout=60) as client:
                await asyncio.sleep(3)  # the worker process starts
                runs: list[Run] = []
                for i, user in enumerate(users):
                    say(f"generation {i + 1}/{n}")
                    runs.append(await one(client, user))
    gets = [r.status_get for r in runs]
    seed = [SEED_SLEEP_S + g for g in gets]
    table.add("seed: sleep 45 s, then poll", "anything at all (the status)", _fmt(seed))
    table.add("ours: 202, then SSE", "\"the generation has started\" (the 202)", _fmt([r.accepted for r in runs]))
    table.add("ours", "first event on the stream (queued)", _fmt([r.first_event for r in runs]))
    table.add("ours", "first progress event (\"5% done: asking the model\")", _fmt([r.first_progress for r in runs]))
    table.add("ours", f"first spoken milestone ({MILESTONE}%: weeks drafted as the model writes)",
              _fmt([r.milestone for r in runs]))
    table.add("ours", "the program is ready", _fmt([r.completed for r in runs]))
    table.add("seed", "the program is ready (first poll at 45 s; ready by then here)", _fmt(seed))
    table.notes += [f"{n} generations one after another; the model server takes {latency_s:.0f} s per answer; "
                    "the seed's times are 45 s plus the status request measured here (not slept)", load_note()]
    return [table]


if __name__ == "__main__":
    run_alone(run, __doc__)
