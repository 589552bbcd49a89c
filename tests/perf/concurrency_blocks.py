"""Benchmark 4 again with the stepwise engine (issue 15): ONE worker process (concurrency 500) with
the OpenAI engine in `blocks`, against the paced model server (tests/perf/paced_openai.py: 1 s to
the first token, 100 tokens/s per stream). Each 16-week x 4-day job is a plan, then four blocks at
once: about 2,000 model streams open with 500 jobs in flight.

First one job alone gives the latency L (its start to its program stored); then jobs arrive at 20%
more than 500 / L per second for three cycles, and throughput is the completion rate over two whole
cycles once the first programs are in, against concurrency / latency, with the same heartbeat,
pool and error checks as the one-call run (tests/perf/concurrency.py).
"""

from __future__ import annotations

from app.settings import Settings
from tests.perf.concurrency import BLOCKS, TICK_S, Shape, measure
from tests.perf.harness import Table, database, load_note, raise_nofile, run_alone


async def run(quick: bool = False) -> list[Table]:
    raise_nofile()
    concurrency = 100 if quick else 500
    raw: dict[str, float] = {}
    async with database() as url:
        solo = await measure(url, concurrency, 1.0, Shape("one job alone", 1, 1, None), BLOCKS, raw)
        latency_s = raw["p50"]
        per_tick = max(1, round(concurrency / latency_s * 1.2 * TICK_S))
        window = (latency_s, latency_s + 2 * (latency_s + 0.5))
        arrive_s = window[1] + 4
        shape = Shape(f"steady arrivals at {per_tick / TICK_S:.0f}/s for {arrive_s:.0f} s",
                      round(arrive_s / TICK_S) * per_tick, per_tick, window)
        steady = await measure(url, concurrency, latency_s, shape, BLOCKS)
    heartbeat_s = max(0.5, min(10.0, Settings().stall_after_s / 3))
    targets = {
        "model streams open at once (server's open requests, max)": f">= {4 * concurrency} (4 blocks per job)",
        "throughput, jobs/s": f"within 10% of {concurrency / latency_s:.1f} (concurrency / latency)",
        "throughput / (concurrency / latency)": ">= 90%",
        "completed / failed": "all / 0",
        "LLM calls per job": "5 (a plan and 4 blocks; no repairs, no retries)",
        "heartbeat age, max (sampled every 1 s)": f"<= {heartbeat_s:.0f} s interval + 1 s",
        "worker's PostgreSQL connections, max": "asyncpg pool 4 + Procrastinate pool 10 + its LISTEN",
        "worker log lines naming errors or pools": "0",
    }
    table = Table(f"Concurrency, stepwise engine: one worker process, concurrency {concurrency}, 16x4 jobs, "
                  f"a paced model server (latency of one job alone: {latency_s:.1f} s)",
                  ["measure", "one job alone", shape.name, "target"])
    alone = ("job duration (start → program stored), p50 / max", "LLM calls per job",
             "model streams open at once (server's open requests, max)")
    for name in steady:
        table.add(name, solo.get(name, "") if name in alone else "", steady.get(name, ""), targets.get(name, ""))
    table.notes += ["the model server sends a chunk every 0.5 s per stream (50 tokens); OpenAI sends one every "
                    "token or few, so a real worker parses more chunks per answer", load_note()]
    return [table]


if __name__ == "__main__":
    run_alone(run, __doc__)
