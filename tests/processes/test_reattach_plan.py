"""Issue 28, every paid call counted: the plan's blocks start while the model still writes the plan's
description (its last field); a worker killed then leaves a retry that keeps the stored head of the
plan and re-attaches to the plan's response for the rest, so its text and its tokens count once."""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from pathlib import Path

import asyncpg
import pytest

from app.settings import Settings
from jobs.engines.llm.plan import Plan
from tests.fakes.coach_model import CoachModel, schema_name
from tests.fakes.openai_server import FakeOpenAI, Pace, Request, Text
from tests.processes.test_reattach import created, finished, worker
from tests.processes.test_stepwise import FAST, start
from tests.support import Live, Proc, api_server, wait_until


@pytest.mark.slow
async def test_a_plan_killed_while_its_description_is_written_is_read_to_the_end_and_counted_once(
        settings: Settings, db_url: str, service_key: str, pool: asyncpg.Pool, tmp_path: Path) -> None:
    """Issue 28: the plan's head (all but its description) was stored and the blocks started when
    the worker died; the retry keeps that head and re-attaches to the plan's response for the rest."""
    async with FakeOpenAI(default=CoachModel(), pace=FAST) as fake:
        coach = fake.default
        assert isinstance(coach, CoachModel)

        async def long_description(r: Request) -> Text:
            answer = await coach(r)
            assert isinstance(answer, Text)
            plan = json.loads(answer.content)
            plan["description"] = (plan["description"] + " ") * 4  # a few seconds of description at this pace
            return Text(json.dumps(plan), pace=Pace(ttft_s=0.05, tokens_per_s=150, chunk_s=0.05))

        fake.inject(lambda r: schema_name(r) == "training_plan", long_description)
        s = settings.with_(run_worker=False)
        async with api_server(s, db_url) as base:
            first = worker(db_url, tmp_path, "a", fake)
            second: Proc | None = None
            try:
                job_id = uuid.UUID(await start(Live(base, service_key, s, db_url)))

                async def head_stored() -> bool:
                    return bool(await pool.fetchval("SELECT count(*) FROM program_generation_steps WHERE job_id = $1 "
                                                    "AND kind = 'plan' AND status = 'done'", job_id))

                await wait_until(head_stored, timeout=30, interval=0.02)
                await asyncio.sleep(0.5)  # the blocks have started
                (plan,) = [st for st in fake.responses.values() if schema_name(st.request) == "training_plan"]
                assert plan.status == "in_progress"  # still writing the description
                first.signal(signal.SIGKILL)
                assert first.popen.wait(10) == -signal.SIGKILL
                killed_at = time.monotonic()
                second = worker(db_url, tmp_path, "b", fake)
                row = await finished(pool, job_id)
            finally:
                first.stop()
                if second is not None:
                    assert second.stop() == 0, second.output()
    assert row["status"] == "completed" and row["attempt"] == 2, row
    # The plan asked once, and re-attached to by the retry (from the start of its stream).
    assert [r for r in created(fake) if schema_name(r) == "training_plan"] == [plan.request]
    assert plan.resumed >= 1 or plan.retrieved >= 1
    assert not [r for r in created(fake) if schema_name(r) == "training_plan" and r.received_at > killed_at]
    # The description written after the head is the stored plan's, and the program's.
    stored = await pool.fetchval("SELECT content FROM program_generation_steps WHERE job_id = $1 AND kind = 'plan'",
                                 job_id)
    assert stored == Plan.model_validate_json(plan.text).model_dump(mode="json")
    description = await pool.fetchval("SELECT description FROM programs WHERE job_id = $1", job_id)
    assert description == json.loads(plan.text)["description"]
    # Every response's tokens counted once: the plan's too.
    assert row["usage"]["completion_tokens"] == sum(st.output_tokens for st in fake.responses.values())
    assert row["usage"]["reattached"] >= 1
