"""What the stream checkpoints cost (issue 16): one worker's flush of every background response
it is reading, at the concurrency benchmark's scale (500 jobs x 4 blocks = 2,000 streams).

jobs/checkpoints.py writes every stream that moved since the last flush in one statement
(`checkpoint_steps`: UPDATE ... FROM unnest(), fenced by the attempt), every NOWVA_CHECKPOINT_S
(2 s). Here the real Checkpoints object flushes readings that grow by 2 s of a stream at 100
tokens/s (800 characters) per flush, from 0 to the length of a 16x4 block (~4,300 characters of
JSON; the text is real program JSON), for 2,000 and 500 streams. Measured per flush: wall time, the
worker process's CPU (the flush runs on the worker's event loop), PostgreSQL's CPU, and the table's size
once the readings have grown to full blocks (dead row versions included, before autovacuum).
"""

from __future__ import annotations

import time
import uuid

import asyncpg

from app import step_queries as steps_q
from app.coaching.writer.program import build_program
from app.db import connect, create_pool
from app.models import GenerateRequest
from jobs.checkpoints import Checkpoints
from tests.perf.harness import REQUEST, PostgresCpu, Table, create_running_jobs, database, load_note, run_alone

BLOCK_CHARS = 4300  # a 16x4 block's JSON from the fake coach model
GROWTH = 800  # 2 s at 100 tokens/s, 4 characters a token
PER_JOB = 4


def block_texts(n: int) -> list[str]:
    """Real program JSON (the built-in engine's, as compressible as a model's answer), a different
    stretch of it for each stream, BLOCK_CHARS long."""
    request = GenerateRequest.model_validate({**REQUEST, "user_id": str(uuid.uuid4()), "duration_weeks": 16,
                                              "days_per_week": 4, "fitness_level": "intermediate"})
    text = build_program(request).model_dump_json()
    step = max(1, (len(text) - BLOCK_CHARS) // n)
    return [text[(i * step) % (len(text) - BLOCK_CHARS):][:BLOCK_CHARS] for i in range(n)]


class Reading:
    def __init__(self, full: str) -> None:
        self.sequence = 0
        self.text = ""
        self._full = full

    def grow(self, step: int) -> None:
        self.sequence += 1 + GROWTH // 12  # an event every 0.05 s of 12 characters or so
        self.text = self._full[: min(BLOCK_CHARS, (step + 1) * GROWTH)]


async def _streams(conn: asyncpg.Connection, pool: asyncpg.Pool, jobs: int) -> list[tuple[uuid.UUID, int, str]]:
    ids = await create_running_jobs(conn, jobs)
    streams = []
    for job_id in ids:
        for index in range(PER_JOB):
            response_id = f"resp_{uuid.uuid4().hex}"
            assert await steps_q.attach_step(pool, job_id, 1, "block", index, response_id)
            streams.append((job_id, index, response_id))
    return streams


async def measure(url: str, jobs: int, out: Table) -> None:
    conn = await connect(url)
    pool = await create_pool(url, min_size=1, max_size=4)
    try:
        streams = await _streams(conn, pool, jobs)
        checkpoints = Checkpoints(pool, interval_s=3600)  # flushed by hand below, not by its timer
        readings = []
        for (job_id, index, response_id), full in zip(streams, block_texts(len(streams)), strict=True):
            reading = Reading(full)
            checkpoints.watch(job_id, 1, "block", index, response_id, reading)
            readings.append(reading)
        pg = await PostgresCpu.of(url)
        flushes = -(-BLOCK_CHARS // GROWTH)
        wall, cpu, pg_cpu = [], [], []
        for step in range(flushes):
            for r in readings:
                r.grow(step)
            w0, c0, p0 = time.perf_counter(), time.process_time(), pg.seconds()
            await checkpoints.flush()
            wall.append(time.perf_counter() - w0)
            cpu.append(time.process_time() - c0)
            pg_cpu.append(pg.seconds() - p0)
        await checkpoints.aclose()
        written = await conn.fetchval("SELECT count(*) FROM program_generation_steps WHERE length(partial_text) = $1",
                                      BLOCK_CHARS)
        size = await conn.fetchval("SELECT pg_total_relation_size('program_generation_steps')")
        out.add(f"{len(streams)} streams ({jobs} jobs x {PER_JOB})", flushes,
                f"{sum(wall) / flushes * 1000:.0f} ms / {max(wall) * 1000:.0f} ms",
                f"{sum(cpu) / flushes * 1000:.0f} ms", f"{sum(pg_cpu) / flushes * 1000:.0f} ms",
                f"{sum(cpu) / flushes / 2 * 100:.1f}% of a core",
                f"{written} of {len(streams)}", f"{size / 2**20:.1f} MiB")
    finally:
        await pool.close()
        await conn.close()


async def run(quick: bool = False) -> list[Table]:
    table = Table("Stream checkpoints: one flush of every response a worker reads (every 2 s)",
                  ["streams", "flushes (0 to a full block)", "flush wall, mean / max", "worker CPU per flush",
                   "PostgreSQL CPU per flush", "worker CPU at one flush per 2 s", "full blocks stored",
                   "steps table after"])
    for jobs in ((50,) if quick else (500, 125)):
        async with database() as url:
            await measure(url, jobs, table)
    table.notes += [f"each flush: every stream's text so far (growing {GROWTH} characters a flush up to "
                    f"{BLOCK_CHARS}) and its sequence number, in one UPDATE ... FROM unnest()", load_note()]
    return [table]


if __name__ == "__main__":
    run_alone(run, __doc__)
