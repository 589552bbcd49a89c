"""Benchmark (issue 28): tracing off, as shipped, against tracing on, side by side in alternating
rounds. On: the API and the worker export every span (OTEL_TRACES_SAMPLER=always_on) over
OTLP/HTTP to a receiver in a process of its own on loopback (tests/fakes/otlp_receiver.py, decoding
every body with the protocol's protobuf classes, as a collector would).

* throughput: tests/perf/throughput.py's `ours` (POST → built-in engine → program stored, one
  worker process, concurrency 50);
* status reads: tests/perf/status_reads.py's wrk run against one job's status URL.
"""

from __future__ import annotations

import contextlib
import shutil
import statistics
import uuid
from collections.abc import Iterator

from app import queries as q
from app.db import connect
from tests.perf import throughput
from tests.perf.harness import (
    REQUEST,
    Table,
    api_process,
    child_process,
    create_users,
    database,
    load_note,
    ms,
    nowva_env,
    pct,
    raise_nofile,
    run_alone,
    say,
    service_key,
)
from tests.perf.status_reads import CONNECTIONS, wrk
from tests.perf.throughput import SUBMITTERS, copy_of
from tests.support import free_port

# on: every span sampled and exported; 10%: a tenth of the traces (parent-based: a job's worker
# spans follow the API's decision), what a busy deployment would run.
MODES = ("off", "on", "10%")
UNTRACED_POLLS = "on, polls untraced"
# Status reads only: every span sampled, but the status URL excluded with the standard variable
# (app/web/app.py), what an operator whose load is the voice agent's polls can choose.
READ_MODES = (*MODES, UNTRACED_POLLS)
SAMPLERS = {"on": {"OTEL_TRACES_SAMPLER": "always_on"},
            "10%": {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"},
            UNTRACED_POLLS: {"OTEL_TRACES_SAMPLER": "always_on",
                             "OTEL_PYTHON_EXCLUDED_URLS": "api/programs/status/[0-9a-f-]+$"}}


@contextlib.contextmanager
def tracing_env(url: str, mode: str) -> Iterator[dict[str, str]]:
    if mode == "off":
        yield {}
        return
    port = free_port()
    with child_process("otlp receiver", "tests.fakes.otlp_receiver", [str(port)], nowva_env(url)) as receiver:
        yield {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}", **SAMPLERS[mode]}
        receiver.stop()
        say(f"  receiver: {receiver.output().strip().splitlines()[-1]}")


async def run(quick: bool = False) -> list[Table]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    raise_nofile()
    n, rounds, seconds = (300, 1, 5) if quick else (1500, 3, 10)
    runs: dict[str, list[throughput.Result]] = {m: [] for m in MODES}
    reads: dict[str, list[float]] = {m: [] for m in READ_MODES}
    p99: dict[str, list[float]] = {m: [] for m in READ_MODES}
    cpu_per_read: dict[str, list[float]] = {m: [] for m in READ_MODES}  # the API's CPU µs per request
    async with database() as url:
        keys = [await service_key(url) for _ in range(SUBMITTERS)]
        for r in range(rounds):
            for mode in MODES:
                say(f"round {r + 1}: throughput, tracing {mode}, {n} generations")
                async with copy_of(url, "perf_tracing") as run_url:
                    with tracing_env(url, mode) as env:
                        runs[mode].append(await throughput.ours(run_url, keys, n, 50, env))
        conn = await connect(url)
        (user,) = await create_users(conn, 1)
        job_id = uuid.uuid4()
        await q.create_job(conn, job_id, user, {**REQUEST, "user_id": str(user)}, None, None, None)
        await conn.close()
        auth = {"Authorization": f"Bearer {keys[0]}"}
        for r in range(rounds):
            for mode in READ_MODES:
                say(f"round {r + 1}: status reads, tracing {mode}")
                with tracing_env(url, mode) as env:
                    async with api_process(url, **env) as api:
                        target = f"{api.base_url}/api/programs/status/{job_id}"
                        await wrk(target, 2, api.child, auth)  # warm-up
                        res = await wrk(target, seconds, api.child, auth)
                reads[mode].append(res.rps)
                p99[mode].append(res.p99_s)
                cpu_per_read[mode].append(res.cpu_pct / 100 / res.rps * 1e6)
    table = Table("Tracing off (as shipped) and on (every span exported to a loopback OTLP/HTTP receiver), "
                  "alternating rounds",
                  ["benchmark", "tracing", "round", "rate", "p50 ms", "p99 ms", "CPU ms/job: worker",
                   "API (status reads: µs/request)"])
    for mode in READ_MODES:
        for k, res in enumerate(runs.get(mode, []), 1):
            c = {key: v / res.jobs * 1000 for key, v in res.cpu.items()}
            table.add("throughput (jobs/s)", mode, k, f"{res.rate:.0f}", ms(pct(res.latencies, 50)),
                      ms(pct(res.latencies, 99)), f"{c['worker']:.2f}", f"{c['API']:.2f}")
        for k, (rps, tail, cpu) in enumerate(zip(reads[mode], p99[mode], cpu_per_read[mode], strict=True), 1):
            table.add(f"status reads (req/s, wrk {CONNECTIONS} connections)", mode, k, f"{rps:.0f}", "",
                      f"{tail * 1000:.1f}", "", f"{cpu:.0f}")
    off_rate = statistics.mean(r.rate for r in runs["off"])
    on_rate = statistics.mean(r.rate for r in runs["on"])
    off_reads, on_reads = statistics.mean(reads["off"]), statistics.mean(reads["on"])
    table.add("**throughput: on as % of off**", "", "", f"**{on_rate / off_rate * 100:.0f}%**", "", "", "", "")
    table.add("**status reads: on as % of off**", "", "", f"**{on_reads / off_reads * 100:.0f}%**", "", "", "", "")
    tenth_rate = statistics.mean(r.rate for r in runs["10%"])
    tenth_reads = statistics.mean(reads["10%"])
    table.add("**throughput: 10% sampled as % of off**", "", "", f"**{tenth_rate / off_rate * 100:.0f}%**", "", "",
              "", "")
    table.add("**status reads: 10% sampled as % of off**", "", "", f"**{tenth_reads / off_reads * 100:.0f}%**", "",
              "", "", "")
    untraced_reads = statistics.mean(reads[UNTRACED_POLLS])
    table.add(f"**status reads: {UNTRACED_POLLS} as % of off**", "", "",
              f"**{untraced_reads / off_reads * 100:.0f}%**", "", "", "", "")
    table.notes += ["on: OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_TRACES_SAMPLER=always_on for the API and the "
                    "worker; 10%: parentbased_traceidratio 0.1; the receiver runs on the same 2 cores", load_note()]
    return [table]


if __name__ == "__main__":
    run_alone(run, __doc__)
