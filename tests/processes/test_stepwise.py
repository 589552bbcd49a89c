"""The OpenAI engine's stepwise strategy (plan, then blocks in parallel, durable steps) against the
paced model server on loopback (tests/fakes), run fast; and through the real API and workers on a
real PostgreSQL, with real signals for the crash."""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from httpx_sse import aconnect_sse

from app.coaching.validator import check_program
from app.events import Event
from app.models import FitnessLevel, GenerateRequest, GoalCategory
from app.settings import Settings
from jobs.engines.llm.engine import GenerationFailed, OpenAIEngine
from tests.fakes.coach_model import CoachModel, block_index, is_block, is_plan, is_repair, schema_name
from tests.fakes.openai_server import FakeOpenAI, Hang, Pace, Request, Text
from tests.support import Live, Proc, api_server, env_for, wait_until, worker_task

MODEL = "gpt-test"
FAST = Pace(ttft_s=0.05, tokens_per_s=4000, chunk_s=0.02)


def make_request(weeks: int = 12, days: int = 4, goal: str = "hypertrophy", level: str = "intermediate",
                 goal_raw: str = "bigger arms") -> GenerateRequest:
    return GenerateRequest(user_id=uuid.uuid4(), height_cm=182, weight_kg=84, goal_category=GoalCategory(goal),
                           goal_raw=goal_raw, duration_weeks=weeks, days_per_week=days,
                           fitness_level=FitnessLevel(level))


async def ignore(progress: int, stage: str, message: str) -> None:
    return None


@pytest.fixture
async def model() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(default=CoachModel(), pace=FAST) as server:
        yield server


@asynccontextmanager
async def engine_for(fake: FakeOpenAI, settings: Settings, **changes: Any) -> AsyncIterator[OpenAIEngine]:
    engine = OpenAIEngine(settings.with_(**{
        "generator": "openai", "openai_api_key": "test-key", "openai_model": MODEL, "openai_base_url": fake.base_url,
        "openai_timeout_s": 5.0, "openai_strategy": "blocks", **changes}))
    try:
        yield engine
    finally:
        await engine.aclose()


def blocks_of(fake: FakeOpenAI) -> list[Request]:
    return [r for r in fake.requests if schema_name(r) == "training_block"]


def edited(fake: FakeOpenAI, edit: Callable[[dict[str, Any]], object]) -> Callable[[Request], Awaitable[Text]]:
    """The coach model's answer with one change made to its JSON: how a test has the model get
    one thing wrong."""
    coach = fake.default
    assert isinstance(coach, CoachModel)

    async def reply(r: Request) -> Text:
        answer = await coach(r)
        assert isinstance(answer, Text)
        data = json.loads(answer.content)
        edit(data)
        return Text(json.dumps(data))

    return reply


def overlapping(requests: list[Request]) -> bool:
    """Every request started before any of them finished: they ran at the same time."""
    finished = [r.finished_at for r in requests]
    assert all(f is not None for f in finished)
    return max(r.received_at for r in requests) < min(f for f in finished if f is not None)


# ---------------------------------------------------------------- the paced server


async def test_the_paced_server_keeps_a_real_models_time() -> None:
    pace = Pace(ttft_s=0.3, tokens_per_s=400, chunk_s=0.05)
    text = "x" * 400  # 100 tokens: 0.25 s at 400 tokens/s, after 0.3 s to the first token
    async with FakeOpenAI(default=Text(text), pace=pace) as fake, httpx.AsyncClient(base_url=fake.base_url) as c:
        body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True,
                "stream_options": {"include_usage": True}}
        started = time.monotonic()
        answers = await asyncio.gather(*(c.post("/chat/completions", json=body) for _ in range(20)))
        elapsed = time.monotonic() - started
        cut = await c.post("/chat/completions", json={**body, "max_completion_tokens": 10})
    assert all(a.status_code == 200 for a in answers)
    assert 0.5 <= elapsed < 2.0  # twenty streams at once, each at its own pace: no queueing
    first = fake.requests[0]
    assert first.first_token_at is not None and first.first_token_at - first.received_at >= 0.29
    assert first.tokens_sent == 100
    chunks = [json.loads(line[6:]) for line in answers[0].text.splitlines() if line.startswith("data: {")]
    assert chunks[-1]["usage"]["completion_tokens"] == 100
    assert '"finish_reason": "length"' in cut.text and fake.requests[-1].tokens_sent == 10


