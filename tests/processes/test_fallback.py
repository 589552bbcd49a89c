"""Nobody is left without a program (issue 23, must-have 4): when the model fails for good, the job
completes with the built-in coach's program, in the plan the person heard when there was one, and
says why in its status, its `completed` event and /metrics. Through the real API and worker on a real
PostgreSQL, against the model server on loopback (tests/fakes)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest
from httpx_sse import aconnect_sse

from app.coaching.validator import check_program
from app.coaching.writer.program import build_program
from app.events import Event
from app.models import GenerateRequest, ProgramContent
from app.settings import Settings
from jobs.fallback import FALLBACK_REASONS
from tests.fakes.coach_model import CoachModel, is_block
from tests.fakes.openai_server import FakeOpenAI, Hang, Pace, Refusal, Reply, Text, insufficient_quota, server_error
from tests.processes.test_ops import nowva
from tests.support import Live, api_server, wait_until, worker_task

MODEL = "gpt-test"
FAST = Pace(ttft_s=0.05, tokens_per_s=4000, chunk_s=0.02)
BODY = {"height_cm": 182, "weight_kg": 84, "goal_category": "hypertrophy", "goal_raw": "bigger arms",
        "duration_weeks": 12, "days_per_week": 4, "fitness_level": "intermediate"}


def openai_settings(settings: Settings, fake: FakeOpenAI, **changes: Any) -> Settings:
    return settings.with_(**{"generator": "openai", "openai_api_key": "test-key", "openai_base_url": fake.base_url,
                             "openai_model": MODEL, "openai_timeout_s": 10.0, "openai_strategy": "blocks",
                             "openai_max_retries": 0, "progress_interval_s": 0.0, **changes})


@asynccontextmanager
async def service(settings: Settings, db_url: str, key: str, fake: FakeOpenAI, **changes: Any) -> AsyncIterator[Live]:
    s = openai_settings(settings, fake, **changes)
    async with api_server(s, db_url) as base, worker_task(s, db_url):
        yield Live(base, key, s, db_url)


async def start(live: Live, **body: Any) -> tuple[str, str]:
    async with live.client() as c:
        user = (await c.post("/api/users", json={"display_name": "Sam"})).json()["id"]
        r = await c.post("/api/programs/generate", json={"user_id": user, **BODY, **body})
        assert r.status_code == 202, r.text
        return str(r.json()["job_id"]), user


async def follow(live: Live, job_id: str) -> list[dict[str, Any]]:
    """Every event of the job on its SSE stream, to the last one."""
    events: list[dict[str, Any]] = []
    async with live.client(timeout=httpx.Timeout(60)) as c, \
            aconnect_sse(c, "GET", f"/api/programs/status/{job_id}/events") as source:
        async for sse in source.aiter_sse():
            if sse.data:
                events.append({"id": int(sse.id), "event": sse.event, **json.loads(sse.data)})
    for e in events:  # every event keeps the contract (app/events.py)
        Event.model_validate(e).payload()
    return events


async def outcome(live: Live, job_id: str) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any] | None]:
    """The job's events, its status, and its program (None if it has none)."""
    events = await follow(live, job_id)
    async with live.client() as c:
        status = (await c.get(f"/api/programs/status/{job_id}")).json()
        program = (await c.get(f"/api/programs/{status['program_id']}")).json() if status["program_id"] else None
    return events, status, program


def request_of(user: str, **body: Any) -> GenerateRequest:
    return GenerateRequest.model_validate({"user_id": user, **BODY, **body})


def assert_fell_back(events: list[dict[str, Any]], status: dict[str, Any], program: dict[str, Any] | None,
                     reason: str, request: GenerateRequest) -> dict[str, Any]:
    assert status["status"] == "completed", status
    assert status["engine"] == "builtin" and status["fallback_reason"] == reason
    assert status["error_message"] is None
    last = events[-1]
    assert last["type"] == "completed"
    assert last["data"]["engine"] == "builtin" and last["data"]["fallback_reason"] == reason
    assert any(e["type"] == "progress" and e["data"]["stage"] == "fallback" for e in events)
    assert program is not None and program["engine"] == "builtin" and program["model"] is None
    content = ProgramContent.model_validate(program)
    assert check_program(content, request) == []  # what the person is given passes every rule
    return program


