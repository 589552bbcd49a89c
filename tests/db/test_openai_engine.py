"""The OpenAI engine against a scripted OpenAI-compatible server on loopback (tests/fakes).

The engine runs for real: the official SDK, real HTTP, real SSE. The last tests run it
inside the real API and worker on a real PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from app.coaching.person import read_person
from app.coaching.repairs import repair
from app.coaching.validator import Rule, Violation, check_program, validate
from app.models import (
    Exercise,
    FitnessLevel,
    GenerateRequest,
    GoalCategory,
    ProgramContent,
    TrainingDay,
    TrainingWeek,
)
from app.settings import Settings
from jobs.engines.base import Engine, EngineError
from jobs.engines.llm.answers import Tally
from jobs.engines.llm.calls import Caller, response_format
from jobs.engines.llm.chat import SHARD_CALLS
from jobs.engines.llm.engine import GenerationFailed, OpenAIEngine
from jobs.engines.llm.plan import Plan
from tests.fakes.openai_server import (
    FakeOpenAI,
    Hang,
    HttpError,
    Refusal,
    Text,
    insufficient_quota,
    rate_limited,
    server_error,
)
from tests.support import Live, api_server, wait_until, worker_task

MODEL = "gpt-test"


# ---------------------------------------------------------------- no internet (tests/conftest.py guards every test)


def test_the_guard_refuses_the_internet(loopback_only: list[Any]) -> None:
    with socket.socket() as s, pytest.raises(ConnectionRefusedError, match="loopback"):
        s.connect(("8.8.8.8", 443))
    loopback_only.clear()  # expected here; any other test that trips the guard fails


# ---------------------------------------------------------------- helpers


def make_request(weeks: int = 4, days: int = 3, goal: str = "hypertrophy",
                 level: str = "intermediate") -> GenerateRequest:
    return GenerateRequest(user_id=uuid.uuid4(), height_cm=182, weight_kg=84, goal_category=GoalCategory(goal),
                           goal_raw="bigger arms, and keep my knees happy", duration_weeks=weeks,
                           days_per_week=days, fitness_level=FitnessLevel(level))


def _day_exercises(goal: GoalCategory, week: int, deload: bool) -> list[Exercise]:
    """A day that passes checks.validate for make_request's person (sore knees: no deep squats, no jumps)."""
    rpe = 6 if deload else 7 + (week - 1) % 3 * 0.5  # effort climbs, so no three weeks are identical
    sets = 2 if deload else 3  # never one set (rule single-set): a deload is two sets of each, heavy work too
    more = 0 if deload else 1

    def ex(name: str, reps: int | str, rest: int = 90, n: int = sets, intensity: str = "") -> Exercise:
        return Exercise(name=name, sets=n, reps=reps, intensity=intensity or f"RPE {rpe:g}", rest_seconds=rest,
                        notes="Stop one or two reps short of failure.")

    # "Bigger arms": the understood profile emphasises them (rule emphasis), so each day has arm work.
    if goal is GoalCategory.hypertrophy:
        return [ex(n, "8-12") for n in ("Leg Press", "Romanian Deadlift", "Incline Dumbbell Press", "Cable Row",
                                        "Lateral Raise", "Biceps Curl", "Triceps Pushdown")]
    heavy = [ex("Trap Bar Deadlift", "3-5", 180, sets + more), ex("Bench Press", "3-5", 180, sets + more)]
    if goal is GoalCategory.power:
        heavy.insert(0, ex("Medicine Ball Chest Pass", 3, 120, sets + more, "Maximal intent"))
    # Every major muscle inside its band in a strength plan too (rule muscle-band): shoulders and hamstrings.
    return [*heavy, ex("Dumbbell Row", "8-10"), ex("Split Squat", "8-10 per side"), ex("Biceps Curl", "8-12", 60, 2),
            ex("Triceps Pushdown", "8-12", 60, 2),
            *([] if deload else [ex("Lateral Raise", "10-12", 60, 2), ex("Romanian Deadlift", "8-10", 90, 2)])]


WARM_UP = "5 minutes of easy cycling and dynamic mobility, then two lighter sets of the first lift."