# ---------------------------------------------------------------- the engine alone


async def test_plan_then_blocks_in_parallel(model: FakeOpenAI, settings: Settings) -> None:
    request = make_request(weeks=12, days=4)
    async with engine_for(model, settings) as engine:
        result = await engine.generate(request, ignore)
    assert check_program(result.program, request) == []
    assert [w.week for w in result.program.weeks] == list(range(1, 13))
    plan_text = json.loads(model.requests[1].messages[-1]["content"].split("The plan as data: ")[1].split("\n")[0])
    assert [w.week for w in result.program.weeks if w.deload] == plan_text["deload_weeks"]  # where the plan put them
    plan, *blocks = model.requests
    assert is_plan(plan) and len(blocks) == 3 and all(is_block()(b) for b in blocks)
    assert sorted(block_index(b) or 0 for b in blocks) == [0, 1, 2]
    assert plan.first_token_at is not None and min(b.received_at for b in blocks) > plan.first_token_at
    assert overlapping(blocks)  # the server's log: a job's blocks really ran at the same time
    assert all(isinstance(r.body.get("max_completion_tokens"), int) for r in model.requests)
    assert result.usage["calls"] == 4 and result.usage["completion_tokens"] > 0
    # A block's exercises progress week to week inside it.
    squat = [next(e for e in w.days[0].exercises if e.name == result.program.weeks[0].days[0].exercises[0].name)
             for w in result.program.weeks[:3]]
    assert len({(e.sets, e.reps, e.intensity) for e in squat}) > 1


async def test_blocks_start_while_the_plan_writes_its_description(model: FakeOpenAI, settings: Settings) -> None:
    request = make_request(weeks=8, days=3)
    # 1,800 characters: about 0.1 s at this pace
    model.inject(is_plan, edited(model, lambda plan: plan.update(description="A steady program. " * 100)))
    async with engine_for(model, settings) as engine:
        result = await engine.generate(request, ignore)
    plan, *blocks = model.requests
    assert plan.finished_at is not None and min(b.received_at for b in blocks) < plan.finished_at - 0.05
    assert result.program.description == "A steady program. " * 100  # the description still made it in


async def test_one_invalid_block_is_repaired_alone(model: FakeOpenAI, settings: Settings) -> None:
    request = make_request(weeks=12, days=4)
    # Block 2's first answer writes two weekly prescriptions for a four-week block.
    broken = {"days": [{"day": d, "name": f"Day {d}", "exercises": [
        {"name": "Back squat", "rest_seconds": 120, "notes": "", "weeks": ["3x8 @ RPE 7", "3x8 @ RPE 8"]}]}
        for d in range(1, 5)]}
    model.inject(is_block(1), Text(json.dumps(broken)))
    async with engine_for(model, settings) as engine:
        result = await engine.generate(request, ignore)
    assert check_program(result.program, request) == []
    repairs = [r for r in model.requests if is_repair(r)]
    assert len(repairs) == 1 and block_index(repairs[0]) == 1
    assert "has 2 weekly prescriptions; the block is 4 week(s) long" in repairs[0].messages[-1]["content"]
    assert len(model.requests) == 5  # plan, three blocks, one repair: nothing else was asked again
    assert result.usage["calls"] == 5