@pytest.mark.parametrize(("reply", "reason"), [
    (server_error(500), "api_error"),
    (insufficient_quota(), "quota"),
    (Refusal("I can't help with that."), "refusal"),
])
async def test_a_model_that_fails_every_call_still_leaves_a_program(
        settings: Settings, db_url: str, service_key: str, pool: asyncpg.Pool, reply: Reply, reason: str) -> None:
    async with FakeOpenAI(default=reply, pace=FAST) as fake, service(settings, db_url, service_key, fake) as live:
        job_id, user = await start(live)
        events, status, program = await outcome(live, job_id)
        async with live.client() as c:
            metrics = (await c.get("/metrics")).text
    request = request_of(user)
    program = assert_fell_back(events, status, program, reason, request)
    assert not any(e["type"] == "plan" for e in events)  # no plan was heard: the built-in engine's own
    assert program["name"] == build_program(request).name
    assert f'nowva_fallbacks_total{{reason="{reason}"}} 1.0' in metrics
    for other in (r for r in FALLBACK_REASONS if r != reason):  # every reason exported from the start
        assert f'nowva_fallbacks_total{{reason="{other}"}} 0.0' in metrics
    row = await pool.fetchrow("SELECT engine, model, fallback_reason FROM program_generation_jobs WHERE id = $1",
                              uuid.UUID(job_id))
    assert dict(row) == {"engine": "builtin", "model": MODEL, "fallback_reason": reason}


async def test_blocks_that_stay_invalid_fall_back_into_the_plan_the_person_heard(
        settings: Settings, db_url: str, service_key: str) -> None:
    async with FakeOpenAI(default=CoachModel(), pace=FAST) as fake, \
            service(settings, db_url, service_key, fake) as live:
        fake.inject(is_block(repair=None), Text(json.dumps({"days": [{"day": 1, "exercises": []}]})), times=100)
        job_id, user = await start(live)
        events, status, program = await outcome(live, job_id)
    program = assert_fell_back(events, status, program, "invalid_answer", request_of(user))
    plan = next(e["data"] for e in events if e["type"] == "plan")
    # What the person heard stays true: the plan's name, summary, blocks and deload weeks.
    assert program["name"] == plan["name"] and program["summary"].startswith(plan["summary"])
    deloads = [w for b in plan["blocks"] for w in b["deload_weeks"]]
    assert [w["week"] for w in program["weeks"] if w["deload"]] == deloads
    assert len(program["weeks"]) == 12 and all(len(w["days"]) == 4 for w in program["weeks"])
    assert status["plan"]["name"] == plan["name"]
    assert sum(1 for r in fake.requests if is_block(repair=True)(r)) >= 1  # it was given its repair first
    shown = nowva(["jobs", "show", job_id], db_url)  # what an operator reads
    assert shown.returncode == 0 and "the model failed (invalid_answer): built-in fallback" in shown.stdout


async def test_too_little_of_the_deadline_left_falls_back_in_time(settings: Settings, db_url: str,
                                                                  service_key: str) -> None:
    async with FakeOpenAI(default=CoachModel(), pace=FAST) as fake, \
            service(settings, db_url, service_key, fake, job_deadline_s=6.0, openai_timeout_s=30.0) as live:
        fake.inject(is_block(), Hang(), times=100)  # the blocks never come
        job_id, user = await start(live)
        events, status, program = await outcome(live, job_id)
    program = assert_fell_back(events, status, program, "deadline", request_of(user))
    plan = next(e["data"] for e in events if e["type"] == "plan")
    assert program["name"] == plan["name"]
    started = status["started_at"]
    assert started is not None and status["completed_at"] is not None


async def test_at_the_deadline_the_models_responses_in_flight_are_cancelled(settings: Settings, db_url: str,
                                                                            service_key: str) -> None:
    """Responses API: the background responses still writing blocks are stopped (and no longer
    billed) when the built-in writer takes over."""
    async with FakeOpenAI(default=CoachModel(), pace=FAST) as fake, \
            service(settings, db_url, service_key, fake, job_deadline_s=6.0, openai_timeout_s=30.0,
                    openai_api="responses") as live:
        fake.inject(is_block(), Hang(), times=100)
        job_id, user = await start(live)
        events, status, program = await outcome(live, job_id)
        await wait_until(lambda: sum(1 for r in fake.responses.values() if r.cancelled_at is not None) >= 3, 5)
    assert_fell_back(events, status, program, "deadline", request_of(user))


