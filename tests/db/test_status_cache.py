"""Status polls served from memory (app/web/status_cache.py) against a real uvicorn, hub and
PostgreSQL: a repeated poll reads no table, and every change a status shows reaches the next
polls once its doorbell rings, whoever wrote it; without a hearing LISTEN every poll reads the table."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import asyncpg
import httpx

from app import step_queries as steps_q
from app.settings import Settings
from tests.db.test_events import new_job, progress, start
from tests.support import Live, api_server, wait_until


async def _reads(c: httpx.AsyncClient) -> dict[str, float]:
    text = (await c.get("/metrics")).text
    return {m.group(1): float(m.group(2))
            for m in re.finditer(r'^nowva_status_reads_total\{source="(\w+)"\} ([\d.e+]+)$', text, re.MULTILINE)}


async def _doorbells(c: httpx.AsyncClient) -> float:
    found = re.search(r"^nowva_hub_notifications_total ([\d.e+]+)$", (await c.get("/metrics")).text, re.MULTILINE)
    assert found is not None
    return float(found.group(1))


async def _poll(c: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    r = await c.get(f"/api/programs/status/{job_id}")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def _until(c: httpx.AsyncClient, job_id: str, field: str, value: object) -> None:
    async def shown() -> bool:
        return bool((await _poll(c, job_id))[field] == value)

    await wait_until(shown, timeout=5)


async def test_repeated_polls_read_no_table_and_every_change_reaches_them(api_only: Live,
                                                                        pool: asyncpg.Pool) -> None:
    async with api_only.client() as c:
        rung = await _doorbells(c)
        job_id, _ = await new_job(api_only)

        async def heard_its_creation() -> bool:  # else its doorbell could arrive between two polls
            return await _doorbells(c) > rung

        await wait_until(heard_its_creation, timeout=5)
        before = await _reads(c)
        for _ in range(5):
            assert (await _poll(c, job_id))["status"] == "pending"
        after = await _reads(c)
        assert after["table"] - before["table"] == 1 and after["memory"] - before["memory"] == 4, (before, after)

        # Writes from elsewhere (the worker's queries, on another connection) reach the polls by
        # their doorbells: a state change, a progress event, and usage, which has no event.
        attempt = await start(pool, job_id)
        await _until(c, job_id, "status", "in_progress")
        await progress(pool, job_id, attempt, 40)
        await _until(c, job_id, "progress", 40)
        assert await steps_q.add_usage(pool, UUID(job_id), {"input_tokens": 10, "cost_usd": 0.25})
        await _until(c, job_id, "cost_usd", 0.25)

        # This process's own write is seen by the very next poll.
        assert (await c.post(f"/api/programs/status/{job_id}/cancel")).status_code == 200
        assert (await _poll(c, job_id))["status"] == "cancelled"


async def test_without_a_hearing_listen_every_poll_reads_the_table(settings: Settings, db_url: str,
                                                                   service_key: str) -> None:
    dead = "postgresql://nobody@127.0.0.1:1/none"  # the hub never listens: doorbells cannot be trusted
    async with api_server(settings.with_(hub_poll_s=0.5), db_url, listen_url=dead) as base:
        live = Live(base, service_key, settings, db_url)
        async with live.client() as c:
            job_id, _ = await new_job(live)
            before = await _reads(c)
            for _ in range(3):
                await _poll(c, job_id)
            after = await _reads(c)
    assert after["table"] - before["table"] == 3 and after["memory"] == before["memory"]