async def test_a_rule_broken_in_one_block_repairs_only_that_block(model: FakeOpenAI, settings: Settings) -> None:
    request = make_request(weeks=12, days=4)

    def too_many_reps(block: dict[str, Any]) -> None:
        block["days"][0]["exercises"][0]["weeks"][0] = "3x50 @ RPE 7"  # 50 reps: checks.py says no

    model.inject(is_block(2), edited(model, too_many_reps))
    async with engine_for(model, settings) as engine:
        result = await engine.generate(request, ignore)
    assert check_program(result.program, request) == []
    repairs = [r for r in model.requests if is_repair(r)]
    assert [block_index(r) for r in repairs] == [2]
    assert "week 9 day 1" in repairs[0].messages[-1]["content"] and "more than 30" in repairs[0].messages[-1]["content"]


async def test_a_summary_that_breaks_a_words_rule_is_repaired_by_the_plan_not_the_blocks(
    model: FakeOpenAI, settings: Settings
) -> None:
    """The summary comes from the plan, so no block repair can fix it: the plan's words get one
    repair call of their own, and the plan's structure (what the blocks were written for) stays."""
    words = "bigger arms for my wedding in june please"
    request = make_request(weeks=12, days=4, goal_raw=words)
    summary = f"Twelve weeks built around {words}, four days a week."
    model.inject(lambda r: is_plan(r) and not is_repair(r), edited(model, lambda plan: plan.update(summary=summary)))
    async with engine_for(model, settings) as engine:
        result = await engine.generate(request, ignore)
    assert check_program(result.program, request) == []
    assert words not in result.program.summary
    repairs = [r for r in model.requests if is_repair(r)]
    assert len(repairs) == 1 and is_plan(repairs[0]), [schema_name(r) for r in repairs]
    assert "[rule: verbatim]" in repairs[0].messages[-1]["content"]
    assert len(result.program.weeks) == 12 and len(blocks_of(model)) == 3  # no block was asked again


async def test_a_model_that_ignores_the_plan_fails_clearly(model: FakeOpenAI, settings: Settings) -> None:
    request = make_request(weeks=8, days=3)
    three_days_of_two = {"days": [{"day": d, "name": "Day", "exercises": [
        {"name": "Back squat", "rest_seconds": 120, "notes": "", "weeks": ["3x8 @ RPE 7"] * 4}]} for d in (1, 2)]}
    model.inject(is_block(None, repair=None), Text(json.dumps(three_days_of_two)), times=100)
    async with engine_for(model, settings) as engine:
        with pytest.raises(GenerationFailed) as info:
            await engine.generate(request, ignore)
    message = str(info.value)
    assert "did not follow the plan's structure, even after a repair" in message
    assert "must have training days [1, 2, 3]" in message


async def test_a_plan_with_a_gap_is_repaired(model: FakeOpenAI, settings: Settings) -> None:
    request = make_request(weeks=12, days=4)

    def gap(plan: dict[str, Any]) -> None:
        plan["blocks"][1]["weeks"] = "6-8"

    model.inject(lambda r: is_plan(r) and not is_repair(r), edited(model, gap))
    async with engine_for(model, settings) as engine:
        result = await engine.generate(request, ignore)
    assert len(result.program.weeks) == 12
    plans = [r for r in model.requests if is_plan(r)]
    assert len(plans) == 2 and "must start at week 5" in plans[1].messages[-1]["content"]


async def test_52_weeks_of_7_days_advanced(model: FakeOpenAI, settings: Settings) -> None:
    request = make_request(weeks=52, days=7, level="advanced")
    async with engine_for(model, settings) as engine:
        result = await engine.generate(request, ignore)
    assert len(result.program.weeks) == 52 and all(len(w.days) == 7 for w in result.program.weeks)
    assert check_program(result.program, request) == []
    blocks = blocks_of(model)
    # Every block of the plan (at most six weeks each) asked for once, all at the same time.
    assert len(blocks) >= 9 and sorted(block_index(b) or 0 for b in blocks) == list(range(len(blocks)))
    assert overlapping(blocks)


async def test_the_concurrency_cap_holds_calls_back(model: FakeOpenAI, settings: Settings) -> None:
    request = make_request(weeks=24, days=3)
    async with engine_for(model, settings, openai_max_concurrency=2) as engine:
        await engine.generate(request, ignore)
    blocks = sorted(blocks_of(model), key=lambda r: r.received_at)
    assert len(blocks) == 6
    for i, r in enumerate(blocks[2:], start=2):  # never more than two open at once
        open_at_start = [b for b in blocks[:i] if b.finished_at is not None and b.finished_at > r.received_at]
        assert len(open_at_start) <= 1


