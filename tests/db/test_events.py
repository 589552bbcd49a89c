"""The event mechanism against a real uvicorn: SSE order, resume, replay, tokens, long-poll,
cancel, the firehose, and the hub surviving a killed LISTEN connection, a PostgreSQL
restart and silent doorbells. Jobs are driven here through the same named queries the
worker uses, so each test controls exactly when every event is committed."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
from httpx_sse import aconnect_sse

from app import queries as q
from app.db import connect
from app.embedded import EmbeddedPostgres
from app.settings import Settings
from app.web.hub import HUB_APPLICATION_NAME
from tests.support import Live, api_server, wait_until

REQUEST = {"height_cm": 180.0, "weight_kg": 80.0, "goal_category": "strength", "goal_raw": "get strong",
           "duration_weeks": 2, "days_per_week": 2, "fitness_level": "beginner"}
PROGRAM = {
    "name": "2-Week Strength Program", "description": "d", "summary": "s",
    "weeks": [{"week": w, "focus": "f", "deload": False, "days": [
        {"day": d, "name": "Full body", "exercises": [
            {"name": "Squat", "sets": 3, "reps": 5, "intensity": "RPE 7", "rest_seconds": 180, "notes": ""}]}
        for d in (1, 2)]} for w in (1, 2)],
}


async def new_job(live: Live) -> tuple[str, str]:
    async with live.client() as c:
        user = (await c.post("/api/users", json={})).json()["id"]
        r = await c.post("/api/programs/generate", json={"user_id": user, **REQUEST})
        assert r.status_code == 202, r.text
        return r.json()["job_id"], r.json()["events_url"]


async def start(pool: asyncpg.Pool, job_id: str) -> int:
    queue_job_id = await pool.fetchval("SELECT procrastinate_job_id FROM program_generation_jobs WHERE id = $1",
                                       UUID(job_id))
    row = await q.start_attempt(pool, UUID(job_id), queue_job_id, 3, "gave up after %s: %s", 30.0)
    assert row is not None
    return int(row["attempt"])


async def progress(pool: asyncpg.Pool, job_id: str, attempt: int, pct: int) -> None:
    assert await q.record_progress(pool, UUID(job_id), attempt, pct, "drafting", f"{pct}%")


async def complete(pool: asyncpg.Pool, job_id: str, attempt: int) -> None:
    assert await q.complete_job(pool, UUID(job_id), attempt, uuid.uuid4(), PROGRAM,
                                {**REQUEST, "user_id": "x"}, "builtin", None, None)


async def collect(client: httpx.AsyncClient, url: str, out: list[dict[str, Any]],
                  headers: dict[str, str] | None = None, stop_after: int | None = None,
                  opened: asyncio.Event | None = None) -> list[Any]:
    """Read an SSE stream into `out` until it ends (or stop_after events); returns the raw SSEs.
    `opened` is set once the response has begun: the server has fixed where the stream starts."""
    raw: list[Any] = []
    async with aconnect_sse(client, "GET", url, headers=headers or {}) as source:
        assert source.response.status_code == 200
        if opened is not None:
            opened.set()
        async for sse in source.aiter_sse():
            raw.append(sse)
            if sse.data:
                out.append({"id": sse.id, "event": sse.event, **json.loads(sse.data)})
                if stop_after is not None and len(out) >= stop_after:
                    break
    return raw


async def test_sse_order_ids_retry_and_terminal_end(api_only: Live, pool: asyncpg.Pool) -> None:
    job_id, _ = await new_job(api_only)
    events: list[dict[str, Any]] = []
    async with api_only.client() as c:
        reader = asyncio.create_task(collect(c, f"/api/programs/status/{job_id}/events", events))
        await wait_until(lambda: len(events) == 1)
        attempt = await start(pool, job_id)
        for pct in (20, 40, 60, 80):
            await progress(pool, job_id, attempt, pct)
        await complete(pool, job_id, attempt)
        raw = await asyncio.wait_for(reader, 10)  # ends by itself after the terminal event
    assert [e["seq"] for e in events] == list(range(1, 8))
    assert [e["id"] for e in events] == [str(i) for i in range(1, 8)]
    assert [e["event"] for e in events] == ["status", "status", "progress", "progress", "progress", "progress",
                                            "completed"]
    assert events[0]["data"] == {"status": "pending"}
    assert events[1]["data"] == {"status": "in_progress", "attempt": 1}
    assert [e["data"]["progress"] for e in events[2:6]] == [20, 40, 60, 80]
    assert events[-1]["data"]["progress"] == 100 and events[-1]["data"]["program_id"]
    assert any(s.retry == 3000 for s in raw)


async def test_progress_never_goes_backwards(api_only: Live, pool: asyncpg.Pool) -> None:
    job_id, _ = await new_job(api_only)
    attempt = await start(pool, job_id)
    await progress(pool, job_id, attempt, 50)
    await progress(pool, job_id, attempt, 30)
    events = await q.events_after(pool, UUID(job_id), 0)
    assert [e.data.get("progress") for e in events if e.type == "progress"] == [50, 50]


async def test_resume_after_a_cut_gives_exactly_the_missed_events(api_only: Live, pool: asyncpg.Pool) -> None:
    job_id, _ = await new_job(api_only)
    attempt = await start(pool, job_id)
    await progress(pool, job_id, attempt, 10)
    first: list[dict[str, Any]] = []
    async with api_only.client() as c:
        await collect(c, f"/api/programs/status/{job_id}/events", first, stop_after=2)
        assert [e["seq"] for e in first] == [1, 2]
        # events happen while the client is away
        await progress(pool, job_id, attempt, 30)
        await progress(pool, job_id, attempt, 60)
        rest: list[dict[str, Any]] = []
        reader = asyncio.create_task(collect(c, f"/api/programs/status/{job_id}/events", rest,
                                             headers={"Last-Event-ID": "2"}))
        await wait_until(lambda: len(rest) == 3)
        await complete(pool, job_id, attempt)
        await asyncio.wait_for(reader, 10)
        assert [e["seq"] for e in rest] == [3, 4, 5, 6]
        via_query: list[dict[str, Any]] = []
        await collect(c, f"/api/programs/status/{job_id}/events?after=4", via_query)
        assert [e["seq"] for e in via_query] == [5, 6]


async def test_finished_job_replays_in_full_and_ends(api_only: Live, pool: asyncpg.Pool) -> None:
    job_id, events_url = await new_job(api_only)
    attempt = await start(pool, job_id)
    await progress(pool, job_id, attempt, 50)
    await complete(pool, job_id, attempt)
    events: list[dict[str, Any]] = []
    # the token in events_url is enough: EventSource cannot send headers
    async with httpx.AsyncClient(timeout=10) as anonymous:
        await asyncio.wait_for(collect(anonymous, events_url, events), 10)
    assert [e["seq"] for e in events] == [1, 2, 3, 4]
    assert events[-1]["type"] == "completed"


async def test_a_stream_resumed_at_a_finished_jobs_end_is_204(api_only: Live, pool: asyncpg.Pool) -> None:
    # EventSource reconnects after every close, the one after the terminal event too, with
    # Last-Event-ID set to that event: a 200 there would hold the connection for ever.
    job_id, events_url = await new_job(api_only)
    attempt = await start(pool, job_id)
    await complete(pool, job_id, attempt)  # seq 3 is the last
    url = f"/api/programs/status/{job_id}/events"
    async with api_only.client() as c:
        for headers, params in (({"Last-Event-ID": "3"}, {}), ({}, {"after": "3"}), ({"Last-Event-ID": "99"}, {}),
                                ({}, {"after": "99"})):
            r = await asyncio.wait_for(c.get(url, headers=headers, params=params), 10)
            assert r.status_code == 204, (headers, params, r.status_code)
            assert r.content == b"" and "content-type" not in r.headers
        head = await asyncio.wait_for(c.head(url, headers={"Last-Event-ID": "3"}), 10)
        assert head.status_code == 204
        # One event short of the end: that event, then the stream ends.
        rest: list[dict[str, Any]] = []
        await asyncio.wait_for(collect(c, url, rest, headers={"Last-Event-ID": "2"}), 10)
        assert [(e["seq"], e["type"]) for e in rest] == [(3, "completed")]
    # EventSource's own request: the token in events_url, and the Last-Event-ID it was sent.
    async with httpx.AsyncClient(timeout=10) as anonymous:
        r = await asyncio.wait_for(anonymous.get(events_url, headers={"Last-Event-ID": "3"}), 10)
        assert r.status_code == 204


async def test_a_cursor_past_a_running_jobs_end_still_gets_its_end(api_only: Live, pool: asyncpg.Pool) -> None:
    job_id, _ = await new_job(api_only)
    attempt = await start(pool, job_id)  # seq 2
    events: list[dict[str, Any]] = []
    opened = asyncio.Event()
    async with api_only.client() as c:
        reader = asyncio.create_task(collect(c, f"/api/programs/status/{job_id}/events?after=50", events,
                                             opened=opened))
        await asyncio.wait_for(opened.wait(), 10)
        await progress(pool, job_id, attempt, 40)
        await complete(pool, job_id, attempt)
        await asyncio.wait_for(reader, 10)  # it ends: the terminal event reached it
    assert [(e["seq"], e["type"]) for e in events] == [(3, "progress"), (4, "completed")]


async def test_stream_tokens_are_scoped_to_one_job(api_only: Live) -> None:
    job_a, url_a = await new_job(api_only)
    async with api_only.client() as c:
        other_user = (await c.post("/api/users", json={})).json()["id"]
        r = await c.post("/api/programs/generate", json={"user_id": other_user, **REQUEST})
        job_b = r.json()["job_id"]
    token = url_a.split("token=")[1]
    async with httpx.AsyncClient(base_url=api_only.base_url, timeout=10) as anonymous:
        r = await anonymous.get(f"/api/programs/status/{job_b}/events", params={"token": token})
        assert r.status_code == 401
        r = await anonymous.get(f"/api/programs/status/{job_a}/events", params={"token": "123.abc"})
        assert r.status_code == 401
        r = await anonymous.get(f"/api/programs/status/{job_a}/events", params={"token": "9999999999.abc"})
        assert r.status_code == 401
        r = await anonymous.get(f"/api/programs/status/{job_a}/events")
        assert r.status_code == 401
        r = await anonymous.get(f"/api/programs/status/{job_a}/events", params={"after": "-1", "token": token})
        assert r.status_code == 422


async def test_long_poll_wakes_on_the_event_not_at_the_timeout(settings: Settings, db_url: str, service_key: str,
                                                               pool: asyncpg.Pool) -> None:
    # The hub's fallback poll is out of the picture: only the NOTIFY can wake the long-poll early.
    async with api_server(settings.with_(hub_poll_s=120), db_url) as base:
        live = Live(base, service_key, settings, db_url)
        job_id, _ = await new_job(live)
        async with live.client() as c:
            seq = (await c.get(f"/api/programs/status/{job_id}")).json()["seq"]
            poll = asyncio.create_task(c.get(f"/api/programs/status/{job_id}", params={"wait": 20, "after": seq}))
            await asyncio.sleep(0.5)
            assert not poll.done()
            committed = time.monotonic()
            attempt = await start(pool, job_id)
            r = await asyncio.wait_for(poll, 15)
            woke_after = time.monotonic() - committed
            assert r.status_code == 200
            assert r.json()["status"] == "in_progress" and r.json()["seq"] == seq + 1
            assert woke_after < 5, woke_after  # typically a few ms; the wait was 20 s
            # nothing new: answers after `wait` seconds with the current state
            t0 = time.monotonic()
            r = await c.get(f"/api/programs/status/{job_id}", params={"wait": 1, "after": seq + 1})
            assert 0.9 < time.monotonic() - t0 < 10
            assert r.json()["seq"] == seq + 1
            # an event already newer than `after`: answers at once, not after the 30 s wait
            t0 = time.monotonic()
            r = await c.get(f"/api/programs/status/{job_id}", params={"wait": 30, "after": 0})
            assert time.monotonic() - t0 < 10
            # `after` past the job's last seq: the job's end answers, not the end of the 20 s wait
            poll = asyncio.create_task(c.get(f"/api/programs/status/{job_id}", params={"wait": 20, "after": 99}))
            await asyncio.sleep(0.5)
            assert not poll.done()
            t0 = time.monotonic()
            await complete(pool, job_id, attempt)
            r = await asyncio.wait_for(poll, 15)
            assert r.json()["status"] == "completed" and time.monotonic() - t0 < 10
            for bad in ({"wait": 61}, {"wait": -1}, {"wait": "soon"}, {"after": -3}):
                r = await c.get(f"/api/programs/status/{job_id}", params=bad)
                assert r.status_code == 422 and r.json()["detail"][0]["loc"][0] == "query"


async def test_cancel_in_each_state(api_only: Live, pool: asyncpg.Pool) -> None:
    async with api_only.client() as c:
        # pending: cancelled at once, and the queue row is cancelled too
        job_id, _ = await new_job(api_only)
        r = await c.post(f"/api/programs/status/{job_id}/cancel")
        assert r.status_code == 200 and r.json()["status"] == "cancelled"
        queued = await pool.fetchval(
            "SELECT pj.status FROM procrastinate_jobs pj JOIN program_generation_jobs j"
            " ON j.procrastinate_job_id = pj.id WHERE j.id = $1", UUID(job_id))
        assert queued == "cancelled"
        # again: idempotent, no second event
        r = await c.post(f"/api/programs/status/{job_id}/cancel")
        assert r.status_code == 200
        events = await q.events_after(pool, UUID(job_id), 0)
        assert [e.type for e in events] == ["status", "cancelled"]
        # completed: 409
        done_id, _ = await new_job(api_only)
        attempt = await start(pool, done_id)
        await complete(pool, done_id, attempt)
        r = await c.post(f"/api/programs/status/{done_id}/cancel")
        assert r.status_code == 409 and r.json()["status"] == "completed"
        # failed: 409
        failed_id, _ = await new_job(api_only)
        attempt = await start(pool, failed_id)
        assert await q.fail_job(pool, UUID(failed_id), attempt, "boom")
        r = await c.post(f"/api/programs/status/{failed_id}/cancel")
        assert r.status_code == 409
        # in progress (no worker here): the row is cancelled, the worker's later writes are fenced
        running_id, _ = await new_job(api_only)
        attempt = await start(pool, running_id)
        r = await c.post(f"/api/programs/status/{running_id}/cancel")
        assert r.status_code == 200
        assert not await q.record_progress(pool, UUID(running_id), attempt, 50, "drafting", "late")
        assert not await q.complete_job(pool, UUID(running_id), attempt, uuid.uuid4(), PROGRAM,
                                        {**REQUEST, "user_id": "x"}, "builtin", None, None)
        assert await pool.fetchval("SELECT count(*) FROM programs") == 1


async def _listen_backend_pid(pool: asyncpg.Pool, other_than: int | None = None) -> int:
    """The hub's LISTEN backend, once there is one (and it is not `other_than`)."""
    async def find() -> int | None:
        pid: int | None = await pool.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1"
            " AND pid IS DISTINCT FROM $2 LIMIT 1", HUB_APPLICATION_NAME, other_than)
        return pid

    await wait_until(find, timeout=30)
    pid = await find()
    assert pid is not None
    return pid