def good_program(request: GenerateRequest, weeks: int | None = None) -> ProgramContent:
    n = request.duration_weeks if weeks is None else weeks
    deload_week = 4 if request.duration_weeks >= 6 and request.fitness_level is not FitnessLevel.beginner else 0
    return ProgramContent(
        name="Test Program", description="A program for the tests.",
        summary="Four weeks of steady training, three days a week.",
        weeks=[TrainingWeek(week=w, focus="Deload" if w == deload_week else "Build", deload=w == deload_week,
                            days=[TrainingDay(day=d, name=f"Day {d}", warm_up=WARM_UP,
                                              exercises=_day_exercises(request.goal_category, w, w == deload_week))
                                  for d in range(1, request.days_per_week + 1)])
               for w in range(1, n + 1)])


@dataclass
class Report:
    at: float
    progress: int
    stage: str
    message: str


class Reports(list[Report]):
    async def __call__(self, progress: int, stage: str, message: str) -> None:
        self.append(Report(time.monotonic(), progress, stage, message))

    @property
    def stages(self) -> list[str]:
        return [r.stage for r in self]


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


@asynccontextmanager
async def engine_for(fake: FakeOpenAI, settings: Settings, **changes: Any) -> AsyncIterator[OpenAIEngine]:
    # The scripted tests below are of the one-call strategy; the stepwise ones pass "blocks".
    options: dict[str, Any] = {"generator": "openai", "openai_api_key": "test-key", "openai_model": MODEL,
                               "openai_base_url": fake.base_url, "openai_timeout_s": 5.0,
                               "openai_max_retries": 2, "openai_strategy": "single", **changes}
    engine = OpenAIEngine(settings.with_(**options))
    try:
        yield engine
    finally:
        await engine.aclose()


async def expect_failure(engine: OpenAIEngine, request: GenerateRequest,
                         reports: Reports | None = None) -> GenerationFailed:
    with pytest.raises(GenerationFailed) as info:
        await engine.generate(request, reports if reports is not None else Reports())
    assert isinstance(info.value, EngineError)  # what the runner catches
    return info.value


# ---------------------------------------------------------------- the request


