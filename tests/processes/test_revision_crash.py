"""A revision with the OpenAI engine survives its worker's death (issue 26, item 5): real worker
processes, a real SIGKILL while a re-asked block is still being written, and the retry asks only for
the block the first attempt had not stored."""

from __future__ import annotations

import signal
import time
import uuid
from pathlib import Path

import asyncpg
import pytest

from app.settings import Settings
from tests.db.test_generation import wait_done
from tests.fakes.coach_model import CoachModel, block_index, is_block, schema_name
from tests.fakes.openai_server import FakeOpenAI, Hang
from tests.processes.test_stepwise import FAST, start, worker
from tests.support import Live, api_server, wait_until

CHANGE = {"instruction": "swap the squats, my knee's been hurting", "from_week": 5}


@pytest.mark.slow
async def test_sigkill_mid_revision_retries_only_the_block_it_had_not_stored(
        settings: Settings, db_url: str, service_key: str, pool: asyncpg.Pool, tmp_path: Path) -> None:
    async with FakeOpenAI(default=CoachModel(), pace=FAST) as fake:
        s = settings.with_(run_worker=False)
        async with api_server(s, db_url) as base:
            live = Live(base, service_key, s, db_url)
            first = worker(db_url, tmp_path, "a", fake)
            second = None
            try:
                async with live.client() as c:
                    generated = await wait_done(c, await start(live), timeout=60)
                    assert generated["status"] == "completed" and generated["engine"] == "openai", generated
                    old = (await c.get(f"/api/programs/{generated['program_id']}")).json()
                    # The revision asks blocks 2 and 3 again (weeks 5-12); block 3 is still being written
                    # when the worker dies.
                    fake.inject(is_block(2, repair=True), Hang())
                    r = await c.post(f"/api/programs/{old['id']}/revisions", json=CHANGE)
                    assert r.status_code == 202, r.text
                    jid = uuid.UUID(r.json()["job_id"])

                    async def one_block_stored() -> bool:
                        n = await pool.fetchval("SELECT count(*) FROM program_generation_steps WHERE job_id = $1 "
                                                "AND kind = 'block' AND status = 'done'", jid)
                        return bool(n == 1 and any(is_block(2, repair=True)(q) for q in fake.requests))

                    await wait_until(one_block_stored, timeout=30)
                    first.signal(signal.SIGKILL)
                    assert first.popen.wait(10) == -signal.SIGKILL
                    killed_at = time.monotonic()
                    second = worker(db_url, tmp_path, "b", fake)
                    status = await wait_done(c, str(jid), timeout=90)
                    new = (await c.get(f"/api/programs/{status['program_id']}")).json() \
                        if status["status"] == "completed" else {}
            finally:
                first.stop()
                if second is not None:
                    assert second.stop() == 0, second.output()
    assert status["status"] == "completed", (status, second.output() if second else "")
    row = await pool.fetchrow("SELECT attempt FROM program_generation_jobs WHERE id = $1", jid)
    assert row is not None and row["attempt"] == 2
    after = [q for q in fake.requests if q.received_at > killed_at]
    # The retry asked again only for the block the first attempt had not stored: no plan, no block 2.
    assert [(schema_name(q), block_index(q)) for q in after] == [("training_block", 2)]
    assert new["engine"] == "openai" and new["version"] == 2 and new["parent_id"] == old["id"]
    assert new["weeks"][:4] == old["weeks"][:4]
    assert not any("squat" in e["name"].lower() for w in new["weeks"][4:] for d in w["days"] for e in d["exercises"])
    assert await pool.fetchval("SELECT count(*) FROM programs WHERE job_id = $1", jid) == 1
    types = [r["type"] for r in await pool.fetch(
        "SELECT type FROM program_generation_events WHERE job_id = $1 ORDER BY seq", jid)]
    assert types.count("block") == 2 and types.count("revision") == 1 and types[-1] == "completed"