async def _open_streams(live: Live, jobs: list[str], n_per_job: int) -> tuple[
        list[list[dict[str, Any]]], list[asyncio.Task[Any]], httpx.AsyncClient]:
    client = live.client(timeout=60)
    outs: list[list[dict[str, Any]]] = []
    tasks: list[asyncio.Task[Any]] = []
    for job_id in jobs:
        for _ in range(n_per_job):
            out: list[dict[str, Any]] = []
            outs.append(out)
            tasks.append(asyncio.create_task(collect(client, f"/api/programs/status/{job_id}/events", out)))
    await wait_until(lambda: all(len(o) >= 1 for o in outs))
    return outs, tasks, client


async def _run_jobs(pool: asyncpg.Pool, jobs: list[str], steps: tuple[int, ...]) -> None:
    attempts = {j: await start(pool, j) for j in jobs}
    for pct in steps:
        for j in jobs:
            await progress(pool, j, attempts[j], pct)
    for j in jobs:
        await complete(pool, j, attempts[j])


def _assert_complete(outs: list[list[dict[str, Any]]], n_events: int) -> None:
    for out in outs:
        assert [e["seq"] for e in out] == list(range(1, n_events + 1)), [e["seq"] for e in out]


async def test_hub_survives_pg_terminate_backend(api_only: Live, pool: asyncpg.Pool) -> None:
    jobs = [(await new_job(api_only))[0] for _ in range(3)]
    outs, tasks, client = await _open_streams(api_only, jobs, 2)
    try:
        pid = await _listen_backend_pid(pool)
        assert await pool.fetchval("SELECT pg_terminate_backend($1, 5000)", pid)  # waits until it is gone
        # events committed while the hub has no LISTEN connection
        attempts = {j: await start(pool, j) for j in jobs}
        for j in jobs:
            await progress(pool, j, attempts[j], 25)
        await _listen_backend_pid(pool, other_than=pid)  # the hub reconnected by itself
        for j in jobs:
            await progress(pool, j, attempts[j], 75)
            await complete(pool, j, attempts[j])
        await asyncio.wait_for(asyncio.gather(*tasks), 15)
    finally:
        await client.aclose()
    _assert_complete(outs, 5)


