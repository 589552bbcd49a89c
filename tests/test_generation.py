"""End to end through the real worker: the seed's flow, idempotency, limits, and a running cancel."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx

from app.settings import Settings
from tests.support import Live, api_server, wait_until, worker_task

REQUEST = {"height_cm": 190.5, "weight_kg": 87.5, "goal_category": "hypertrophy", "goal_raw": "muscle gain",
           "duration_weeks": 6, "days_per_week": 4, "fitness_level": "intermediate"}


async def wait_done(c: httpx.AsyncClient, job_id: str, timeout: float = 30) -> dict[str, Any]:
    status: dict[str, Any] = {}

    async def finished() -> bool:
        nonlocal status
        status = (await c.get(f"/api/programs/status/{job_id}", params={"wait": 5})).json()
        return status["status"] in ("completed", "failed", "cancelled")

    await wait_until(finished, timeout=timeout)
    return status


async def test_the_seeds_flow_user_generate_status_program(live: Live, pool: asyncpg.Pool) -> None:
    async with live.client() as c:
        user = (await c.post("/api/users", json={"display_name": "Sam"})).json()["id"]
        r = await c.post("/api/programs/generate", json={"user_id": user, **REQUEST})
        assert r.status_code == 202
        job_id = r.json()["job_id"]
        status = await wait_done(c, job_id)
        assert status["status"] == "completed", status
        assert status["progress"] == 100 and status["attempt"] == 1 and status["stage"] == "completed"
        assert status["started_at"] and status["completed_at"] and status["error_message"] is None
        program = (await c.get(f"/api/programs/{status['program_id']}")).json()
    assert program["id"] == status["program_id"] and program["user_id"] == user and program["job_id"] == job_id
    assert program["duration_weeks"] == 6 and program["days_per_week"] == 4
    assert program["goal_category"] == "hypertrophy" and program["fitness_level"] == "intermediate"
    assert program["engine"] == "builtin" and program["name"] and program["description"]
    assert len(program["summary"].split()) <= 60
    assert [w["week"] for w in program["weeks"]] == [1, 2, 3, 4, 5, 6]
    assert all(len(w["days"]) == 4 for w in program["weeks"])
    events = await pool.fetch("SELECT seq, type, data FROM program_generation_events WHERE job_id = $1"
                              " ORDER BY seq", uuid.UUID(job_id))
    # The built-in engine drafts the program in milliseconds, inside the interval that began with
    # the attempt's start event: its dozen reports are coalesced (jobs/progress.py), and the
    # completion supersedes them. So the events are pending, in_progress, completed; only a stall
    # of the worker longer than the interval (0.5 s) could let one progress event through.
    seen = [(e["seq"], e["type"], e["data"].get("status")) for e in events]
    assert seen[:2] == [(1, "status", "pending"), (2, "status", "in_progress")], seen
    assert seen[-1] == (len(seen), "completed", None), seen
    assert len(seen) <= 4 and all(kind == "progress" for _, kind, _ in seen[2:-1]), seen
    async with live.client() as c:
        listing = (await c.get("/api/programs", params={"user_id": user})).json()
        assert [p["id"] for p in listing["items"]] == [program["id"]]
        assert listing["next_cursor"] is None


async def test_idempotency_key_same_body_same_job_other_body_422(api_only: Live, pool: asyncpg.Pool) -> None:
    async with api_only.client() as c:
        user = (await c.post("/api/users", json={})).json()["id"]
        body = {"user_id": user, **REQUEST}
        headers = {"Idempotency-Key": "abc-123"}
        first = await c.post("/api/programs/generate", json=body, headers=headers)
        again = await c.post("/api/programs/generate", json=body, headers=headers)
        assert first.status_code == again.status_code == 202
        assert first.json()["job_id"] == again.json()["job_id"]
        other = await c.post("/api/programs/generate", json={**body, "days_per_week": 3}, headers=headers)
        assert other.status_code == 422
        assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
        too_long = await c.post("/api/programs/generate", json=body, headers={"Idempotency-Key": "x" * 201})
        assert too_long.status_code == 422
    assert await pool.fetchval("SELECT count(*) FROM program_generation_jobs") == 1


async def test_idempotent_replay_leaves_the_users_latest_measurements(api_only: Live) -> None:
    async with api_only.client() as c:
        user = (await c.post("/api/users", json={})).json()["id"]
        first = {"user_id": user, **REQUEST, "height_cm": 180.0}
        job = (await c.post("/api/programs/generate", json=first, headers={"Idempotency-Key": "k1"})).json()
        assert (await c.post(f"/api/programs/status/{job['job_id']}/cancel")).status_code == 200
        second = {**first, "height_cm": 182.0}
        assert (await c.post("/api/programs/generate", json=second, headers={"Idempotency-Key": "k2"})
                ).status_code == 202
        replay = await c.post("/api/programs/generate", json=first, headers={"Idempotency-Key": "k1"})
        assert replay.status_code == 202 and replay.json()["job_id"] == job["job_id"]
        assert (await c.get(f"/api/users/{user}")).json()["height_cm"] == 182.0  # not the replayed 180


async def test_one_active_generation_per_user_is_409_with_the_job(api_only: Live, pool: asyncpg.Pool) -> None:
    async with api_only.client() as c:
        user = (await c.post("/api/users", json={})).json()["id"]
        first = (await c.post("/api/programs/generate", json={"user_id": user, **REQUEST})).json()
        second = await c.post("/api/programs/generate", json={"user_id": user, **REQUEST})
        assert second.status_code == 409
        assert second.json()["job_id"] == first["job_id"]
        # concurrent requests for one user: exactly one is accepted
        other = (await c.post("/api/users", json={})).json()["id"]
        results = await asyncio.gather(*[
            c.post("/api/programs/generate", json={"user_id": other, **REQUEST}) for _ in range(8)])
        assert sorted(r.status_code for r in results) == [202] + [409] * 7
    assert await pool.fetchval("SELECT count(*) FROM program_generation_jobs") == 2


async def test_rate_limit_per_key_with_retry_after(settings: Settings, db_url: str, service_key: str) -> None:
    async with api_server(settings.with_(generate_rate_per_minute=2, max_active_jobs_per_user=10), db_url) as base:
        live = Live(base, service_key, settings, db_url)
        async with live.client() as c:
            user = (await c.post("/api/users", json={})).json()["id"]
            codes = [(await c.post("/api/programs/generate", json={"user_id": user, **REQUEST})) for _ in range(3)]
    assert [r.status_code for r in codes] == [202, 202, 429]
    assert 1 <= int(codes[2].headers["retry-after"]) <= 60
    assert "per minute" in codes[2].json()["detail"]


async def test_cancel_reaches_a_running_job(settings: Settings, db_url: str, service_key: str,
                                            pool: asyncpg.Pool) -> None:
    slow = settings.with_(builtin_week_delay_s=0.5)
    async with api_server(slow, db_url) as base, worker_task(slow, db_url):
        live = Live(base, service_key, slow, db_url)
        async with live.client() as c:
            user = (await c.post("/api/users", json={})).json()["id"]
            job_id = (await c.post("/api/programs/generate",
                                   json={"user_id": user, **REQUEST, "duration_weeks": 20})).json()["job_id"]

            async def running() -> bool:
                s = (await c.get(f"/api/programs/status/{job_id}")).json()
                return bool(s["status"] == "in_progress" and s["progress"] > 5)

            await wait_until(running)
            r = await c.post(f"/api/programs/status/{job_id}/cancel")
            assert r.status_code == 200 and r.json()["status"] == "cancelled"
            seq_at_cancel = r.json()["seq"]
            # the worker aborts the task: Procrastinate records the abort, no more events come
            await wait_until(lambda: pool.fetchval(
                "SELECT pj.status::text <> 'doing' FROM procrastinate_jobs pj JOIN program_generation_jobs j"
                " ON j.procrastinate_job_id = pj.id WHERE j.id = $1", uuid.UUID(job_id)), timeout=15)
            await asyncio.sleep(1.0)
            s = (await c.get(f"/api/programs/status/{job_id}")).json()
            assert s["status"] == "cancelled" and s["seq"] == seq_at_cancel and s["program_id"] is None
    assert await pool.fetchval("SELECT count(*) FROM programs") == 0
