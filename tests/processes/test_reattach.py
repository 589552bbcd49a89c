"""Issue 16: with NOWVA_OPENAI_API=responses every call is a background, streamed, stored Responses
call, and an attempt that retries a job re-attaches to the calls its predecessor left in flight
instead of paying for them again. Against the fake server's Responses API (tests/fakes), with real
worker processes and real signals."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from app import step_queries as steps_q
from app.coaching.validator import check_program
from app.settings import Settings
from jobs.engines.base import EngineError
from jobs.engines.llm.blocks import Block
from jobs.engines.llm.plan import Plan
from jobs.steps import DbSteps
from tests.fakes.coach_model import CoachModel, block_index, is_block, schema_name
from tests.fakes.openai_server import FakeOpenAI, Pace, Refusal, Request, Text, insufficient_quota
from tests.fakes.responses_api import Failed, Stored
from tests.processes.test_stepwise import FAST, engine_for, ignore, make_request, start
from tests.support import Live, Proc, api_server, env_for, wait_until, worker_task

MODEL = "gpt-test"
SLOW = Pace(ttft_s=0.05, tokens_per_s=250, chunk_s=0.05)  # a block of ~1,300 tokens: about 5 s


def created(fake: FakeOpenAI) -> list[Request]:
    return [r for r in fake.requests if r.method == "POST" and r.path == "/v1/responses"]


def stored_for_block(fake: FakeOpenAI, index: int) -> list[Stored]:
    return [s for s in fake.responses.values() if is_block(index, repair=None)(s.request)]


def test_the_api_defaults_to_responses_for_openai_and_chat_elsewhere() -> None:
    assert Settings.from_env({}).openai_api_used == "responses"
    assert Settings.from_env({"OPENAI_BASE_URL": "http://127.0.0.1:1/v1"}).openai_api_used == "chat"
    assert Settings.from_env({"OPENAI_BASE_URL": "http://x/v1", "NOWVA_OPENAI_API": "responses"}).openai_api_used == \
        "responses"
    with pytest.raises(ValueError, match="NOWVA_OPENAI_API must be auto, responses or chat"):
        Settings.from_env({"NOWVA_OPENAI_API": "completions"})


async def test_every_call_is_a_background_stored_streamed_response(settings: Settings) -> None:
    request = make_request(weeks=8, days=3)
    async with FakeOpenAI(default=CoachModel(), pace=FAST) as fake, \
            engine_for(fake, settings, openai_api="responses") as engine:
        result = await engine.generate(request, ignore)
    assert check_program(result.program, request) == []
    calls = created(fake)
    assert len(calls) == 3 and len(fake.requests) == 3  # a plan and two blocks; nothing on Chat Completions
    for r in calls:
        body = r.body
        assert body["background"] is True and body["store"] is True and body["stream"] is True
        assert body["text"]["format"]["type"] == "json_schema" and body["text"]["format"]["strict"] is True
        assert isinstance(body["max_output_tokens"], int)
    assert {schema_name(r) for r in calls} == {"training_plan", "training_block"}
    assert result.usage["calls"] == 3 and result.usage["completion_tokens"] > 0


def worker(db_url: str, tmp_path: Path, name: str, fake: FakeOpenAI) -> Proc:
    env = {"NOWVA_GENERATOR": "openai", "OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": fake.base_url,
           "PROGRAM_CREATION_MODEL": MODEL, "NOWVA_OPENAI_STRATEGY": "blocks", "NOWVA_OPENAI_API": "responses",
           "NOWVA_STALL_AFTER": "3", "NOWVA_CONCURRENCY": "5", "NOWVA_SHUTDOWN_GRACE": "5",
           "NOWVA_CHECKPOINT_S": "0.3"}
    return Proc(["worker", "--name", name], env_for(db_url, **env), tmp_path / f"{name}.log")


async def slow_block_3(coach: CoachModel, r: Request, pace: Pace = SLOW) -> Text:
    answer = await coach(r)
    assert isinstance(answer, Text)
    return Text(answer.content, pace=pace)


@dataclass
class Crash:
    live: Live
    job_id: uuid.UUID
    killed_at: float  # time.monotonic()
    left: asyncpg.Record  # the step's row as the killed attempt left it: last_sequence, partial_text
    second: Proc  # the worker started after the kill


@asynccontextmanager
async def crashed(fake: FakeOpenAI, settings: Settings, db_url: str, service_key: str, pool: asyncpg.Pool,
                  tmp_path: Path, pace: Pace = SLOW, step: str = "block") -> AsyncIterator[Crash]:
    """An API and a job whose worker was SIGKILLed mid-answer (crash_while_block_3_is_written);
    on the way out the second worker is stopped, and must end cleanly."""
    s = settings.with_(run_worker=False)
    async with api_server(s, db_url) as base:
        crash = await crash_while_block_3_is_written(db_url, tmp_path, pool, Live(base, service_key, s, db_url),
                                                     fake, pace, step)
        try:
            yield crash
        finally:
            assert crash.second.stop() == 0, crash.second.output()


async def crash_while_block_3_is_written(db_url: str, tmp_path: Path, pool: asyncpg.Pool, live: Live,
                                         fake: FakeOpenAI, pace: Pace = SLOW, step: str = "block") -> Crash:
    """Start a job, SIGKILL its worker once block 3's response (or, with step="plan", the plan's)
    has been read part way and a checkpoint of it is stored, then start a second worker."""
    coach = fake.default
    assert isinstance(coach, CoachModel)
    slow, index = (is_block(2), 2) if step == "block" else ((lambda r: schema_name(r) == "training_plan"), 0)
    fake.inject(slow, lambda r: slow_block_3(coach, r, pace))
    first = worker(db_url, tmp_path, "a", fake)
    try:
        job_id = uuid.UUID(await start(live))

        async def in_flight() -> bool:
            rows = await pool.fetch("SELECT kind, idx, status, response_id, last_sequence FROM "
                                    "program_generation_steps WHERE job_id = $1", job_id)
            done = [r for r in rows if r["kind"] == "block" and r["status"] == "done"]
            running = [r for r in rows if r["kind"] == step and r["idx"] == index and r["status"] == "running"]
            return (len(done) == 2 or step == "plan") and bool(running) and \
                running[0]["response_id"] is not None and running[0]["last_sequence"] > 5

        await wait_until(in_flight, timeout=30)
        first.signal(signal.SIGKILL)
        assert first.popen.wait(10) == -signal.SIGKILL
        killed_at = time.monotonic()
        left = await pool.fetchrow("SELECT last_sequence, partial_text FROM program_generation_steps "
                                   "WHERE job_id = $1 AND kind = $2 AND idx = $3", job_id, step, index)
        assert left is not None
        return Crash(live, job_id, killed_at, left, worker(db_url, tmp_path, "b", fake))
    finally:
        first.stop()


def text_up_to(stored: Stored, seq: int) -> str:
    return "".join(e["delta"] for e in stored.events
                   if e["type"] == "response.output_text.delta" and e["sequence_number"] <= seq)


async def finished(pool: asyncpg.Pool, job_id: uuid.UUID) -> asyncpg.Record:
    async def done() -> bool:
        return bool(await pool.fetchval("SELECT status IN ('completed', 'failed') FROM program_generation_jobs "
                                        "WHERE id = $1", job_id))

    await wait_until(done, timeout=60, interval=0.2)
    row = await pool.fetchrow("SELECT status, attempt, usage, error_message FROM program_generation_jobs WHERE id = $1",
                              job_id)
    assert row is not None
    return row


@pytest.mark.slow
@pytest.mark.parametrize("window", ["resumed", "polled"])
async def test_sigkill_mid_job_reattaches_to_the_call_in_flight(settings: Settings, db_url: str, service_key: str,
                                                                pool: asyncpg.Pool, tmp_path: Path,
                                                                window: str) -> None:
    async with FakeOpenAI(default=CoachModel(), pace=FAST) as fake:
        if window == "polled":
            fake.resume_window_s = 0.0  # every stream is too old to resume: the retry polls the response
        async with crashed(fake, settings, db_url, service_key, pool, tmp_path) as crash:
            row = await finished(pool, crash.job_id)
    job_id, left = crash.job_id, crash.left
    assert row["status"] == "completed", (row, crash.second.output())
    assert row["attempt"] == 2
    # No call was made again: the retry read block 3's response where OpenAI kept writing it.
    assert [r for r in created(fake) if r.received_at > crash.killed_at] == []
    (block_3,) = stored_for_block(fake, 2)
    assert block_3.status == "completed"
    # The checkpoint the killed attempt left is exactly the answer's text up to its sequence number,
    # and the block stored is the answer as written: nothing read twice, nothing dropped.
    seq = left["last_sequence"]
    assert left["partial_text"] == text_up_to(block_3, seq)
    assert 0 < len(left["partial_text"]) < len(block_3.text)
    content = await pool.fetchval("SELECT content FROM program_generation_steps WHERE job_id = $1 AND kind = 'block' "
                                  "AND idx = 2", job_id)
    assert content == Block.model_validate_json(block_3.text).model_dump(mode="json")
    if window == "resumed":
        # Resumed from the stored sequence number, not from the start.
        assert block_3.resumed_after == [seq] and block_3.retrieved == 0
        (resume,) = [r for r in fake.requests if r.method == "GET" and block_3.id in r.path]
        assert 0 < resume.tokens_sent < block_3.output_tokens
    else:
        assert block_3.resumed == 0 and block_3.retrieved >= 1
    assert await pool.fetchval("SELECT count(*) FROM programs WHERE job_id = $1", job_id) == 1
    # Usage counted once: a plan and three blocks made, one of them re-attached, none paid twice.
    assert row["usage"]["calls"] == 4 and row["usage"]["reattached"] == 1
    assert row["usage"]["completion_tokens"] == sum(s.output_tokens for s in fake.responses.values())


@pytest.mark.slow
async def test_a_plan_killed_mid_answer_is_resumed_and_its_head_still_starts_the_blocks(
        settings: Settings, db_url: str, service_key: str, pool: asyncpg.Pool, tmp_path: Path) -> None:
    async with FakeOpenAI(default=CoachModel(), pace=FAST) as fake:
        async with crashed(fake, settings, db_url, service_key, pool, tmp_path,
                           Pace(ttft_s=0.05, tokens_per_s=25, chunk_s=0.05), step="plan") as crash:
            row = await finished(pool, crash.job_id)
    assert row["status"] == "completed" and row["attempt"] == 2, row
    (plan,) = [st for st in fake.responses.values() if schema_name(st.request) == "training_plan"]
    seq = crash.left["last_sequence"]
    assert plan.resumed_after == [seq] and crash.left["partial_text"] == text_up_to(plan, seq)
    # Every step asked once: the plan resumed, its blocks asked (by whichever attempt) once each.
    kinds = sorted((schema_name(r), block_index(r)) for r in created(fake))
    assert kinds == [("training_block", 0), ("training_block", 1), ("training_block", 2), ("training_plan", None)]
    # The retry's blocks started from the plan's head, before the resumed plan had finished.
    blocks_after = [r.received_at for r in created(fake) if schema_name(r) == "training_block"
                    and r.received_at > crash.killed_at]
    assert plan.finished_at is not None and blocks_after and min(blocks_after) < plan.finished_at
    assert await pool.fetchval("SELECT count(*) FROM programs WHERE job_id = $1", crash.job_id) == 1
    stored_plan = await pool.fetchval("SELECT content FROM program_generation_steps WHERE job_id = $1 AND "
                                      "kind = 'plan'", crash.job_id)
    assert stored_plan == Plan.model_validate_json(plan.text).model_dump(mode="json")


async def test_a_response_that_is_gone_is_asked_again_and_the_job_says_so(settings: Settings, db_url: str,
                                                                         service_key: str, pool: asyncpg.Pool,
                                                                         tmp_path: Path) -> None:
    async with FakeOpenAI(default=CoachModel(), pace=FAST) as fake:
        async with crashed(fake, settings, db_url, service_key, pool, tmp_path) as crash:
            for stored in stored_for_block(fake, 2):
                del fake.responses[stored.id]  # expired and deleted on OpenAI's side
            row = await finished(pool, crash.job_id)
    assert row["status"] == "completed", row
    again = [r for r in created(fake) if r.received_at > crash.killed_at]
    assert [block_index(r) for r in again] == [2]
    assert row["usage"]["remade"] == 1 and row["usage"].get("reattached", 0) == 0


async def test_cancelling_a_job_cancels_its_responses_at_openai(settings: Settings, db_url: str,
                                                               service_key: str, pool: asyncpg.Pool) -> None:
    async with FakeOpenAI(default=CoachModel(), pace=SLOW) as fake:
        s = settings.with_(generator="openai", openai_api_key="test-key", openai_base_url=fake.base_url,
                           openai_model=MODEL, openai_strategy="blocks", openai_api="responses")
        async with api_server(s, db_url) as base, worker_task(s, db_url):
            live = Live(base, service_key, s, db_url)
            job_id = await start(live)
            await wait_until(lambda: len(stored_for_block(fake, 1)) == 1, timeout=30)
            async with live.client() as c:
                r = await c.post(f"/api/programs/status/{job_id}/cancel")
                assert r.status_code == 200, r.text
            await wait_until(lambda: all(st.cancelled_at is not None for st in fake.responses.values()
                                         if is_block(None, repair=None)(st.request)), timeout=10)
            await asyncio.sleep(0.5)
    blocks = [st for st in fake.responses.values() if is_block(None, repair=None)(st.request)]
    assert blocks and all(st.status == "cancelled" for st in blocks)
    assert await pool.fetchval("SELECT count(*) FROM programs WHERE job_id = $1", uuid.UUID(job_id)) == 0
    status = await pool.fetchval("SELECT status FROM program_generation_jobs WHERE id = $1", uuid.UUID(job_id))
    assert status == "cancelled"
    # The server's log shows the cancels: every block in flight (and nothing that had finished).
    cancelled = {r.path.split("/")[3] for r in fake.requests if r.path.endswith("/cancel")}
    assert {st.id for st in blocks} <= cancelled
    assert all(fake.responses[i].status == "cancelled" for i in cancelled)


@pytest.mark.slow
async def test_cancelling_a_job_cancels_the_response_its_retry_reattached_to(settings: Settings, db_url: str,
                                                                            service_key: str, pool: asyncpg.Pool,
                                                                            tmp_path: Path) -> None:
    async with FakeOpenAI(default=CoachModel(), pace=FAST) as fake:
        # Block 3 takes ~25 s: still being written when the retry has re-attached to it.
        async with crashed(fake, settings, db_url, service_key, pool, tmp_path,
                           Pace(ttft_s=0.05, tokens_per_s=50, chunk_s=0.05)) as crash:
            (block_3,) = stored_for_block(fake, 2)
            await wait_until(lambda: block_3.resumed == 1, timeout=30)
            async with crash.live.client() as c:
                r = await c.post(f"/api/programs/status/{crash.job_id}/cancel")
                assert r.status_code == 200, r.text
            await wait_until(lambda: block_3.cancelled_at is not None, timeout=10)
            await asyncio.sleep(0.5)
    job_id = crash.job_id
    assert block_3.status == "cancelled"
    assert any(r.path == f"/v1/responses/{block_3.id}/cancel" for r in fake.requests)
    assert await pool.fetchval("SELECT status FROM program_generation_jobs WHERE id = $1", job_id) == "cancelled"
    assert await pool.fetchval("SELECT count(*) FROM programs WHERE job_id = $1", job_id) == 0


@pytest.mark.slow
async def test_a_paused_worker_past_the_stall_timeout_makes_no_call_twice(settings: Settings, db_url: str,
                                                                         service_key: str, pool: asyncpg.Pool,
                                                                         tmp_path: Path) -> None:
    async with FakeOpenAI(default=CoachModel(), pace=FAST) as fake:
        coach = fake.default
        assert isinstance(coach, CoachModel)
        fake.inject(is_block(2), lambda r: slow_block_3(coach, r))
        s = settings.with_(run_worker=False)
        async with api_server(s, db_url) as base:
            live = Live(base, service_key, s, db_url)
            paused = worker(db_url, tmp_path, "paused", fake)
            other = worker(db_url, tmp_path, "other", fake)
            try:
                job_id = uuid.UUID(await start(live))

                async def running_on_paused() -> bool:
                    # Every block's response id stored (block 3 still being written): a call paused
                    # between OpenAI taking it and its id being stored cannot be re-attached to, and
                    # would be asked again (one call, the design's one window).
                    return any(is_block(2)(r) for r in created(fake)) and await pool.fetchval(
                        "SELECT count(*) FROM program_generation_steps WHERE job_id = $1 AND kind = 'block' AND "
                        "(status = 'done' OR response_id IS NOT NULL)", job_id) == 3

                await wait_until(running_on_paused, timeout=30)
                owner = await pool.fetchval("SELECT attempt FROM program_generation_jobs WHERE id = $1", job_id)
                # Pause whichever worker runs attempt 1 (the other is idle), past the stall timeout.
                runner = paused if "attempt 1 started" in paused.output() else other
                idle = other if runner is paused else paused
                runner.signal(signal.SIGSTOP)
                await wait_until(lambda: "attempt 2 started" in idle.output(), timeout=30)
                runner.signal(signal.SIGCONT)  # the original wakes up mid-call
                row = await finished(pool, job_id)
                await asyncio.sleep(2)  # every chance for the woken original to write or cancel
                row = await finished(pool, job_id)
            finally:
                runner_code = paused.stop(), other.stop()
    assert owner == 1 and row["status"] == "completed" and row["attempt"] == 2, (row, runner_code)
    assert await pool.fetchval("SELECT count(*) FROM programs WHERE job_id = $1", job_id) == 1
    kinds = sorted((schema_name(r), block_index(r)) for r in created(fake))
    assert kinds == [("training_block", 0), ("training_block", 1), ("training_block", 2), ("training_plan", None)]
    assert not [r for r in fake.requests if r.path.endswith("/cancel")]  # the woken one cancelled nothing
    # Whatever was in flight at the pause was re-attached to, and every call is counted once.
    assert row["usage"]["reattached"] >= 1 and row["usage"]["calls"] == 4


async def test_a_checkpoint_moves_forward_only_for_the_attempt_that_owns_the_job(settings: Settings, db_url: str,
                                                                               service_key: str,
                                                                               pool: asyncpg.Pool) -> None:
    s = settings.with_(run_worker=False)
    async with api_server(s, db_url) as base:
        job_id = uuid.UUID(await start(Live(base, service_key, s, db_url)))  # pending: no worker
    await pool.execute("UPDATE program_generation_jobs SET status = 'in_progress', attempt = 2 WHERE id = $1", job_id)
    assert await steps_q.attach_step(pool, job_id, 2, "block", 0, "resp_a")

    def at(attempt: int, seq: int, text: str, response_id: str = "resp_a") -> steps_q.Checkpoint:
        return steps_q.Checkpoint(job_id, attempt, "block", 0, response_id, seq, text)

    async def stored() -> tuple[int, str]:
        (step,) = [st for st in await DbSteps(pool, job_id, 2, 300).load() if st.kind == "block"]
        return step.sequence, step.text

    assert await steps_q.checkpoint_steps(pool, [at(1, 9, "stale attempt")]) == 0  # fenced out
    assert await steps_q.checkpoint_steps(pool, [at(2, 5, '{"weeks": ['), at(2, 9, "x", "resp_other")]) == 1
    assert await stored() == (5, '{"weeks": [')
    assert await steps_q.checkpoint_steps(pool, [at(2, 4, "an older reading")]) == 0  # never backwards
    assert await stored() == (5, '{"weeks": [')
    # A new call for the step (a remade response) starts from nothing.
    assert await steps_q.attach_step(pool, job_id, 2, "block", 0, "resp_b")
    assert await stored() == (0, "")
    assert await steps_q.checkpoint_steps(pool, [at(2, 7, "late flush of the old response")]) == 0
    # Once the step is done its checkpoint is gone, and no late flush brings it back.
    assert await steps_q.save_step(pool, job_id, 2, "block", 0, {"weeks": []}, {"index": 0}, 50, None)
    assert await steps_q.checkpoint_steps(pool, [at(2, 8, "late flush", "resp_b")]) == 0
    row = await pool.fetchrow("SELECT status, partial_text FROM program_generation_steps WHERE job_id = $1", job_id)
    assert row is not None and row["status"] == "done" and row["partial_text"] is None


# The errors a person reads are the Chat Completions path's (jobs/engines/llm/clients.py: describe), whichever API
# asked: the plan call fails in each way below, and nothing is asked after it.
PLAN_TEXT = '{"name": "A plan", "blocks": ['
ERRORS = {
    "refusal": (Refusal("I'm sorry, I can't help with that request."),
                "The model refused: I'm sorry, I can't help with that request."),
    "max_output_tokens": (Text(PLAN_TEXT, finish_reason="length"),
                          f"The model's plan was cut off at its length limit after {len(PLAN_TEXT)} characters"),
    "content_filter": (Text(PLAN_TEXT, finish_reason="content_filter"),
                       "The model's plan was stopped by OpenAI's content filter."),
    "failed": (Failed(PLAN_TEXT, after_chars=10),
               "OpenAI could not finish the answer: The server had an error processing your request."),
    "quota": (insufficient_quota(), "The OpenAI account has no quota left (insufficient_quota): You exceeded"),
}


@pytest.mark.parametrize("kind", list(ERRORS))
async def test_a_failed_response_reads_as_on_chat_completions(settings: Settings, kind: str) -> None:
    reply, message = ERRORS[kind]
    async with FakeOpenAI(default=CoachModel(), pace=FAST) as fake, \
            engine_for(fake, settings, openai_api="responses", openai_max_retries=2) as engine:
        fake.inject(lambda r: schema_name(r) == "training_plan", reply)
        with pytest.raises(EngineError) as info:
            await engine.generate(make_request(weeks=8, days=3), ignore)
    assert str(info.value).startswith(message), str(info.value)
    assert len(fake.requests) == 1  # no retry of a quota error, no block asked after a failed plan