@pytest.mark.slow
async def test_postgres_restart_loses_no_event_for_resuming_clients(
    embedded: EmbeddedPostgres, api_only: Live, db_url: str
) -> None:
    jobs = [(await new_job(api_only))[0] for _ in range(2)]
    seen: dict[str, list[int]] = {j: [] for j in jobs}

    async def resilient_reader(job_id: str) -> None:
        # What a real client does: on a dropped stream, reconnect with Last-Event-ID.
        last = 0
        async with api_only.client(timeout=60) as c:
            while True:
                out: list[dict[str, Any]] = []
                try:
                    await collect(c, f"/api/programs/status/{job_id}/events", out,
                                  headers={"Last-Event-ID": str(last)})
                except (httpx.HTTPError, AssertionError):
                    await asyncio.sleep(0.3)
                for e in out:
                    seen[job_id].append(e["seq"])
                    last = e["seq"]
                if out and out[-1]["type"] == "completed":
                    return

    readers = [asyncio.create_task(resilient_reader(j)) for j in jobs]
    pool = await asyncpg.connect(db_url)
    try:
        attempts = {j: await start(pool, j) for j in jobs}  # type: ignore[arg-type]
        await pool.close()
        await asyncio.sleep(0.5)
        embedded.stop_server()
        await asyncio.sleep(0.5)
        embedded.start_server()
        from app.db import create_pool

        pool2 = await create_pool(db_url, max_size=2)
        try:
            for j in jobs:
                await progress(pool2, j, attempts[j], 50)
                await complete(pool2, j, attempts[j])
            await asyncio.wait_for(asyncio.gather(*readers), 30)
        finally:
            await pool2.close()
    finally:
        for r in readers:
            r.cancel()
    for j in jobs:
        assert seen[j] == [1, 2, 3, 4], seen[j]