# ---------------------------------------------------------------- through the API and workers


BODY = {"height_cm": 182, "weight_kg": 84, "goal_category": "hypertrophy", "goal_raw": "bigger arms",
        "duration_weeks": 12, "days_per_week": 4, "fitness_level": "intermediate"}


def openai_settings(settings: Settings, fake: FakeOpenAI, **changes: Any) -> Settings:
    return settings.with_(**{"generator": "openai", "openai_api_key": "test-key", "openai_base_url": fake.base_url,
                             "openai_model": MODEL, "openai_timeout_s": 30.0, "openai_strategy": "blocks",
                             **changes})


async def start(live: Live, **body: Any) -> str:
    async with live.client() as c:
        user = (await c.post("/api/users", json={"display_name": "Sam"})).json()["id"]
        r = await c.post("/api/programs/generate", json={"user_id": user, **BODY, **body})
        assert r.status_code == 202, r.text
        return str(r.json()["job_id"])


async def sse_events(live: Live, job_id: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    async with live.client(timeout=httpx.Timeout(30)) as c, \
            aconnect_sse(c, "GET", f"/api/programs/status/{job_id}/events") as source:
        async for sse in source.aiter_sse():
            if sse.data:
                events.append({"id": int(sse.id), "event": sse.event, **json.loads(sse.data)})
    return events


async def test_plan_and_block_events_in_order_on_sse(settings: Settings, db_url: str, service_key: str,
                                                     pool: asyncpg.Pool) -> None:
    async with FakeOpenAI(default=CoachModel(), pace=Pace(0.05, 1500, chunk_s=0.02)) as fake:
        s = openai_settings(settings, fake, progress_interval_s=0.0)
        async with api_server(s, db_url) as base, worker_task(s, db_url):
            live = Live(base, service_key, s, db_url)
            job_id = await start(live)
            events = await sse_events(live, job_id)
            async with live.client() as c:
                status = (await c.get(f"/api/programs/status/{job_id}")).json()
                program = (await c.get(f"/api/programs/{status['program_id']}")).json()
    types = [e["type"] for e in events]
    assert types[-1] == "completed" and types.count("plan") == 1 and types.count("block") == 3
    for e in events:  # every event the SQL and the worker wrote keeps the contract (app/events.py)
        Event.model_validate(e).payload()
    assert types.index("plan") < types.index("block")
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    plan = next(e["data"] for e in events if e["type"] == "plan")
    # The program's summary is the plan's, then what it was adapted for (code's: app/coaching/telling.py).
    assert plan["name"] == program["name"] and program["summary"] == plan["summary"] + " Adapted for more arms."
    assert [b["weeks"] for b in plan["blocks"]] == [[1, 4], [5, 8], [9, 12]]
    blocks = [e["data"] for e in events if e["type"] == "block"]
    assert [b["done"] for b in blocks] == [1, 2, 3] and sorted(b["index"] for b in blocks) == [0, 1, 2]
    progress = [e["data"]["progress"] for e in events if "progress" in e["data"]]
    assert progress == sorted(progress)  # never backwards
    assert blocks[0]["progress"] > plan["progress"] and blocks[-1]["progress"] == 90
    # The status response exposes the plan; the program is the expanded blocks.
    assert status["plan"]["name"] == program["name"] and status["blocks_done"] == 3
    deloads = [w for b in plan["blocks"] for w in b["deload_weeks"]]
    assert len(program["weeks"]) == 12 and [w["week"] for w in program["weeks"] if w["deload"]] == deloads
    usage = await pool.fetchval("SELECT usage FROM program_generation_jobs WHERE id = $1", uuid.UUID(job_id))
    assert usage["calls"] == 4 and usage["completion_tokens"] > 0


def worker(db_url: str, tmp_path: Path, name: str, fake: FakeOpenAI) -> Proc:
    env = {"NOWVA_GENERATOR": "openai", "OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": fake.base_url,
           "PROGRAM_CREATION_MODEL": MODEL, "NOWVA_OPENAI_STRATEGY": "blocks", "NOWVA_STALL_AFTER": "3",
           "NOWVA_CONCURRENCY": "5", "NOWVA_SHUTDOWN_GRACE": "5"}
    return Proc(["worker", "--name", name], env_for(db_url, **env), tmp_path / f"{name}.log")


@pytest.mark.slow
async def test_sigkill_mid_job_retries_only_the_missing_blocks(settings: Settings, db_url: str, service_key: str,
                                                               pool: asyncpg.Pool, tmp_path: Path) -> None:
    async with FakeOpenAI(default=CoachModel(), pace=FAST) as fake:
        fake.inject(is_block(2), Hang())  # block 3 is still being written when the worker dies
        s = settings.with_(run_worker=False)
        async with api_server(s, db_url) as base:
            live = Live(base, service_key, s, db_url)
            first = worker(db_url, tmp_path, "a", fake)
            second = None
            try:
                job_id = await start(live)
                jid = uuid.UUID(job_id)

                async def two_blocks_stored() -> bool:
                    n = await pool.fetchval("SELECT count(*) FROM program_generation_steps WHERE job_id = $1 AND "
                                            "kind = 'block'", jid)
                    return bool(n == 2 and any(is_block(2)(r) for r in fake.requests))

                await wait_until(two_blocks_stored, timeout=30)
                first.signal(signal.SIGKILL)
                assert first.popen.wait(10) == -signal.SIGKILL
                killed_at = time.monotonic()
                second = worker(db_url, tmp_path, "b", fake)

                async def done() -> bool:
                    return bool(await pool.fetchval("SELECT status IN ('completed', 'failed') FROM "
                                                    "program_generation_jobs WHERE id = $1", jid))

                await wait_until(done, timeout=60, interval=0.2)
                row = await pool.fetchrow("SELECT status, attempt, usage, error_message FROM program_generation_jobs "
                                          "WHERE id = $1", jid)
            finally:
                first.stop()
                if second is not None:
                    assert second.stop() == 0, second.output()
    assert row is not None and row["status"] == "completed", (row, second.output() if second else "")
    assert row["attempt"] == 2
    after = [r for r in fake.requests if r.received_at > killed_at]
    # The retry asked for the missing block only: no second plan, no block it already had.
    assert [(schema_name(r), block_index(r)) for r in after] == [("training_block", 2)]
    assert await pool.fetchval("SELECT count(*) FROM programs WHERE job_id = $1", jid) == 1
    # Every call that answered is counted, over both attempts: plan + 2 blocks, then block 3.
    assert row["usage"]["calls"] == 4
    types = [r["type"] for r in await pool.fetch(
        "SELECT type FROM program_generation_events WHERE job_id = $1 ORDER BY seq", jid)]
    assert types.count("plan") == 1 and types.count("block") == 3 and types[-1] == "completed"


async def test_the_cli_prints_the_plan_above_its_progress_bar(settings: Settings, db_url: str, service_key: str,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli.client import Api, _follow

    async with FakeOpenAI(default=CoachModel(), pace=FAST) as fake:
        s = openai_settings(settings, fake, progress_interval_s=0.0)
        async with api_server(s, db_url) as base, worker_task(s, db_url):
            live = Live(base, service_key, s, db_url)
            job_id = await start(live)
            async with live.client(timeout=httpx.Timeout(30)) as c:
                assert await _follow(c, Api(base, "test", service_key), job_id, 10.0, reached=False) == 0
    out = capsys.readouterr()
    err = out.err
    assert "Plan: " in err and "Block 1, weeks 1-4: " in err and "Block 3, weeks 9-12: " in err
    assert err.index("Plan: ") < err.index("block 1 of 3 written") < err.rindex("100%")
    assert "Week 12:" in out.out  # the program itself, printed once it is ready


@pytest.mark.browser
async def test_the_debug_page_shows_the_plan_then_each_block(settings: Settings, db_url: str,
                                                             service_key: str) -> None:
    from playwright.async_api import async_playwright, expect

    from tests.processes.test_debug_page import CHROMIUM_ARGS, chromium_path

    executable = chromium_path()
    expect.set_options(timeout=20_000)
    async with FakeOpenAI(default=CoachModel(), pace=Pace(0.1, 700, chunk_s=0.05)) as fake:
        s = openai_settings(settings, fake, progress_interval_s=0.0)
        async with api_server(s, db_url) as base, worker_task(s, db_url), async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
            try:
                page = await browser.new_page(viewport={"width": 1440, "height": 1000})
                errors: list[str] = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                tid = page.get_by_test_id
                await page.goto(f"{base}/debug")
                await tid("api-key").fill(service_key)
                await tid("key-save").click()
                await expect(tid("key-status")).to_contain_text("Connected")
                await tid("new-user-toggle").click()
                await tid("new-user-height").fill("182")
                await tid("new-user-weight").fill("84")
                await tid("create-user").click()
                await expect(tid("user-current")).to_contain_text("182 cm")
                await tid("gen-weeks").fill("12")
                await tid("gen-days").fill("4")
                await tid("gen-goal").select_option("hypertrophy")
                await tid("gen-level").select_option("intermediate")
                await tid("gen-submit").click()

                await expect(tid("plan")).to_be_visible()
                assert await tid("detail-status").text_content() != "Completed"  # the plan came first
                blocks = tid("plan-block")
                await expect(blocks).to_have_count(3)
                await expect(blocks.nth(0)).to_contain_text("Weeks 1–4")
                await expect(tid("detail-status")).to_have_text("Completed")
                for i in range(3):
                    await expect(blocks.nth(i)).to_have_attribute("data-state", "done")
                await expect(tid("program")).to_be_visible()
                types = await page.eval_on_selector_all('[data-testid="event-row"]',
                                                        "rows => rows.map(r => r.dataset.type)")
                assert not errors, errors
            finally:
                await browser.close()
    assert types[-1] == "completed" and types.count("plan") == 1 and types.count("block") == 3
    assert types.index("plan") < types.index("block")
    last_block = len(types) - 1 - types[::-1].index("block")
    assert last_block < types.index("completed")


async def test_single_refuses_what_one_answer_cannot_write_in_time(settings: Settings, db_url: str,
                                                                  service_key: str, pool: asyncpg.Pool) -> None:
    s = settings.with_(generator="openai", openai_api_key="test-key", openai_strategy="single", run_worker=False)
    async with api_server(s, db_url) as base:
        live = Live(base, service_key, s, db_url)
        async with live.client() as c:
            user = (await c.post("/api/users", json={})).json()["id"]
            refused = await c.post("/api/programs/generate", json={"user_id": user, **BODY, "duration_weeks": 52,
                                                                    "days_per_week": 7})
            accepted = await c.post("/api/programs/generate", json={"user_id": user, **BODY})  # 12 x 4
    assert refused.status_code == 422, refused.text
    (error,) = refused.json()["detail"]
    assert error["loc"] == ["body", "duration_weeks"] and error["type"] == "too_long_to_generate"
    assert "about 911 s to write in one answer at 100 tokens/s, past the 300 s deadline" in error["msg"]
    assert "at 7 days a week, at most 15 weeks" in error["msg"]
    assert accepted.status_code == 202, accepted.text
    assert await pool.fetchval("SELECT count(*) FROM program_generation_jobs") == 1  # the refused one stored nothing
    async with api_server(s.with_(openai_strategy="blocks"), db_url) as base:
        async with Live(base, service_key, s, db_url).client() as c:
            other = (await c.post("/api/users", json={})).json()["id"]
            r = await c.post("/api/programs/generate", json={"user_id": other, **BODY, "duration_weeks": 52,
                                                              "days_per_week": 7})
    assert r.status_code == 202, r.text  # blocks write any size the API accepts
