"""A revision with the OpenAI engine (issue 26), through the real API and worker, against the coach
model on loopback (tests/fakes/coach_model.py): only the blocks the change touches are asked again,
each with its old block in the prompt; a change of days per week asks for a new plan."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx

from app.settings import Settings
from jobs.engines.base import Engine
from jobs.engines.llm.engine import OpenAIEngine
from tests.db.test_generation import wait_done
from tests.fakes.coach_model import CoachModel, schema_name
from tests.fakes.openai_server import FakeOpenAI, Pace, Request
from tests.support import Live, api_server, worker_task

MODEL = "gpt-test"
REQUEST = {"height_cm": 180.0, "weight_kg": 80.0, "goal_category": "hypertrophy", "goal_raw": "muscle gain",
           "duration_weeks": 12, "days_per_week": 4, "fitness_level": "intermediate"}


@asynccontextmanager
async def model_service(settings: Settings, db_url: str, key: str,
                        engines: list[Engine]) -> AsyncIterator[tuple[Live, FakeOpenAI]]:
    async with FakeOpenAI(default=CoachModel(), pace=Pace(ttft_s=0.02, tokens_per_s=20000, chunk_s=0.01)) as fake:
        s = settings.with_(generator="openai", openai_api_key="test-key", openai_base_url=fake.base_url,
                           openai_model=MODEL, openai_timeout_s=5.0, openai_strategy="blocks")
        try:
            async with api_server(s, db_url) as base, worker_task(s, db_url):
                yield Live(base, key, s, db_url), fake
        finally:
            for engine in engines:
                if isinstance(engine, OpenAIEngine):
                    await engine.aclose()


def _output_tokens(requests: list[Request]) -> int:
    return sum(r.tokens_sent for r in requests)


async def _generate(c: httpx.AsyncClient) -> dict[str, Any]:
    user = (await c.post("/api/users", json={"display_name": "Sam"})).json()["id"]
    r = await c.post("/api/programs/generate", json={"user_id": user, **REQUEST})
    status = await wait_done(c, r.json()["job_id"])
    assert status["status"] == "completed" and status["engine"] == "openai", status
    return dict((await c.get(f"/api/programs/{status['program_id']}")).json())


async def test_a_swap_asks_only_the_touched_blocks_with_the_old_block_in_the_prompt(
        settings: Settings, db_url: str, service_key: str, pool: asyncpg.Pool,
        worker_engines: list[Engine]) -> None:
    async with model_service(settings, db_url, service_key, worker_engines) as (live, fake), live.client() as c:
        old = await _generate(c)
        generation = list(fake.requests)
        blocks = [r for r in generation if schema_name(r) == "training_block"]
        r = await c.post(f"/api/programs/{old['id']}/revisions",
                         json={"instruction": "swap the squats, my knee's been hurting", "from_week": 5})
        status = await wait_done(c, r.json()["job_id"])
        assert status["status"] == "completed", status
        asked = fake.requests[len(generation):]
        new = (await c.get(f"/api/programs/{status['program_id']}")).json()
    assert new["engine"] == "openai" and new["version"] == 2 and new["parent_id"] == old["id"]
    assert new["weeks"][:4] == old["weeks"][:4]
    assert asked and all(schema_name(q) == "training_block" for q in asked)  # no new plan
    assert len(asked) < len(blocks), (len(asked), len(blocks))
    for q in asked:  # each asked again as a repair of its old block, with the person's words
        roles = [m["role"] for m in q.messages]
        assert roles[-2:] == ["assistant", "user"] and json.loads(q.messages[-2]["content"])["days"]
        assert "swap the squats, my knee's been hurting" in q.messages[-1]["content"]
    assert not any(e["name"] == "Back squat" for w in new["weeks"][4:] for d in w["days"] for e in d["exercises"])
    assert "the rest is as it was" in status["changes"]["said"]
    revised_tokens, generated_tokens = _output_tokens(asked), _output_tokens(generation)
    assert revised_tokens < generated_tokens
    events = await pool.fetch("SELECT type FROM program_generation_events WHERE job_id = $1 ORDER BY seq",
                              uuid.UUID(status["job_id"]))
    assert [e["type"] for e in events].count("block") == len(asked)


async def test_days_per_week_asks_a_new_plan_and_every_block(
        settings: Settings, db_url: str, service_key: str, worker_engines: list[Engine]) -> None:
    async with model_service(settings, db_url, service_key, worker_engines) as (live, fake), live.client() as c:
        old = await _generate(c)
        before = len(fake.requests)
        r = await c.post(f"/api/programs/{old['id']}/revisions",
                         json={"instruction": "I can only train three days a week now", "from_week": 5})
        status = await wait_done(c, r.json()["job_id"])
        assert status["status"] == "completed", status
        asked = fake.requests[before:]
        new = (await c.get(f"/api/programs/{status['program_id']}")).json()
    assert [schema_name(q) for q in asked].count("training_plan") == 1
    assert status["changes"]["rewritten"] and status["changes"]["said"].startswith("Now 3 days a week")
    assert new["weeks"][:4] == old["weeks"][:4] and all(len(w["days"]) == 3 for w in new["weeks"][4:])


async def test_a_version_the_model_revised_is_revised_by_the_model_again(
        settings: Settings, db_url: str, service_key: str, worker_engines: list[Engine]) -> None:
    async with model_service(settings, db_url, service_key, worker_engines) as (live, fake), live.client() as c:
        v1 = await _generate(c)
        versions = [v1]
        for words, from_week in (("I only have dumbbells and a bench at home now", 5),
                                 ("my left knee has been hurting", 9)):
            before = len(fake.requests)
            r = await c.post(f"/api/programs/{versions[-1]['id']}/revisions",
                             json={"instruction": words, "from_week": from_week})
            status = await wait_done(c, r.json()["job_id"])
            assert status["status"] == "completed", status
            asked = fake.requests[before:]
            new = (await c.get(f"/api/programs/{status['program_id']}")).json()
            # The model asked again for blocks only (the plan and the rest from the lineage's steps).
            assert new["engine"] == "openai", (words, status)
            assert asked and all(schema_name(q) == "training_block" for q in asked)
            assert new["weeks"][:from_week - 1] == versions[-1]["weeks"][:from_week - 1]
            versions.append(new)
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert versions[2]["parent_id"] == versions[1]["id"]
