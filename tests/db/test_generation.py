"""End to end through the real worker: the seed's flow, idempotency, limits, and a running cancel."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from app.cli.local import create_key
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
    # completion supersedes them. So the events are pending, in_progress, understood (what was read
    # from the words, issue 24), completed; only a stall of the worker longer than the interval
    # (0.5 s) could let one progress event through.
    seen = [(e["seq"], e["type"], e["data"].get("status")) for e in events]
    assert seen[:3] == [(1, "status", "pending"), (2, "status", "in_progress"), (3, "understood", None)], seen
    assert seen[-1] == (len(seen), "completed", None), seen
    assert len(seen) <= 5 and all(kind == "progress" for _, kind, _ in seen[3:-1]), seen
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


# The shipped defaults of the three generation rate limits (docs/configuration.md).
DEFAULT_RATES = {name: getattr(Settings(), name) for name in (
    "generate_rate_window_s", "generate_rate_per_user", "generate_rate_per_key", "generate_rate_per_service_key")}


def test_the_rate_limits_are_read_from_the_environment() -> None:
    settings = Settings.from_env({"NOWVA_GENERATE_RATE_WINDOW": "3600", "NOWVA_GENERATE_RATE_PER_USER": "20",
                                  "NOWVA_GENERATE_RATE_PER_KEY": "10", "NOWVA_GENERATE_RATE_PER_SERVICE_KEY": "50000"})
    assert (settings.generate_rate_window_s, settings.generate_rate_per_user, settings.generate_rate_per_key,
            settings.generate_rate_per_service_key) == (3600, 20, 10, 50000)
    with pytest.raises(ValueError, match="NOWVA_GENERATE_RATE_PER_USER"):
        Settings.from_env({"NOWVA_GENERATE_RATE_PER_MINUTE": "30"})


async def test_a_hundred_people_through_one_service_key_all_start_within_a_minute(
        settings: Settings, db_url: str, service_key: str, pool: asyncpg.Pool) -> None:
    # The voice agent's one service key stands for everyone it talks to: with the shipped limits,
    # a hundred people in the same minute all get their program started.
    async with api_server(settings.with_(**DEFAULT_RATES), db_url) as base:
        live = Live(base, service_key, settings, db_url)
        async with live.client() as c:
            users = [(await c.post("/api/users", json={})).json()["id"] for _ in range(100)]
            started = asyncio.get_running_loop().time()
            results = await asyncio.gather(*[
                c.post("/api/programs/generate", json={"user_id": user, **REQUEST}) for user in users])
            elapsed = asyncio.get_running_loop().time() - started
    assert [r.status_code for r in results] == [202] * 100, [r.text for r in results if r.status_code != 202][:3]
    assert elapsed < 60
    assert await pool.fetchval("SELECT count(DISTINCT user_id) FROM program_generation_jobs") == 100


async def test_a_person_past_their_own_limit_is_429_with_retry_after_whichever_key_asks(
        settings: Settings, db_url: str, service_key: str, pool: asyncpg.Pool) -> None:
    limited = settings.with_(generate_rate_per_user=3, generate_rate_window_s=60, max_active_jobs_per_user=100)
    async with api_server(limited, db_url) as base:
        live = Live(base, service_key, limited, db_url)
        async with live.client() as c:
            user = (await c.post("/api/users", json={})).json()["id"]
            other = (await c.post("/api/users", json={})).json()["id"]
            # Concurrent requests for one person: the user's row lock serialises their count,
            # so exactly the limit is accepted.
            results = await asyncio.gather(*[
                c.post("/api/programs/generate", json={"user_id": user, **REQUEST}) for _ in range(8)])
            assert sorted(r.status_code for r in results) == [202] * 3 + [429] * 5
            refused = next(r for r in results if r.status_code == 429)
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            assert refused.json()["detail"] == "At most 3 generations per minute per user."
            # Another person through the same key is not affected.
            assert (await c.post("/api/programs/generate", json={"user_id": other, **REQUEST})).status_code == 202
        # The person's own user key counts against the same limit.
        user_key = await create_key(db_url, "phone", user)
        async with live.client(user_key) as mine:
            r = await mine.post("/api/programs/generate", json={"user_id": user, **REQUEST})
            assert r.status_code == 429 and "per user." in r.json()["detail"]
    assert await pool.fetchval("SELECT count(*) FROM program_generation_jobs WHERE user_id = $1",
                               uuid.UUID(user)) == 3


async def test_user_keys_and_service_keys_have_limits_of_their_own(
        settings: Settings, db_url: str, service_key: str) -> None:
    limited = settings.with_(generate_rate_per_user=10, generate_rate_per_key=2, generate_rate_per_service_key=3,
                             generate_rate_window_s=3600, max_active_jobs_per_user=100)
    async with api_server(limited, db_url) as base:
        live = Live(base, service_key, limited, db_url)
        async with live.client() as c:
            users = [(await c.post("/api/users", json={})).json()["id"] for _ in range(4)]
            codes = [(await c.post("/api/programs/generate", json={"user_id": u, **REQUEST})) for u in users]
            assert [r.status_code for r in codes] == [202, 202, 202, 429]
            assert codes[3].json()["detail"] == "At most 3 generations per hour per service key."
            assert 3500 <= int(codes[3].headers["retry-after"]) <= 3600
        phone = await create_key(db_url, "phone", users[3])
        async with live.client(phone) as mine:
            codes = [(await mine.post("/api/programs/generate", json={"user_id": users[3], **REQUEST}))
                     for _ in range(3)]
            assert [r.status_code for r in codes] == [202, 202, 429]
            assert codes[2].json()["detail"] == "At most 2 generations per hour per user key."
        # A second key of the same person has a budget of its own; the person's limit spans both.
        laptop = await create_key(db_url, "laptop", users[3])
        async with live.client(laptop) as mine:
            assert (await mine.post("/api/programs/generate",
                                    json={"user_id": users[3], **REQUEST})).status_code == 202


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
