"""The OpenAI engine ends at the same validator: a rule-breaking program is repaired with a message
naming the rule. Real SDK, real HTTP, against the loopback model server (tests/fakes)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from app.coaching.validator import validate
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
from jobs.engines.llm.engine import OpenAIEngine
from tests.fakes.openai_server import FakeOpenAI, Text

MODEL = "gpt-test"


class Quiet:
    async def __call__(self, progress: int, stage: str, message: str) -> None:
        return None


def knees_request() -> GenerateRequest:
    return GenerateRequest(user_id=uuid.uuid4(), height_cm=175, weight_kg=78, goal_category=GoalCategory.power,
                           goal_raw="sore knees, no deep squats please", duration_weeks=3, days_per_week=2,
                           fitness_level=FitnessLevel.intermediate)


def program(first: str) -> ProgramContent:
    """Three weeks of two power days; `first` opens every session."""
    def day(n: int, week: int) -> TrainingDay:
        rpe = 6.5 + week * 0.5
        return TrainingDay(day=n, name=f"Day {n}", warm_up="5 minutes of easy rowing, then a few easier throws.",
                           exercises=[
            Exercise(name=first, sets=4, reps=3, intensity="Maximal intent", rest_seconds=120, notes=""),
            Exercise(name="Trap-bar deadlift", sets=4, reps="3-5", intensity=f"RPE {rpe:g}", rest_seconds=180,
                     notes=""),
            Exercise(name="Dumbbell bench press", sets=4, reps="6-8", intensity=f"RPE {rpe:g}", rest_seconds=150,
                     notes=""),
            Exercise(name="One-arm dumbbell row", sets=4, reps="6-8 per side", intensity=f"RPE {rpe:g}",
                     rest_seconds=120, notes=""),
            Exercise(name="Seated dumbbell shoulder press", sets=3, reps="8-10", intensity=f"RPE {rpe:g}",
                     rest_seconds=90, notes=""),
            Exercise(name="Leg press", sets=3, reps="8-10", intensity=f"RPE {rpe:g}", rest_seconds=120, notes=""),
        ])
    return ProgramContent(name="Power, kind to the knees", description="Two power days a week.",
                          summary="Two days a week of fast throws and strong lifts, easy on your knees.",
                          weeks=[TrainingWeek(week=w, focus="Build", deload=False, days=[day(1, w), day(2, w)])
                                 for w in (1, 2, 3)])


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[tuple[FakeOpenAI, OpenAIEngine]]:
    async with FakeOpenAI() as fake:
        engine = OpenAIEngine(settings.with_(generator="openai", openai_api_key="test-key", openai_model=MODEL,
                                             openai_base_url=fake.base_url, openai_timeout_s=5.0,
                                             openai_strategy="single"))
        try:
            yield fake, engine
        finally:
            await engine.aclose()


async def test_a_rule_breaking_program_is_repaired_with_the_rule_named(
        engine: tuple[FakeOpenAI, OpenAIEngine]) -> None:
    fake, openai = engine
    request = knees_request()
    bad, good = program("Depth jump"), program("Medicine ball chest pass")
    assert validate(good, request) == []
    assert {v.rule.value for v in validate(bad, request)} == {"banned-movement", "claims"}  # "easy on your knees"
    fake.push(Text(bad.model_dump_json()), Text(good.model_dump_json()))
    result = await openai.generate(request, Quiet())
    assert result.program == good
    first, repair = fake.requests[0].messages, fake.requests[1].messages
    asked = "\n".join(m["content"] for m in first)
    # The prompt states the rules the validator checks, and this person's constraints.
    assert "Leave out entirely" in asked and "knee-stressing work (your knees)" in asked
    assert "Exercise list" in asked and "Depth jump" not in asked.split("Exercise list")[1]
    feedback = repair[-1]["content"]
    assert "week 1 day 1 'Depth jump': knee-stressing work is ruled out (your knees) [rule: banned-movement]" \
        in feedback


async def test_an_unknown_exercise_is_sent_back_for_a_known_one(engine: tuple[FakeOpenAI, OpenAIEngine]) -> None:
    fake, openai = engine
    request = knees_request()
    fake.push(Text(program("Kangaroo bounce").model_dump_json()),
              Text(program("Medicine ball chest pass").model_dump_json()))
    await openai.generate(request, Quiet())
    feedback = fake.requests[1].messages[-1]["content"]
    assert "'Kangaroo bounce': not an exercise in the lexicon" in feedback and "[rule: unknown-exercise]" in feedback