async def test_polling_delivers_when_doorbells_never_ring(
    settings: Settings, db_url: str, service_key: str, pool: asyncpg.Pool
) -> None:
    # A LISTEN URL that cannot connect: the hub must fall back to its slow poll.
    dead = "postgresql://nobody@127.0.0.1:1/none"
    async with api_server(settings.with_(hub_poll_s=0.5), db_url, listen_url=dead) as base:
        live = Live(base, service_key, settings, db_url)
        job_id, _ = await new_job(live)
        outs, tasks, client = await _open_streams(live, [job_id], 2)
        try:
            await _run_jobs(pool, [job_id], (30, 60))
            await asyncio.wait_for(asyncio.gather(*tasks), 15)
        finally:
            await client.aclose()
    _assert_complete(outs, 5)


async def test_firehose_and_job_list(api_only: Live, pool: asyncpg.Pool) -> None:
    jobs = [(await new_job(api_only))[0] for _ in range(2)]
    async with api_only.client(timeout=30) as c:
        listing = (await c.get("/api/jobs", params={"limit": 1})).json()
        assert len(listing["items"]) == 1 and listing["next_cursor"]
        assert listing["items"][0]["job_id"] == jobs[1]  # newest first
        page2 = (await c.get("/api/jobs", params={"limit": 1, "cursor": listing["next_cursor"]})).json()
        assert page2["items"][0]["job_id"] == jobs[0]
        assert (await c.get("/api/jobs", params={"status": "completed"})).json()["items"] == []
        assert (await c.get("/api/jobs", params={"status": "nope"})).status_code == 422
        stats = (await c.get("/api/stats")).json()
        assert stats["jobs"]["pending"] == 2 and stats["listening"] is True

        fire: list[dict[str, Any]] = []
        opened = asyncio.Event()

        async def read_firehose() -> None:
            async with httpx.AsyncClient(timeout=30) as anonymous:
                await collect(anonymous, listing["events_url"], fire, stop_after=6, opened=opened)

        reader = asyncio.create_task(read_firehose())
        await asyncio.wait_for(opened.wait(), 30)  # the stream starts at "now", so open it first
        await _run_jobs(pool, jobs, (50,))
        await asyncio.wait_for(reader, 10)
        assert {e["job_id"] for e in fire} == set(jobs)
        for j in jobs:
            assert [e["seq"] for e in fire if e["job_id"] == j] == [2, 3, 4]
        # resumable by global id
        resumed: list[dict[str, Any]] = []
        cut = fire[2]["id"]
        async with httpx.AsyncClient(timeout=30) as anonymous:
            await collect(anonymous, listing["events_url"], resumed, headers={"Last-Event-ID": cut},
                          stop_after=3)
        assert [e["id"] for e in resumed] == [e["id"] for e in fire[3:6]]



