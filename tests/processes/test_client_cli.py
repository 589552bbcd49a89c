"""`nowva generate` and `nowva watch` as real processes: bad options refused before anything is
created, an API that cannot be reached, an API that goes away and comes back (or does not), and a
progress bar free of the HTTP library's log lines."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest

from tests.conftest import make_settings
from tests.support import Live, Proc, env_for, free_port, wait_until, worker_task

pytestmark = pytest.mark.slow

OPTIONS = ["--height-cm", "180", "--weight-kg", "80", "--goal", "strength", "--goal-raw", "stronger",
           "--weeks", "3", "--days", "3", "--level", "beginner"]


def client_env(base_url: str, key: str, **extra: str) -> dict[str, str]:
    # DATABASE_URL is not needed by the API's clients; a bogus one proves they never use it.
    return env_for("postgresql://nobody@127.0.0.1:9/none", NOWVA_API_URL=base_url, NOWVA_API_KEY=key, **extra)


async def finished(proc: Proc, timeout: float) -> int:
    """The process's exit status, once it ends by itself (its log is closed then)."""
    try:
        code = await asyncio.to_thread(proc.popen.wait, timeout)
    finally:
        proc.stop()
    return code


async def test_bad_options_are_refused_by_flag_before_anything_is_created(api_only: Live, tmp_path: Path) -> None:
    options = [*OPTIONS[:-6], "--weeks", "0", "--days", "9", "--level", "beginner"]
    proc = Proc(["generate", *options], client_env(api_only.base_url, api_only.key), tmp_path / "gen.log")
    assert await finished(proc, 60) == 2
    out = proc.output()
    assert "argument --weeks: Input should be greater than or equal to 1 (got 0)" in out, out
    assert "argument --days: Input should be less than or equal to 7 (got 9)" in out, out
    assert "duration_weeks" not in out and "Traceback" not in out
    conn = await asyncpg.connect(api_only.database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM users") == 0
        assert await conn.fetchval("SELECT count(*) FROM program_generation_jobs") == 0
    finally:
        await conn.close()


async def test_an_unreachable_api_is_one_clear_message(tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    for args in (["generate", *OPTIONS], ["watch", "0b7e2f1c-2a4d-4f7e-9c61-1d2e3f4a5b6c"]):
        proc = Proc(args, client_env(base, "nwv_00000000_x"), tmp_path / f"{args[0]}.log")
        assert await finished(proc, 60) == 1
        out = proc.output()
        assert f"cannot reach the Nowva API at {base} (from NOWVA_API_URL)" in out, out
        assert "set NOWVA_API_URL" in out and "Traceback" not in out, out
        assert len(out.strip().splitlines()) == 2, out


async def test_the_progress_bar_holds_no_http_log_lines_unless_verbose(live: Live, tmp_path: Path) -> None:
    env = client_env(live.base_url, live.key)
    quiet = Proc(["generate", *OPTIONS, "--watch"], env, tmp_path / "quiet.log")
    assert await finished(quiet, 120) == 0, quiet.output()
    assert "100%" in quiet.output() and "Week 3" in quiet.output()
    assert "Understood: " in quiet.output()  # the understood event, told back above the bar (issue 24)
    assert "HTTP Request" not in quiet.output() and "httpx" not in quiet.output()
    job_id = quiet.output().split()[1]
    verbose = Proc(["watch", job_id, "--verbose"], env, tmp_path / "verbose.log")
    assert await finished(verbose, 60) == 0, verbose.output()
    assert "httpx: HTTP Request: GET" in verbose.output()


async def test_watch_backs_off_while_the_api_is_away_then_resumes_or_gives_up(
    db_url: str, service_key: str, tmp_path: Path
) -> None:
    """The API stops under two watchers: each says so once and retries with backoff (no busy loop);
    the one with a short --retry-for gives up with status 1, the other resumes when the API is back
    and prints the program."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    api_env = env_for(db_url, NOWVA_GENERATOR="builtin")
    api = Proc(["serve", "--no-worker", "--port", str(port)], api_env, tmp_path / "api1.log")
    watchers: list[Proc] = []
    try:
        await api.wait_healthy(base)
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {service_key}"},
                                     timeout=30) as c:
            user = (await c.post("/api/users", json={})).json()["id"]
            r = await c.post("/api/programs/generate", json={
                "user_id": user, "height_cm": 180, "weight_kg": 80, "goal_category": "strength",
                "duration_weeks": 3, "days_per_week": 3, "fitness_level": "beginner"})
            job_id = r.json()["job_id"]  # pending: no worker runs yet
        env = client_env(base, service_key)
        patient = Proc(["watch", job_id, "--retry-for", "120"], env, tmp_path / "patient.log")
        brief = Proc(["watch", job_id, "--retry-for", "3"], env, tmp_path / "brief.log")
        watchers += [patient, brief]
        await wait_until(lambda: all("pending" in w.output() for w in watchers), timeout=30)

        assert api.stop() == 0
        lost_at = time.monotonic()
        cpu = psutil.Process(patient.pid)
        before = cpu.cpu_times()
        assert await finished(brief, 30) == 1
        gave_up_after = time.monotonic() - lost_at
        await asyncio.sleep(max(0.0, 6 - (time.monotonic() - lost_at)))
        after = cpu.cpu_times()
        away = time.monotonic() - lost_at
        used = (after.user - before.user) + (after.system - before.system)
        print(f"API away {away:.1f} s: the patient watcher used {used:.3f} s of CPU; "
              f"the brief one gave up after {gave_up_after:.1f} s")
        assert used < 0.3, used  # the loop this replaces spun at 94% of a core
        out = brief.output()
        assert gave_up_after < 15, gave_up_after  # its clock started when the stream ended, before stop() returned
        assert out.count("nowva: lost the API") == 1, out
        assert f"gave up: the API at {base} has not answered for 3 s" in out, out
        assert f"`nowva watch {job_id}` follows it again" in out, out

        api = Proc(["serve", "--no-worker", "--port", str(port)], api_env, tmp_path / "api2.log")
        await api.wait_healthy(base)
        async with worker_task(make_settings(tmp_path), db_url):
            assert await finished(patient, 60) == 0, patient.output()
        out = patient.output()
        assert out.count("nowva: lost the API") == 1, out
        assert f"nowva: reconnected to {base}; resuming after event 1" in out, out
        assert "Week 3" in out and "Traceback" not in out
    finally:
        for w in watchers:
            w.stop()
        api.stop()
