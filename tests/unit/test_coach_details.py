"""The smaller things a coach fixes (issue 25, item 9), each a rule of its own: every major muscle inside
its band whatever the goal, block names a beginner understands, percentages that move from block to
block, a warm-up line for each day, and safety pins or a spotter for heavy bench and squat sets.

As in test_checks.py, each case starts from the built-in writer's program, which keeps the rule, and
breaks it the way a careless coach or a model would; the rule must name it. Code repairs what it can.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.coaching.catalogue import by_name
from app.coaching.kinds import Muscle, Pattern
from app.coaching.person import read_person
from app.coaching.repairs import repair
from app.coaching.rules.walk import muscle_sets
from app.coaching.validator import Rule, subject, validate
from app.coaching.writer.program import build_program
from app.models import Exercise, ProgramContent
from tests.unit.test_checks import assert_rejected, drop_pattern, each_exercise, one_set_of, request

Break = Callable[[ProgramContent], None]


def halve_sets(patterns: set[Pattern], less: int = 99) -> Break:
    """Each exercise of these patterns with `less` sets fewer, never under two."""
    def apply(program: ProgramContent) -> None:
        for e in each_exercise(program):
            if by_name(e.name).pattern in patterns:
                e.sets = max(2, e.sets - less)
    return apply


def both(*breaks: Break) -> Break:
    def apply(program: ProgramContent) -> None:
        for b in breaks:
            b(program)
    return apply


CHEST = {Pattern.h_push, Pattern.chest_fly}
def strip_notes(program: ProgramContent) -> None:
    for e in each_exercise(program):
        e.notes = ""


def heavy_bench_without_pins(program: ProgramContent) -> None:
    program.weeks[1].days[0].exercises[0] = Exercise(name="Barbell bench press", sets=3, reps=3, intensity="RPE 9",
                                                     rest_seconds=240, notes="Main lift.")


def no_warm_up(program: ProgramContent) -> None:
    program.weeks[2].days[1].warm_up = ""


def long_warm_up(program: ProgramContent) -> None:
    program.weeks[0].days[0].warm_up = " ".join(["Jog two laps,"] * 11)  # 33 words in 200 characters


def jargon_focus(program: ProgramContent) -> None:
    for week in program.weeks:
        week.focus = f"Accumulation block 1, week {week.week}: add a little load."


def repeat_first_block(program: ProgramContent) -> None:
    """Weeks 5-7 a copy of weeks 1-3 (a 16-week plan: deloads in weeks 4, 8 and 12)."""
    for w in (5, 6, 7):
        program.weeks[w - 1].days = [d.model_copy(deep=True) for d in program.weeks[w - 5].days]


DETAIL_CASES: list[tuple[str, dict[str, Any], Break, Rule, str]] = [
    ("a 16-week plan repeating its first block", {"duration_weeks": 16}, repeat_first_block,
     Rule.moving_percentages, "weeks 5-7 repeat the main lifts' percentages of weeks 1-3"),
    ("a beginner's weeks called Accumulation", {"fitness_level": "beginner", "duration_weeks": 12}, jargon_focus,
     Rule.plain_names, "'Accumulation' to a beginner"),
    ("a day with no warm-up", {}, no_warm_up, Rule.warm_up, "week.day 3.2"),
    ("a warm-up of a paragraph", {}, long_warm_up, Rule.warm_up, "at most 30"),
    ("heavy triples on the bench with no word on safety", {}, heavy_bench_without_pins, Rule.safety_pins,
     "safety pins"),
    ("a test week's squat single with its notes gone", {"fitness_level": "advanced"}, strip_notes, Rule.safety_pins,
     "'Back squat'"),
    ("a strength plan with the chest under its band", {"days_per_week": 4}, halve_sets(CHEST), Rule.muscle_band,
     "for the chest"),
    ("a power plan with one set of pressing and no throws", {"goal_category": "power", "days_per_week": 4},
     both(drop_pattern({Pattern.throw}), one_set_of(CHEST)), Rule.muscle_band, "in a power plan too"),
]


@pytest.mark.parametrize(("case", "changes", "breaks", "rule", "says"), DETAIL_CASES, ids=[c[0] for c in DETAIL_CASES])
def test_a_detail_a_coach_would_fix_is_rejected_by_its_rule(case: str, changes: dict[str, Any], breaks: Break,
                                                            rule: Rule, says: str) -> None:
    assert_rejected(case, changes, breaks, rule, says)


def chest_sets(req_changes: dict[str, Any]) -> float:
    req = request(**req_changes)
    program = build_program(req)
    s = subject(program, req)
    return muscle_sets(s.walk.week(program.weeks[0])).get(Muscle.chest, 0.0)


@pytest.mark.parametrize("goal", ["strength", "power"])
def test_the_chest_is_inside_its_band_in_strength_and_power_plans(goal: str) -> None:
    # An intermediate's band starts at 8 hard sets (half of it in a power plan); before, 5.5 in both.
    owed = 8 if goal == "strength" else 4
    for days in (3, 4, 5):
        assert chest_sets({"goal_category": goal, "days_per_week": days}) >= owed, days


def test_code_nudges_a_muscle_a_few_sets_under_its_band_in_a_strength_plan() -> None:
    req = request(days_per_week=4)
    program = build_program(req)
    halve_sets(CHEST, less=2)(program)
    assert any(v.rule is Rule.muscle_band for v in validate(program, req))
    fixed, fixes = repair(program, read_person(req))
    assert not [v for v in validate(fixed, req) if v.rule is Rule.muscle_band]
    assert any(f.rule == "weekly-volume" and "chest" in f.change for f in fixes)


def test_code_names_the_safety_pins_a_model_left_out() -> None:
    req = request(fitness_level="advanced")
    program = build_program(req)
    strip_notes(program)
    assert any(v.rule is Rule.safety_pins for v in validate(program, req))
    fixed, fixes = repair(program, read_person(req))
    assert not [v for v in validate(fixed, req) if v.rule is Rule.safety_pins]
    assert any(f.rule == "safety-pins" for f in fixes)


def test_every_day_has_a_short_warm_up_and_a_model_day_without_one_gets_it_from_code() -> None:
    req = request(days_per_week=7, goal_category="hypertrophy")
    program = build_program(req)
    lines = {d.warm_up for w in program.weeks for d in w.days}
    assert all(line.startswith("5 minutes of easy cardio") for line in lines), lines
    assert any("ramp-up sets of the" in line for line in lines) and any("gently" in line for line in lines)
    for w in program.weeks:
        for d in w.days:
            d.warm_up = ""
    fixed, fixes = repair(ProgramContent.model_validate(program.model_dump(exclude={"weeks": {"__all__": {
        "days": {"__all__": {"warm_up"}}}}})), read_person(req))
    assert not [v for v in validate(fixed, req) if v.rule is Rule.warm_up]
    assert len([f for f in fixes if f.rule == "warm-up"]) == sum(len(w.days) for w in program.weeks)


def test_a_beginner_hears_plain_block_names_and_code_says_a_models_jargon_plainly() -> None:
    req = request(fitness_level="beginner", duration_weeks=12, goal_category="hypertrophy")
    program = build_program(req)
    focus = [w.focus for w in program.weeks]
    assert any(f.startswith("Foundation block 1 (learn the lifts)") for f in focus), focus
    assert not any("Accumulation" in f for f in focus)
    jargon_focus(program)
    fixed, fixes = repair(program, read_person(req))
    assert not [v for v in validate(fixed, req) if v.rule is Rule.plain_names]
    assert any(f.rule == "plain-names" for f in fixes)
    assert fixed.weeks[0].focus.startswith("Foundation (learn the lifts")
    # An intermediate may hear the coach's words.
    assert any("Accumulation" in w.focus for w in build_program(request(duration_weeks=12)).weeks)


def test_a_long_plan_moves_its_percentages_from_block_to_block_and_code_moves_a_models() -> None:
    req = request(duration_weeks=16)
    program = build_program(req)
    squat = [(w.week, e.intensity) for w in program.weeks for d in w.days for e in d.exercises
             if e.name == "Back squat" and "% 1RM" in e.intensity and not w.deload]
    by_block = [sorted({i for w, i in squat if w in weeks}) for weeks in ((1, 2, 3), (5, 6, 7), (9, 10, 11))]
    assert by_block[0] != by_block[1] != by_block[2], by_block
    repeat_first_block(program)
    fixed, fixes = repair(program, read_person(req))
    assert not [v for v in validate(fixed, req) if v.rule is Rule.moving_percentages]
    assert any(f.rule == "moving-percentages" and "week 5" in f.where for f in fixes)