def _objects(schema: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            found.append(schema)
        for value in schema.values():
            found += _objects(value)
    elif isinstance(schema, list):
        for value in schema:
            found += _objects(value)
    return found


async def test_request_carries_model_and_strict_schema(fake: FakeOpenAI, settings: Settings) -> None:
    request = make_request()
    fake.push(Text(good_program(request).model_dump_json()))
    async with engine_for(fake, settings) as engine:
        result = await engine.generate(request, Reports())
    sent = fake.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer test-key"
    assert sent.model == MODEL
    assert sent.body["stream"] is True and sent.body["stream_options"] == {"include_usage": True}
    fmt = sent.body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["additionalProperties"] is False
    objects = _objects(schema)
    # What was heard (an injury, a condition), then the program, week, day, exercise.
    assert {o.get("title") for o in objects} >= {"HeardInjury", "HeardCondition", "TrainingWeek", "TrainingDay",
                                                 "Exercise"}
    assert next(iter(schema["properties"])) == "heard"  # first: everything after it is written for it
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert sorted(obj["required"]) == sorted(obj["properties"])
    # Every input reaches the prompt.
    prompt = "\n".join(m["content"] for m in sent.messages)
    for text in ("4-week", "3 training days", "intermediate", "hypertrophy", "182 cm", "84 kg",
                 "bigger arms, and keep my knees happy", "6-15 reps", "150-300 s", "deload"):
        assert text in prompt, text
    assert result.engine == "openai" and result.model == MODEL
    assert result.usage["calls"] == 1 and result.usage["total_tokens"] > 0


# ---------------------------------------------------------------- scripted cases


async def test_good_program_reports_progress_while_it_streams(fake: FakeOpenAI, settings: Settings) -> None:
    request = make_request(weeks=4)
    text = good_program(request).model_dump_json()
    fake.push(Text(text, chunk_size=len(text) // 40, delay=0.02))  # about 0.8 s of streaming
    reports = Reports()
    async with engine_for(fake, settings) as engine:
        result = await engine.generate(request, reports)
    # Stored as the model wrote it, but every exercise under the catalogue's name ("Leg Press" -> "Leg press").
    assert result.program == repair(good_program(request), read_person(request))[0]
    assert {f["rule"] for f in result.fixes} == {"name"}
    assert reports.stages == ["prompting", "drafting", "drafting", "drafting", "drafting", "validating"]
    assert [r.message for r in reports if r.stage == "drafting"] == [f"Week {k} of 4 drafted" for k in range(1, 5)]
    progress = [r.progress for r in reports]
    assert progress == sorted(progress) and progress[0] == 5 and progress[-1] == 92
    assert [r.progress for r in reports if r.stage == "drafting"] == [30, 50, 70, 90]
    # Progress arrived while the answer was still streaming, not all at the end.
    finished = fake.requests[0].finished_at
    assert finished is not None
    during = [r for r in reports if r.stage == "drafting" and r.at < finished]
    assert len(during) >= 3
    assert during[1].at - during[0].at > 0.05  # spread over the stream


async def test_wrong_week_count_is_repaired(fake: FakeOpenAI, settings: Settings) -> None:
    request = make_request(weeks=4)
    wrong = good_program(request, weeks=3).model_dump_json()
    fake.push(Text(wrong, usage={"prompt_tokens": 100, "completion_tokens": 50}),
              Text(good_program(request).model_dump_json(), usage={"prompt_tokens": 200, "completion_tokens": 60}))
    reports = Reports()
    async with engine_for(fake, settings) as engine:
        result = await engine.generate(request, reports)
    assert len(result.program.weeks) == 4
    assert "repairing" in reports.stages and reports.stages[-1] == "validating"
    assert len(fake.requests) == 2
    repair = fake.requests[1].messages
    assert repair[-2] == {"role": "assistant", "content": wrong}
    assert "week count 3, expected 4" in repair[-1]["content"]
    assert result.usage == {"calls": 2, "prompt_tokens": 300, "completion_tokens": 110, "total_tokens": 410,
                            "reasoning_tokens": 0, "cached_tokens": 0}


async def test_invalid_json_twice_fails(fake: FakeOpenAI, settings: Settings) -> None:
    fake.push(Text('{"name": "Program", "weeks": [oops'), Text("Here is your program: {"))
    async with engine_for(fake, settings) as engine:
        error = await expect_failure(engine, make_request())
    assert str(error).startswith("The generated program did not pass validation: the output is not valid JSON")
    assert len(fake.requests) == 2
    assert "not valid JSON" in fake.requests[1].messages[-1]["content"]
    assert error.model == MODEL and error.usage is not None and error.usage["calls"] == 2


async def test_repair_that_still_violates_fails_with_the_violations(fake: FakeOpenAI, settings: Settings) -> None:
    request = make_request(weeks=4)
    fake.push(Text(good_program(request, weeks=3).model_dump_json()),
              Text(good_program(request, weeks=5).model_dump_json()))
    async with engine_for(fake, settings) as engine:
        error = await expect_failure(engine, request)
    assert str(error) == "The generated program did not pass validation: week count 5, expected 4 [rule: shape]"


async def test_refusal_fails_clearly(fake: FakeOpenAI, settings: Settings) -> None:
    fake.push(Refusal("I'm sorry, I can't help with that request."))
    async with engine_for(fake, settings) as engine:
        error = await expect_failure(engine, make_request())
    assert str(error) == "The model refused: I'm sorry, I can't help with that request."
    assert len(fake.requests) == 1


async def test_truncated_output_fails_clearly(fake: FakeOpenAI, settings: Settings) -> None:
    request = make_request()
    fake.push(Text(good_program(request).model_dump_json()[:500], finish_reason="length"))
    async with engine_for(fake, settings) as engine:
        error = await expect_failure(engine, request)
    assert str(error).startswith("The model's output was cut off")
    assert len(fake.requests) == 1


async def test_429_with_retry_after_is_retried_after_waiting(fake: FakeOpenAI, settings: Settings) -> None:
    request = make_request()
    fake.push(rate_limited(retry_after=1), Text(good_program(request).model_dump_json()))
    started = time.monotonic()
    async with engine_for(fake, settings) as engine:
        result = await engine.generate(request, Reports())
    assert len(result.program.weeks) == 4
    assert len(fake.requests) == 2
    assert fake.requests[1].received_at - fake.requests[0].received_at >= 0.95
    assert time.monotonic() - started < 10  # waited about the 1 s asked for, not a backoff of its own


async def test_500_is_retried_then_succeeds(fake: FakeOpenAI, settings: Settings) -> None:
    request = make_request()
    fake.push(server_error(500), server_error(503), Text(good_program(request).model_dump_json()))
    async with engine_for(fake, settings, openai_max_retries=2) as engine:
        result = await engine.generate(request, Reports())
    assert len(result.program.weeks) == 4 and len(fake.requests) == 3


async def test_500s_past_the_retries_fail_clearly(fake: FakeOpenAI, settings: Settings) -> None:
    fake.push(server_error(500), server_error(500), Text("never asked for"))
    async with engine_for(fake, settings, openai_max_retries=1) as engine:
        error = await expect_failure(engine, make_request())
    assert str(error).startswith("OpenAI answered 500 (server_error) after 1 retries: The server had an error")
    assert len(fake.requests) == 2 and fake.pending == 1


async def test_insufficient_quota_fails_fast_without_retries(fake: FakeOpenAI, settings: Settings) -> None:
    fake.push(insufficient_quota(), Text("never asked for"))
    async with engine_for(fake, settings, openai_max_retries=3) as engine:
        started = time.monotonic()
        error = await expect_failure(engine, make_request())
        elapsed = time.monotonic() - started
    assert str(error).startswith("The OpenAI account has no quota left (insufficient_quota): You exceeded")
    assert len(fake.requests) == 1 and fake.pending == 1
    assert elapsed < 2.0  # no backoff sleep either (the SDK's first one alone is 0.5-1 s)


async def test_bad_request_fails_fast(fake: FakeOpenAI, settings: Settings) -> None:
    fake.push(HttpError(400, "Invalid schema for response_format 'training_program'.", param="response_format"))
    async with engine_for(fake, settings, openai_max_retries=3) as engine:
        error = await expect_failure(engine, make_request())
    assert str(error) == "OpenAI answered 400 (invalid_request_error): Invalid schema for response_format " \
                         "'training_program'."
    assert len(fake.requests) == 1


async def test_hang_past_the_timeout_is_retried_then_fails(fake: FakeOpenAI, settings: Settings) -> None:
    fake.push(Hang(), Hang(), Text("never asked for"))
    started = time.monotonic()
    async with engine_for(fake, settings, openai_timeout_s=0.4, openai_max_retries=1) as engine:
        error = await expect_failure(engine, make_request())
    elapsed = time.monotonic() - started
    assert str(error) == "OpenAI did not answer within 0.4 s (after 1 retries)."
    assert len(fake.requests) == 2 and fake.pending == 1
    assert 0.8 <= elapsed < 6  # two timeouts of 0.4 s, and no long backoff between them
    for sent in fake.requests:  # the client hung up on each hang
        await asyncio.wait_for(sent.disconnected, 2)


async def test_hang_mid_stream_is_not_retried(fake: FakeOpenAI, settings: Settings) -> None:
    request = make_request()
    partial = Text(good_program(request).model_dump_json()[:300], chunk_size=100)
    # The SDK retries only the opening of a request; a retry here would be a second,
    # uncounted layer of calls.
    fake.push(Hang(after=partial), Text("never asked for"))
    async with engine_for(fake, settings, openai_timeout_s=0.4, openai_max_retries=1) as engine:
        error = await expect_failure(engine, request)
    assert str(error) == "The OpenAI stream stalled: no data for 0.4 s in the middle of the answer."
    assert len(fake.requests) == 1 and fake.requests[0].chunks_sent == 4


async def test_cancel_mid_stream_closes_the_http_stream(fake: FakeOpenAI, settings: Settings) -> None:
    request = make_request(weeks=4)
    text = good_program(request).model_dump_json()
    fake.push(Text(text, chunk_size=len(text) // 200, delay=0.05))  # about 10 s
    reports = Reports()
    async with engine_for(fake, settings) as engine:
        task = asyncio.create_task(engine.generate(request, reports))
        await wait_until(lambda: fake.requests and fake.requests[0].chunks_sent >= 5, timeout=10, interval=0.01)
        cancelled_at = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        sent = fake.requests[0]
        await asyncio.wait_for(sent.disconnected, 2)
    assert sent.disconnected_at is not None and sent.disconnected_at - cancelled_at < 2  # the answer had 9 s to go
    assert sent.finished_at is None


async def test_calls_at_the_limit_all_stream_at_once(settings: Settings) -> None:
    """Chat calls are spread over several connection pools (SHARD_CALLS calls each): at the
    limiter's limit every call still streams at the same time; none waits for a connection."""
    n = 2 * SHARD_CALLS + 5  # three pools
    options = settings.with_(generator="openai", openai_api_key="test-key", openai_model=MODEL,
                             openai_max_concurrency=n, openai_strategy="blocks")
    async with FakeOpenAI(default=Text('{"ok": true}', chunk_size=2, delay=0.25)) as fake:
        caller = Caller(options.with_(openai_base_url=fake.base_url))
        tally = Tally(MODEL)
        try:
            fmt = response_format(Plan, "training_plan")
            answers = await asyncio.gather(*(caller.call([{"role": "user", "content": f"call {i}"}], fmt, 100, tally)
                                             for i in range(n)))
        finally:
            await caller.aclose()
    assert [a.text for a in answers] == ['{"ok": true}'] * n
    assert all(a.finish_reason == "stop" for a in answers)
    assert tally.usage["calls"] == n and tally.usage["total_tokens"] > 0
    # Every request was open while the last one arrived: all n streamed at once.
    last_received = max(r.received_at for r in fake.requests)
    assert len(fake.requests) == n
    assert all(r.finished_at is not None and r.finished_at > last_received for r in fake.requests)


async def test_missing_key_fails_clearly(fake: FakeOpenAI, settings: Settings) -> None:
    async with engine_for(fake, settings, openai_api_key=None) as engine:
        error = await expect_failure(engine, make_request())
    assert "OPENAI_API_KEY is not set" in str(error) and not fake.requests


# ---------------------------------------------------------------- checks


def test_checks_name_what_is_wrong() -> None:
    request = make_request(weeks=8, days=3, goal="strength")
    program = good_program(request)
    assert check_program(program, request) == []
    week = program.weeks[1]
    week.days = week.days[:2]
    program.weeks[2].days[0].exercises[0].rest_seconds = 60
    program.weeks[3].deload = False
    for day in program.weeks[4].days:
        day.exercises = day.exercises[2:]
    found = check_program(program, request)
    # A day with no heavy lift is named with lifts that would do ("for example 'Trap-bar deadlift'").
    assert [re.sub(r"; with this equipment, for example [^[]* ", " ", v) for v in found] == [
        "week 2 has 2 training days, expected 3 [rule: shape]",
        "week 3 day 1 'Trap Bar Deadlift': 3-5 reps with 60 s rest; heavy strength sets need 150-300 s "
        "[rule: strength-fit]",
        *[f"week 5 day {d} has no heavy compound lift in 1-6 reps (isolation work such as curls does not count), "
          "which a strength program needs every training day [rule: strength-fit]" for d in (1, 2, 3)],
        "a 8-week program for an intermediate lifter needs at least one deload week (deload: true) [rule: deload]",
    ]
    assert all("for example 'Trap-bar deadlift'" in v for v in found[2:5])


def test_checks_rep_ranges_fit_the_goal() -> None:
    request = make_request(goal="hypertrophy")
    program = good_program(request)
    for week in program.weeks:
        for day in week.days:
            for ex in day.exercises:
                ex.reps = "1-3"
    found = validate(program, request)
    assert [v for v in found if v.rule is Rule.hypertrophy_fit] == [Violation(
        Rule.hypertrophy_fit, "only 0 of 84 working exercises are in 6-15 reps near failure (RPE 7 or more); "
        "hypertrophy work should mostly be")]
    power = make_request(goal="power")
    program = good_program(power)
    for week in program.weeks:
        for day in week.days:
            day.exercises[0].name = "Bench Press"
    assert [str(v) for v in validate(program, power) if v.rule is Rule.power_fit] == [
        f"week {w} has no explosive work (jumps, throws, Olympic-lift variations or sprints in 1-6 reps with 90 s or "
        "more rest), which a power program needs every training week [rule: power-fit]" for w in range(1, 5)]


@pytest.mark.parametrize("goal", ["hypertrophy", "strength", "power"])
@pytest.mark.parametrize(("weeks", "days", "level"), [(1, 1, "beginner"), (4, 3, "beginner"),
                                                      (8, 4, "intermediate"), (12, 6, "advanced")])
async def test_builtin_engine_output_passes_the_checks(goal: str, weeks: int, days: int, level: str) -> None:
    try:
        from jobs.engines.builtin import BuiltinEngine
    except Exception as exc:  # being written alongside; nothing to check against yet
        pytest.skip(f"built-in engine not importable: {exc}")
    request = make_request(weeks=weeks, days=days, goal=goal, level=level)
    result = await BuiltinEngine().generate(request, Reports())
    assert check_program(result.program, request) == []


# ---------------------------------------------------------------- through the API and worker


GOOD_BODY = {"height_cm": 182, "weight_kg": 84, "goal_category": "hypertrophy", "goal_raw": "bigger arms",
             "duration_weeks": 4, "days_per_week": 3, "fitness_level": "intermediate"}


@asynccontextmanager
async def service(fake: FakeOpenAI, settings: Settings, db_url: str, key: str, engines: list[Engine],
                  **changes: Any) -> AsyncIterator[Live]:
    s = settings.with_(**{"generator": "openai", "openai_api_key": "test-key", "openai_base_url": fake.base_url,
                          "openai_model": MODEL, "openai_timeout_s": 5.0, "openai_strategy": "single", **changes})
    try:
        async with api_server(s, db_url) as base, worker_task(s, db_url):
            yield Live(base, key, s, db_url)
    finally:
        for engine in engines:
            if isinstance(engine, OpenAIEngine):
                await engine.aclose()


async def start_job(live: Live) -> str:
    async with live.client() as c:
        r = await c.post("/api/users", json={"display_name": "Sam"})
        assert r.status_code == 201, r.text
        r = await c.post("/api/programs/generate", json={"user_id": r.json()["id"], **GOOD_BODY})
        assert r.status_code == 202, r.text
        return str(r.json()["job_id"])


async def wait_for_end(live: Live, job_id: str) -> dict[str, Any]:
    status: dict[str, Any] = {}

    async def ended() -> bool:
        nonlocal status
        async with live.client() as c:
            status = (await c.get(f"/api/programs/status/{job_id}", params={"wait": 2})).json()
        return status["status"] in ("completed", "failed", "cancelled")

    await wait_until(ended, timeout=30)
    return status


async def test_end_to_end_through_api_and_worker(fake: FakeOpenAI, settings: Settings, db_url: str,
                                                 service_key: str, pool: asyncpg.Pool,
                                                 worker_engines: list[Engine]) -> None:
    request = make_request(weeks=4, days=3)
    text = good_program(request).model_dump_json()
    fake.push(Text(text, chunk_size=len(text) // 20, delay=0.01,
                   usage={"prompt_tokens": 1200, "completion_tokens": 3400}))
    # Every report as an event (no coalescing): the stream lasts 0.2 s, well inside one interval.
    async with service(fake, settings, db_url, service_key, worker_engines, progress_interval_s=0.0) as live:
        job_id = await start_job(live)
        status = await wait_for_end(live, job_id)
        assert status["status"] == "completed", status
        async with live.client() as c:
            program = (await c.get(f"/api/programs/{status['program_id']}")).json()
    assert program["engine"] == "openai" and program["model"] == MODEL
    assert len(program["weeks"]) == 4 and all(len(w["days"]) == 3 for w in program["weeks"])
    job = await pool.fetchrow("SELECT model, usage FROM program_generation_jobs WHERE id = $1", uuid.UUID(job_id))
    assert job is not None and job["model"] == MODEL
    assert job["usage"] == {"calls": 1, "prompt_tokens": 1200, "completion_tokens": 3400, "total_tokens": 4600,
                            "reasoning_tokens": 0, "cached_tokens": 0}
    events = await pool.fetch("SELECT data FROM program_generation_events WHERE job_id = $1 AND type = 'progress'"
                              " ORDER BY seq", uuid.UUID(job_id))
    assert [e["data"]["stage"] for e in events] == ["prompting", *["drafting"] * 4, "validating"]
    assert fake.requests[0].model == MODEL


async def test_job_deadline_fails_with_timed_out(fake: FakeOpenAI, settings: Settings, db_url: str,
                                                 service_key: str, worker_engines: list[Engine]) -> None:
    request = make_request(weeks=4, days=3)
    text = good_program(request).model_dump_json()
    fake.push(Text(text, chunk_size=len(text) // 100, delay=0.1))  # about 10 s: far past the deadline
    # The API plans with a fast model (so it accepts the job); this one is far slower than planned.
    # Without the fallback (tests/processes/test_fallback.py covers it): the deadline fails the job.
    async with service(fake, settings, db_url, service_key, worker_engines, job_deadline_s=1.5,
                       openai_tokens_per_s=1e6, fallback="none") as live:
        job_id = await start_job(live)
        status = await wait_for_end(live, job_id)
        await asyncio.wait_for(fake.requests[0].disconnected, 2)
    assert status["status"] == "failed"
    assert "timed out" in status["error_message"]
    assert fake.requests[0].finished_at is None  # the stream was closed, not read to the end