async def test_heartbeat_comments_keep_idle_streams_alive(settings: Settings, db_url: str, service_key: str) -> None:
    async with api_server(settings.with_(sse_ping_s=0.3), db_url) as base:
        live = Live(base, service_key, settings, db_url)
        job_id, _ = await new_job(live)
        lines: list[str] = []
        async with live.client() as c, c.stream("GET", f"/api/programs/status/{job_id}/events") as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            async for line in r.aiter_lines():
                lines.append(line)
                if sum(1 for x in lines if x.startswith(": ping")) >= 2:
                    break
    assert "retry: 3000" in lines
    assert "id: 1" in lines


async def test_firehose_order_is_commit_safe(api_only: Live, pool: asyncpg.Pool, db_url: str) -> None:
    # An event whose transaction is still open gets a lower id than one committed after it;
    # the firehose must neither skip it on resume nor deliver the later one first.
    job_a, _ = await new_job(api_only)
    job_b, _ = await new_job(api_only)
    attempt_a, attempt_b = await start(pool, job_a), await start(pool, job_b)
    cursor = await q.firehose_now(pool)
    slow = await connect(db_url)
    try:
        tx = slow.transaction()
        await tx.start()
        await progress(slow, job_a, attempt_a, 10)  # type: ignore[arg-type]
        await progress(pool, job_b, attempt_b, 10)
        held = await q.firehose_after(pool, cursor, 100)
        assert [e.job_id for e in held if e.type == "progress"] == []  # B waits for the older A
        await tx.commit()
    finally:
        await slow.close()
    batch = await q.firehose_after(pool, cursor, 100)
    progress_events = [e for e in batch if e.type == "progress"]
    assert [str(e.job_id) for e in progress_events] == [job_a, job_b]
    assert progress_events[0].id < progress_events[1].id or progress_events[0].txid < progress_events[1].txid
    # resuming after A's event still yields B's; after B's, nothing is left behind
    after_a = await q.firehose_after(pool, progress_events[0].firehose_cursor, 100)
    assert [str(e.job_id) for e in after_a if e.type == "progress"] == [job_b]
    assert await q.firehose_after(pool, progress_events[1].firehose_cursor, 100) == []
    async with api_only.client() as c:
        r = await c.get("/api/events", params={"after": "not-a-cursor"})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "after"]