async def test_the_single_strategy_falls_back_too(settings: Settings, db_url: str, service_key: str) -> None:
    async with FakeOpenAI(default=server_error(503), pace=FAST) as fake, \
            service(settings, db_url, service_key, fake, openai_strategy="single") as live:
        job_id, user = await start(live, duration_weeks=4)
        events, status, program = await outcome(live, job_id)
    assert_fell_back(events, status, program, "api_error", request_of(user, duration_weeks=4))


async def test_a_cancelled_job_never_falls_back(settings: Settings, db_url: str, service_key: str,
                                                pool: asyncpg.Pool) -> None:
    async with FakeOpenAI(default=CoachModel(), pace=FAST) as fake, \
            service(settings, db_url, service_key, fake) as live:
        fake.inject(is_block(), Hang(), times=100)
        job_id, _ = await start(live)
        await wait_until(lambda: sum(1 for r in fake.requests if is_block()(r)) >= 3)
        async with live.client() as c:
            r = await c.post(f"/api/programs/status/{job_id}/cancel")
            assert r.status_code == 200, r.text
        events = await follow(live, job_id)
        await asyncio.sleep(1.0)  # room for a wrong fallback to land
        async with live.client() as c:
            status = (await c.get(f"/api/programs/status/{job_id}")).json()
    assert events[-1]["type"] == "cancelled" and status["status"] == "cancelled"
    assert status["program_id"] is None and status["fallback_reason"] is None
    assert not any(e["type"] == "progress" and e["data"]["stage"] == "fallback" for e in events)
    assert await pool.fetchval("SELECT count(*) FROM programs WHERE job_id = $1", uuid.UUID(job_id)) == 0


async def test_without_a_fallback_the_job_fails_as_before(settings: Settings, db_url: str,
                                                          service_key: str) -> None:
    async with FakeOpenAI(default=server_error(500), pace=FAST) as fake, \
            service(settings, db_url, service_key, fake, fallback="none") as live:
        job_id, _ = await start(live)
        events, status, program = await outcome(live, job_id)
    assert status["status"] == "failed" and program is None
    assert events[-1]["type"] == "failed" and "OpenAI answered 500" in events[-1]["data"]["error_message"]
    assert status["fallback_reason"] is None and status["engine"] == "openai"


async def test_a_job_stopped_by_its_cost_ceiling_gets_the_built_in_program(
        settings: Settings, db_url: str, service_key: str) -> None:
    async with FakeOpenAI(default=CoachModel(), pace=FAST) as fake, \
            service(settings, db_url, service_key, fake, openai_model="gpt-5-mini", job_max_cost_usd=0.0001) as live:
        job_id, user = await start(live)
        events, status, program = await outcome(live, job_id)
    assert_fell_back(events, status, program, "cost_ceiling", request_of(user))
    assert fake.requests == []  # the plan call alone could cost more: it was never made


def test_the_setting_reads_builtin_or_none() -> None:
    assert Settings.from_env({}).fallback == "builtin"
    assert Settings.from_env({"NOWVA_FALLBACK": "none"}).fallback == "none"
    with pytest.raises(ValueError, match="NOWVA_FALLBACK"):
        Settings.from_env({"NOWVA_FALLBACK": "maybe"})


def test_the_reasons_are_one_list_everywhere() -> None:
    from pathlib import Path

    from app.web.metrics import FALLBACK_REASONS as EXPORTED

    assert EXPORTED == FALLBACK_REASONS
    sql = (Path(__file__).parents[2] / "sql" / "migrations" / "0015_cost_ceiling_fallback.sql").read_text()
    assert "IN (" + ", ".join(f"'{r}'" for r in FALLBACK_REASONS) + ")" in sql


async def test_the_voice_coach_says_it_plainly_in_one_sentence(settings: Settings, db_url: str,
                                                               service_key: str) -> None:
    from tests.processes.test_agent import GENERATE, Brain, coach

    brain = Brain([("go ahead", GENERATE)])
    async with FakeOpenAI(default=server_error(500), pace=FAST) as fake, \
            service(settings, db_url, service_key, fake) as live, coach(live.base_url, service_key, brain) as talk:
        await talk.run("Yes, go ahead")
        ended = await talk.ended_call("generate_workout_program")
    assert ended.status == "done" and ended.message, ended
    assert "Nowva's built-in coach wrote it instead" in ended.message
    assert "in one sentence" in ended.message and "finish_program_creation" in ended.message
