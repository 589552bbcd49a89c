"""Soak: an operator's bad day, bounded to a few minutes (issue 12).

Jobs run on the OpenAI engine against the local model server (a few seconds an answer), on
three standalone `nowva worker` processes, while a chaos loop SIGKILLs workers, SIGSTOPs them
past the stall timeout and wakes them, does a rolling restart (SIGTERM each worker in turn
with a grace longer than the stall timeout, its replacement started at once), and restarts
PostgreSQL for real. Every job has an SSE follower that resumes with Last-Event-ID, and a
poller reads statuses throughout.

It passes when every job completes with exactly one program, every follower's events are
gap-free with no repeats and end in the terminal event, and nothing answers 5xx except 503
while the database is away. The faults are random: the seed is printed (NOWVA_SOAK_SEED
replays one), and so are the figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest
from httpx_sse import aconnect_sse

from app.embedded import EmbeddedPostgres
from app.models import GenerateRequest
from jobs.engines.builtin import BuiltinEngine
from tests.fakes.openai_server import FakeOpenAI, Text
from tests.support import Live, Proc, env_for

pytestmark = pytest.mark.slow

JOBS = 36
STALL_S = 3
GRACE_S = 10  # longer than the stall timeout: a rolling restart must not hand jobs off
CHAOS_S = 75
TERMINAL = ("completed", "failed", "cancelled")
REQUEST = {"height_cm": 170.0, "weight_kg": 72.0, "goal_category": "hypertrophy", "goal_raw": "",
           "duration_weeks": 4, "days_per_week": 3, "fitness_level": "intermediate"}


@dataclass
class Follower:
    job_id: str
    seqs: list[int] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    resumes: int = 0


@dataclass
class Figures:
    kills: int = 0
    pauses: int = 0
    rolling: int = 0
    pg_restarts: int = 0
    polls: int = 0
    unavailable: int = 0  # 503s
    restart: asyncio.Task[None] | None = None  # the PostgreSQL restart, when it has begun
    bad: list[str] = field(default_factory=list)  # any other 5xx


async def model_answer() -> str:
    request = GenerateRequest.model_validate({"user_id": uuid.uuid4(), **REQUEST})

    async def quiet(progress: int, stage: str, message: str) -> None:
        return None

    return (await BuiltinEngine().generate(request, quiet)).program.model_dump_json()


class Workers:
    """Three worker slots; each fault replaces the process in a slot."""

    def __init__(self, env: dict[str, str], tmp_path: Path) -> None:
        self.env, self.tmp_path = env, tmp_path
        self.started = 0
        self.slots: list[Proc] = [self._start() for _ in range(3)]
        self.ended: list[Proc] = []

    def _start(self) -> Proc:
        self.started += 1
        return Proc(["worker", "--name", f"w{self.started}"], self.env, self.tmp_path / f"w{self.started}.log")

    def replace(self, i: int) -> None:
        self.ended.append(self.slots[i])
        self.slots[i] = self._start()

    def stop_all(self) -> None:
        for p in self.slots + self.ended:
            p.signal(signal.SIGCONT)
            p.stop()


async def follow(live: Live, f: Follower, deadline: float) -> None:
    """An SSE client as the voice agent runs one: resume with Last-Event-ID until the end."""
    async with live.client(timeout=httpx.Timeout(30, read=40)) as c:
        while time.monotonic() < deadline:
            headers = {"Last-Event-ID": str(f.seqs[-1])} if f.seqs else {}
            try:
                async with aconnect_sse(c, "GET", f"/api/programs/status/{f.job_id}/events",
                                        headers=headers) as source:
                    if source.response.status_code == 204:
                        return  # nothing left to send: the job has ended
                    if source.response.status_code != 200:
                        await asyncio.sleep(0.5)
                        f.resumes += 1
                        continue
                    async for sse in source.aiter_sse():
                        if not sse.data:
                            continue
                        f.seqs.append(int(sse.id))
                        f.types.append(sse.event)
                        if sse.event in TERMINAL:
                            return
            except (httpx.HTTPError, ValueError):
                pass
            f.resumes += 1
            await asyncio.sleep(0.2)


async def poll(live: Live, job_ids: list[str], figures: Figures, stop: asyncio.Event) -> None:
    async with live.client(timeout=10) as c:
        rng = random.Random()
        while not stop.is_set():
            path = rng.choice([f"/api/programs/status/{rng.choice(job_ids)}", "/api/health", "/api/stats"])
            try:
                r = await c.get(path)
            except httpx.HTTPError:
                r = None
            figures.polls += 1
            if r is not None and r.status_code == 503:
                figures.unavailable += 1
            elif r is not None and r.status_code >= 500:
                figures.bad.append(f"{path} {r.status_code} {r.text[:200]}")
            await asyncio.sleep(0.1)


async def chaos(rng: random.Random, workers: Workers, embedded: EmbeddedPostgres, figures: Figures) -> None:
    end = time.monotonic() + CHAOS_S
    pg_restart_at = time.monotonic() + rng.uniform(15, CHAOS_S - 20)
    rolling_at = time.monotonic() + rng.uniform(10, CHAOS_S - 30)
    wakes: list[asyncio.Task[None]] = []

    async def wake_later(p: Proc) -> None:
        await asyncio.sleep(STALL_S + rng.uniform(2, 6))  # past the stall timeout
        p.signal(signal.SIGCONT)

    try:
        while time.monotonic() < end:
            await asyncio.sleep(rng.uniform(1.5, 3.5))
            now = time.monotonic()
            if pg_restart_at and now >= pg_restart_at:
                pg_restart_at = 0
                figures.pg_restarts += 1
                gap = rng.uniform(1, 3)

                def restart(gap: float = gap) -> None:
                    embedded.stop_server()
                    time.sleep(gap)
                    embedded.start_server()

                # a task of its own: a test that fails meanwhile waits for it, not for a thread it can't stop
                figures.restart = asyncio.create_task(asyncio.to_thread(restart))
                await asyncio.shield(figures.restart)
            elif rolling_at and now >= rolling_at:
                rolling_at = 0
                for i in range(3):  # SIGTERM each in turn, its replacement started at once
                    old = workers.slots[i]
                    old.signal(signal.SIGCONT)
                    old.signal(signal.SIGTERM)
                    workers.replace(i)
                    figures.rolling += 1
                    code = await asyncio.to_thread(old.popen.wait, GRACE_S + 15)
                    assert code == 0, old.output()
            elif rng.random() < 0.6:
                i = rng.randrange(3)
                workers.slots[i].signal(signal.SIGKILL)
                workers.replace(i)
                figures.kills += 1
            else:
                p = workers.slots[rng.randrange(3)]
                p.signal(signal.SIGSTOP)
                figures.pauses += 1
                wakes.append(asyncio.create_task(wake_later(p)))
        await asyncio.gather(*wakes)
    finally:
        for w in wakes:
            w.cancel()


async def test_soak_every_job_completes_exactly_once_through_random_faults(
    embedded: EmbeddedPostgres, api_only: Live, db_url: str, tmp_path: Path
) -> None:
    seed = int(os.environ.get("NOWVA_SOAK_SEED") or random.randrange(1 << 30))
    rng = random.Random(seed)
    text = await model_answer()
    figures = Figures()
    started = time.monotonic()
    # ~3 s an answer, streamed in 40 chunks
    async with FakeOpenAI(default=Text(text, chunk_size=len(text) // 40 + 1, delay=0.07)) as fake:
        env = env_for(db_url, NOWVA_GENERATOR="openai", OPENAI_API_KEY="soak", OPENAI_BASE_URL=fake.base_url,
                      NOWVA_OPENAI_STRATEGY="single", NOWVA_STALL_AFTER=str(STALL_S),
                      NOWVA_SHUTDOWN_GRACE=str(GRACE_S), NOWVA_MAX_ATTEMPTS="30", NOWVA_CONCURRENCY="6",
                      NOWVA_OPENAI_TIMEOUT="20", NOWVA_JOB_DEADLINE="240", NOWVA_PROGRESS_INTERVAL="0.3")
        workers = Workers(env, tmp_path)
        stop_polls = asyncio.Event()
        chaos_task = asyncio.create_task(chaos(rng, workers, embedded, figures))
        try:
            job_ids: list[str] = []
            followers: list[asyncio.Task[None]] = []
            state: list[Follower] = []
            deadline = time.monotonic() + CHAOS_S + 120
            async with api_only.client() as c:
                async def post(path: str, body: dict[str, object]) -> httpx.Response:
                    while (r := await c.post(path, json=body)).status_code == 503:  # as a client would
                        assert r.headers["retry-after"]
                        figures.unavailable += 1
                        await asyncio.sleep(1)
                    return r

                for n in range(JOBS):  # spread over the chaos, so faults meet running jobs
                    user = (await post("/api/users", {})).json()["id"]
                    r = await post("/api/programs/generate", {"user_id": user, **REQUEST})
                    assert r.status_code == 202, r.text
                    job_ids.append(r.json()["job_id"])
                    f = Follower(job_ids[-1])
                    state.append(f)
                    followers.append(asyncio.create_task(follow(api_only, f, deadline)))
                    if n == 0:
                        poller = asyncio.create_task(poll(api_only, job_ids, figures, stop_polls))
                    await asyncio.sleep(rng.uniform(0.5, 2.5))
            await chaos_task
            await asyncio.wait_for(asyncio.gather(*followers), timeout=deadline - time.monotonic() + 10)
            stop_polls.set()
            await poller
        finally:
            stop_polls.set()
            chaos_task.cancel()
            with contextlib.suppress(BaseException):
                await chaos_task
            if figures.restart is not None:
                with contextlib.suppress(BaseException):
                    await figures.restart  # a restart under way ends with the server up
            workers.stop_all()

        conn = await asyncpg.connect(db_url)  # a fresh connection: the restart closed the pool's
        try:
            rows = await conn.fetch(
                "SELECT j.id::text, j.status, j.attempt, j.handoffs, j.error_message,"
                " (SELECT count(*) FROM programs p WHERE p.job_id = j.id) AS programs"
                " FROM program_generation_jobs j WHERE j.id = ANY($1::uuid[])", job_ids)
        finally:
            await conn.close()
        attempts = Counter(r["attempt"] for r in rows)
        calls = len(fake.requests)
    print(f"\nsoak seed={seed}: {JOBS} jobs in {time.monotonic() - started:.0f} s;"
          f" faults: {figures.kills} SIGKILL, {figures.pauses} SIGSTOP>{STALL_S}s, {figures.rolling} rolling SIGTERM,"
          f" {figures.pg_restarts} PostgreSQL restart; workers started {workers.started};"
          f" attempts per job {dict(sorted(attempts.items()))}; handoffs {sum(r['handoffs'] for r in rows)};"
          f" model calls {calls}; polls {figures.polls} (503: {figures.unavailable});"
          f" stream resumes {sum(f.resumes for f in state)}")

    failed = [(r["id"], r["status"], r["error_message"]) for r in rows if r["status"] != "completed"]
    assert not failed, failed
    assert all(r["programs"] == 1 for r in rows)
    assert not figures.bad, figures.bad
    for f in state:
        assert f.seqs == list(range(1, len(f.seqs) + 1)), (f.job_id, f.seqs)  # no gap, no repeat
        assert f.types[-1] == "completed" and f.types.count("completed") == 1, (f.job_id, f.types)
    assert figures.pg_restarts == 1 and figures.rolling == 3 and figures.kills + figures.pauses >= 10
