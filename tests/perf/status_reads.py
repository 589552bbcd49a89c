"""Benchmark 5, status reads: `GET /api/programs/status/{id}` requests per second with wrk
(64 connections, 2 threads) against a bare Starlette + asyncpg endpoint doing one SELECT by
primary key (tests/perf/bare_status.py), same machine, same run, alternating rounds.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import statistics
import uuid
from dataclasses import dataclass

from app import queries as q
from app.db import connect
from tests.perf.harness import (
    REQUEST,
    Child,
    Table,
    api_process,
    child_process,
    create_users,
    database,
    load_note,
    nowva_env,
    raise_nofile,
    run_alone,
    say,
    service_key,
    wait_http,
)
from tests.support import free_port

CONNECTIONS = 64
BARE = "bare Starlette + asyncpg SELECT"
PATH = "GET /api/programs/status/{id}"
# Ours as shipped, and with NOWVA_PUBLIC_URL set (events_url then skips the request's origin).
OURS: tuple[tuple[str, dict[str, str]], ...] = (
    (PATH, {}),
    (f"{PATH}, NOWVA_PUBLIC_URL set", {"NOWVA_PUBLIC_URL": "http://127.0.0.1:8000"}),
)
UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


@dataclass
class WrkResult:
    rps: float
    p50_s: float
    p99_s: float
    errors: int
    cpu_pct: float


def _seconds(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if m is None:
        return float("nan")
    return float(m.group(1)) * UNITS[m.group(2)]


def parse_wrk(out: str) -> tuple[float, float, float, int]:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return rps, _seconds(p50.group(1)) if p50 else float("nan"), _seconds(p99.group(1)) if p99 else float("nan"), \
        errors


async def wrk(url: str, seconds: int, server: Child, headers: dict[str, str] | None = None) -> WrkResult:
    args = ["-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    cpu0 = server.cpu_s()
    proc = await asyncio.create_subprocess_exec("wrk", *args, url, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    cpu = server.cpu_s() - cpu0
    rps, p50, p99, errors = parse_wrk(out.decode())
    return WrkResult(rps, p50, p99, errors, cpu / seconds * 100)


async def run(quick: bool = False) -> list[Table]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    raise_nofile()
    seconds, rounds = (5, 1) if quick else (10, 3)
    table = Table(f"Status reads: wrk, {CONNECTIONS} connections, {seconds} s per round, rounds alternate",
                  ["endpoint", "round", "req/s", "p50 ms", "p99 ms", "server CPU %", "errors"])
    async with database() as url:
        key = await service_key(url)
        conn = await connect(url)
        (user,) = await create_users(conn, 1)
        job_id = uuid.uuid4()
        await q.create_job(conn, job_id, user, {**REQUEST, "user_id": str(user)}, None, None, None)
        await conn.close()
        port = free_port()
        auth = {"Authorization": f"Bearer {key}"}
        async with contextlib.AsyncExitStack() as stack:
            bare = stack.enter_context(child_process("bare", "tests.perf.bare_status", [url, str(port)],
                                                     nowva_env(url)))
            await wait_http(f"http://127.0.0.1:{port}/status/{job_id}", bare)
            targets: dict[str, tuple[str, Child, dict[str, str] | None]] = {
                BARE: (f"http://127.0.0.1:{port}/status/{job_id}", bare, None)}
            for name, env in OURS:
                api = await stack.enter_async_context(api_process(url, **env))
                targets[name] = (f"{api.base_url}/api/programs/status/{job_id}", api.child, auth)
            for target, child, headers in targets.values():
                await wrk(target, 2, child, headers)  # warm-up
            results: dict[str, list[WrkResult]] = {name: [] for name in targets}
            for r in range(rounds):
                for name, (target, child, headers) in targets.items():
                    say(f"wrk round {r + 1}: {name}")
                    res = await wrk(target, seconds, child, headers)
                    results[name].append(res)
                    table.add(name, r + 1, f"{res.rps:.0f}", f"{res.p50_s * 1000:.1f}",
                              f"{res.p99_s * 1000:.1f}", f"{res.cpu_pct:.0f}", res.errors)
    bare_rps = statistics.mean(x.rps for x in results[BARE])
    for name, _ in OURS:
        rps = statistics.mean(x.rps for x in results[name])
        table.add(f"**{name}: % of bare (mean of rounds)**", "", f"**{rps / bare_rps * 100:.0f}%**", "", "", "",
                  "")
    table.notes += [
        "ours: Bearer key check (cached 5 s), query validation, the SELECT, the status model with a signed "
        "events_url, four ASGI middlewares (request id, metrics, security headers, body limit)",
        "the bare endpoint keeps asyncpg's defaults (a reset query on every release); ours sends none "
        "(app/db.py); both run on uvloop (app/runtime.py)",
        "wrk runs on the same 2 cores as the server and PostgreSQL", load_note()]
    return [table]


if __name__ == "__main__":
    run_alone(run, __doc__)
