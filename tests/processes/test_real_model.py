"""A model that writes in its own words (issue 23, must-have 5): the OpenAI engine against the
realistic writer (tests/fakes/real_model.py), which spells exercises as real models do, writes
prescriptions in several formats and builds its program from exercise lists by pattern and the
person's equipment, never from the built-in engine's program. Through the real API and worker on a
real PostgreSQL, and the engine alone for the many-requests check."""

from __future__ import annotations

import itertools
import uuid

from app.coaching.catalogue import usable
from app.coaching.kinds import Equipment
from app.coaching.names import lookup
from app.coaching.validator import check_program
from app.models import FitnessLevel, GenerateRequest, GoalCategory, ProgramContent
from app.settings import Settings
from jobs.engines.llm.engine import GenerationFailed, OpenAIEngine
from tests.fakes.coach_model import is_repair, schema_name
from tests.fakes.openai_server import FakeOpenAI, Pace, Request
from tests.fakes.real_model import RealModel, kit_of
from tests.processes.test_fallback import outcome, service, start

FAST = Pace(ttft_s=0.02, tokens_per_s=8000, chunk_s=0.02)
DUMBBELLS = {Equipment.dumbbell, Equipment.bench, Equipment.bodyweight}


async def ignore(progress: int, stage: str, message: str) -> None:
    return None


def request(weeks: int, days: int, goal: str, level: str, goal_raw: str = "get fitter") -> GenerateRequest:
    return GenerateRequest(user_id=uuid.uuid4(), height_cm=175, weight_kg=78, goal_category=GoalCategory(goal),
                           goal_raw=goal_raw, duration_weeks=weeks, days_per_week=days,
                           fitness_level=FitnessLevel(level))


def requests_of(fake: FakeOpenAI) -> list[Request]:
    return [r for r in fake.requests if schema_name(r)]


# ---------------------------------------------------------------- the writer itself


def test_the_writer_speaks_like_a_model_not_like_the_builtin_engine() -> None:
    writer = RealModel()
    inputs = {"duration_weeks": 8, "days_per_week": 4, "fitness_level": "intermediate",
              "goal_category": "hypertrophy", "goal_raw": "only dumbbells and a bench at home"}
    plan = writer.plan(inputs)
    assert [b["weeks"] for b in plan["blocks"]] == ["1-4", "5-8"] and plan["deload_weeks"] == [4]
    blocks = [writer.block(inputs, plan, i) for i in range(2)]
    names = {e["name"] for b in blocks for d in b["days"] for e in d["exercises"]}
    rows = [row for b in blocks for d in b["days"] for e in d["exercises"] for row in e["weeks"]]
    assert "Bench Press (Dumbbell)" in names or "DB Bench Press" in names
    assert any(" sets of " in r for r in rows) and any(" x " in r for r in rows)
    assert any("RPE" in r and "@" not in r for r in rows)
    assert kit_of(inputs["goal_raw"]) == ["db", "bw"]
    # Its repair turn writes the engine's format and the catalogue's spelling of a name it is told of.
    fixed = writer.block(inputs, plan, 0, repair=True, problems="day 1 'Bench Press (Dumbbell)': unknown")
    fixed_rows = [r for d in fixed["days"] for e in d["exercises"] for r in e["weeks"]]
    assert all(" @ " in r for r in fixed_rows)
    assert "Bench Press (Dumbbell)" not in {e["name"] for d in fixed["days"] for e in d["exercises"]}


# ---------------------------------------------------------------- the engine against it


async def generate(fake: FakeOpenAI, settings: Settings, req: GenerateRequest,
                   strategy: str = "blocks") -> tuple[ProgramContent | None, int]:
    """The program (None: the engine failed) and the repair calls it made."""
    before = len(fake.requests)
    engine = OpenAIEngine(settings.with_(generator="openai", openai_api_key="test-key", openai_model="gpt-test",
                                         openai_base_url=fake.base_url, openai_timeout_s=10.0,
                                         openai_strategy=strategy, openai_max_retries=0))
    try:
        program: ProgramContent | None = (await engine.generate(req, ignore)).program
    except GenerationFailed:
        program = None
    finally:
        await engine.aclose()
    return program, sum(1 for r in fake.requests[before:] if is_repair(r))


CASES = [request(w, d, g, lv, raw) for (w, d), g, lv, raw in zip(
    [(4, 3), (8, 4), (12, 5), (6, 2), (10, 6), (16, 4), (3, 1), (12, 3)],
    itertools.cycle(["hypertrophy", "strength", "power"]), itertools.cycle(["beginner", "intermediate", "advanced"]),
    itertools.cycle(["bigger arms", "get strong", "only dumbbells and a bench at home", "stay healthy"]),
    strict=False)]


async def test_most_realistic_programs_complete_without_a_repair_call(settings: Settings) -> None:
    outcomes: list[tuple[bool, int]] = []
    async with FakeOpenAI(default=RealModel(), pace=FAST) as fake:
        for req in CASES:
            program, repairs = await generate(fake, settings, req)
            assert program is None or check_program(program, req) == []
            outcomes.append((program is not None, repairs))
    completed = sum(ok for ok, _ in outcomes)
    clean = sum(ok and repairs == 0 for ok, repairs in outcomes)
    assert completed == len(CASES), outcomes
    assert clean >= 0.75 * len(CASES), outcomes


async def test_the_single_strategy_reads_a_realistic_program(settings: Settings) -> None:
    async with FakeOpenAI(default=RealModel(), pace=FAST) as fake:
        req = request(4, 3, "hypertrophy", "intermediate", "bigger arms")
        program, repairs = await generate(fake, settings, req, strategy="single")
    assert program is not None and repairs == 0


async def test_a_dumbbell_only_persons_program_is_made_of_dumbbell_exercises(settings: Settings, db_url: str,
                                                                            service_key: str) -> None:
    raw = "I only have dumbbells and a bench at home"
    async with FakeOpenAI(default=RealModel(), pace=FAST) as fake, \
            service(settings, db_url, service_key, fake) as live:
        job_id, _ = await start(live, goal_raw=raw, duration_weeks=8, days_per_week=4)
        events, status, program = await outcome(live, job_id)
    assert status["status"] == "completed" and status["fallback_reason"] is None, status
    assert program is not None and program["engine"] == "openai"
    names = {e["name"] for w in program["weeks"] for d in w["days"] for e in d["exercises"]}
    placed = {n: lookup(n) for n in names}
    assert all(placed.values()), [n for n, ex in placed.items() if ex is None]
    assert [n for n, ex in placed.items() if ex is not None and not usable(ex, DUMBBELLS)] == []
    assert any(e["type"] == "plan" for e in events)
