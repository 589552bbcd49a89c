"""Code repairs first (app/coaching/repairs.py): what code can fix without changing the coach's
intent is fixed, and recorded, before a model is asked again; what it cannot is left to the rules."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from app.coaching.catalogue import contributions, heavy_with
from app.coaching.kinds import BodyArea, Equipment, Muscle, Pattern
from app.coaching.names import lookup
from app.coaching.person import read_person
from app.coaching.policy import UNSTATED_EFFORT, WEEKLY_SETS
from app.coaching.prescription import parse_reps, read_row
from app.coaching.reading.reader import merge, read
from app.coaching.repairs import repair
from app.coaching.validator import validate
from app.coaching.writer.program import build_program
from app.models import GenerateRequest, ProgramContent


def request(**changes: Any) -> GenerateRequest:
    body: dict[str, Any] = {"user_id": uuid.uuid4(), "height_cm": 178, "weight_kg": 80, "goal_category": "strength",
                            "duration_weeks": 4, "days_per_week": 3, "fitness_level": "intermediate"}
    return GenerateRequest(**{**body, **changes})


def rules_of(program: ProgramContent, req: GenerateRequest) -> set[str]:
    return {v.rule.value for v in validate(program, req)}


@pytest.mark.parametrize(("written", "read"), [
    ("4x6-8 @ RPE 8", "4x6-8 @ RPE 8"), ("4 x 6-8 RPE 8", "4x6-8 @ RPE 8"), ("4x8-10 RPE 8", "4x8-10 @ RPE 8"),
    ("3 sets of 10 at 70% 1RM", "3x10 @ 70% 1RM"), ("3 sets x 12 reps @ RPE 8", "3x12 @ RPE 8"),
    ("3x8/side @ RPE 7", "3x8 per side @ RPE 7"), ("3 x 8 each side @ RPE 7", "3x8 per side @ RPE 7"),
    ("3 x 30 sec, easy", "3x30s @ easy"), ("4x6 to 8 @ RPE 8", "4x6-8 @ RPE 8"),
    ("3x10 reps, RPE 7-8", "3x10 @ RPE 7-8"),
])
def test_prescriptions_in_common_formats_are_read(written: str, read: str) -> None:
    assert str(read_row(written)) == read


def test_a_prescription_with_no_intensity_gets_a_moderate_one_from_code() -> None:
    """'3 x 10' and '3 sets of 10' (how models often write) are read with policy's unstated effort
    when code repairs them; read plainly, they are not a full prescription, and words are never one."""
    assert read_row("3 x 10") is None and read_row("three sets") is None
    assert str(read_row("3 x 10", UNSTATED_EFFORT)) == "3x10 @ RPE 7"
    assert str(read_row("3 sets of 12 per side", UNSTATED_EFFORT)) == "3x12 per side @ RPE 7"
    assert read_row("three sets", UNSTATED_EFFORT) is None


def test_a_block_row_with_no_effort_is_tidied_and_the_fix_says_so() -> None:
    from jobs.engines.llm.blocks import Block, tidy_block

    block = Block.model_validate({"days": [{"day": 1, "exercises": [
        {"name": "Goblet squat", "rest_seconds": 90, "notes": "", "weeks": ["3 x 10", "4x8 @ RPE 8"]}]}]})
    tidy, fixes = tidy_block(block)
    assert tidy.days[0].exercises[0].weeks == ["3x10 @ RPE 7", "4x8 @ RPE 8"]
    assert [f.change for f in fixes] == ["'3 x 10' -> '3x10 @ RPE 7' (no effort stated: a moderate one)"]


def test_names_are_stored_under_the_catalogues_name() -> None:
    req = request()
    program = build_program(req)
    program.weeks[0].days[0].exercises[0].name = "BB Back Squat"
    fixed, fixes = repair(program, read_person(req))
    assert fixed.weeks[0].days[0].exercises[0].name == "Back squat"
    assert [f.rule for f in fixes] == ["name"] and "BB Back Squat" in fixes[0].change
    assert program.weeks[0].days[0].exercises[0].name == "BB Back Squat"  # the input is not changed


def test_each_fix_keeps_a_rule_and_says_what_changed() -> None:
    req = request(fitness_level="beginner")
    program = build_program(req)
    ex = program.weeks[1].days[0].exercises[0]
    ex.sets = 8  # a beginner's ceiling is 5
    main = next(e for e in program.weeks[2].days[1].exercises if e.rest_seconds >= 150)
    main.rest_seconds = 60  # heavy strength sets need 150-300 s
    broken = rules_of(program, req)
    assert {"dose", "strength-fit"} <= broken
    fixed, fixes = repair(program, read_person(req))
    assert {"dose", "strength-fit"}.isdisjoint(rules_of(fixed, req))
    assert {f.rule for f in fixes} >= {"dose", "strength-fit"}
    assert all(f.where.startswith("week ") and "->" in f.change for f in fixes)


def test_reps_a_lift_cannot_be_loaded_for_become_six_to_eight() -> None:
    req = request(goal_raw="only dumbbells")
    program = build_program(req)
    goblet = next(e for w in program.weeks for d in w.days for e in d.exercises if e.name == "Goblet squat")
    goblet.reps = "3-5"
    assert "load-type" in rules_of(program, req)
    fixed, fixes = repair(program, read_person(req))
    assert "load-type" not in rules_of(fixed, req) and any(f.rule == "load-type" for f in fixes)


def test_effort_above_the_persons_ceiling_is_brought_down() -> None:
    req = request(goal_raw="I'm pregnant", goal_category="hypertrophy")
    program = build_program(req)
    ex = program.weeks[3].days[0].exercises[0]
    ex.intensity = "RPE 9"
    assert "effort-cap" in rules_of(program, req)
    fixed, _ = repair(program, read_person(req))
    assert "effort-cap" not in rules_of(fixed, req)


def test_a_session_over_its_set_cap_loses_sets_after_the_main_lift() -> None:
    req = request(goal_category="hypertrophy", fitness_level="beginner")
    program = build_program(req)
    day = program.weeks[1].days[0]
    main_sets = day.exercises[0].sets
    for ex in day.exercises[1:]:
        ex.sets = 5  # a model's 23-set beginner day
    assert "session-volume" in rules_of(program, req)
    fixed, fixes = repair(program, read_person(req))
    assert "session-volume" not in rules_of(fixed, req)
    assert fixed.weeks[1].days[0].exercises[0].sets == main_sets
    assert {f.rule for f in fixes} >= {"session-volume"}


def test_weekly_volume_a_set_or_two_over_is_nudged_into_the_band() -> None:
    req = request(goal_category="hypertrophy", days_per_week=4)
    program = build_program(req)
    week = program.weeks[1]
    sets = {}
    for e in (e for d in week.days for e in d.exercises):
        entry = lookup(e.name)
        for muscle, share in contributions(entry) if entry else ():
            sets[muscle] = sets.get(muscle, 0.0) + e.sets * share
    over = WEEKLY_SETS[req.fitness_level][1] - sets[Muscle.biceps] + 1  # one set over the ceiling
    extra = week.days[0].exercises[-1].model_copy()
    extra.name, extra.sets, extra.reps, extra.intensity = "Hammer curl", int(over), "10-12", "RPE 8"
    week.days[0].exercises.append(extra)
    assert 1 <= over <= 10 and "weekly-volume" in rules_of(program, req)
    fixed, fixes = repair(program, read_person(req))
    # The weekly nudge, or the session's set cap first when the added sets also overfill that day.
    assert "weekly-volume" not in rules_of(fixed, req)
    assert any(f.rule in ("weekly-volume", "session-volume") for f in fixes)


def test_a_muscle_far_over_its_ceiling_loses_isolation_work_not_its_lifts() -> None:
    # A model's six-day beginner week with a lateral raise every day: 18 more sets for the shoulders.
    req = request(goal_category="hypertrophy", fitness_level="beginner", days_per_week=6)
    program = build_program(req)
    for week in program.weeks:
        for day in week.days:
            raise_ = day.exercises[-1].model_copy()
            raise_.name, raise_.sets, raise_.reps, raise_.intensity = "Dumbbell lateral raise", 3, "12-15", "RPE 8"
            day.exercises.append(raise_)
    lifts = [(d.day, e.name, e.sets) for d in program.weeks[1].days for e in d.exercises if lookup(e.name).compound]
    assert "weekly-volume" in rules_of(program, req)
    fixed, fixes = repair(program, read_person(req))
    assert "weekly-volume" not in rules_of(fixed, req)
    assert any(f.change.startswith("left out") for f in fixes)
    week = fixed.weeks[1]
    assert [(d.day, e.name, e.sets) for d in week.days for e in d.exercises if lookup(e.name).compound] == lifts
    left_out = [f.where for f in fixes if f.change.startswith("left out") and f.where.startswith("week 2 ")]
    assert left_out[0].startswith("week 2 day 6")  # from the week's last day back


def test_a_strength_day_without_a_heavy_lift_gets_one_it_can_load() -> None:
    req = request(goal_raw="only dumbbells and a bench at home", days_per_week=3, duration_weeks=4)
    program = build_program(req)
    day = program.weeks[0].days[1]
    for ex in day.exercises:
        if parse_reps(ex.reps) is not None and parse_reps(ex.reps).high <= 6:  # type: ignore[union-attr]
            ex.reps = "8-10"  # a model's strength day in hypertrophy reps
    names = [e.name for e in day.exercises]
    assert "strength-fit" in rules_of(program, req)
    fixed, fixes = repair(program, read_person(req))
    assert "strength-fit" not in rules_of(fixed, req)
    fix = next(f for f in fixes if f.rule == "strength-fit")
    assert fix.where.startswith("week 1 day 2") and "-> 4-6" in fix.change
    day = fixed.weeks[0].days[1]
    assert [e.name for e in day.exercises] == names  # the model's lifts stay; only a dose moved
    heavy = next(e for e in day.exercises if e.reps == "4-6")
    assert heavy_with(lookup(heavy.name), (Equipment.dumbbell, Equipment.bench)) and heavy.rest_seconds >= 150


def test_a_day_with_nothing_loadable_is_named_with_lifts_that_are() -> None:
    req = request(goal_raw="only dumbbells and a bench at home")
    program = build_program(req)
    day = program.weeks[0].days[0]
    squat, step = day.exercises[0].model_copy(), day.exercises[0].model_copy()
    squat.name, squat.reps, step.name, step.reps = "Heel-elevated dumbbell squat", "8-10", "Step-up", "8-10"
    day.exercises = [squat, step, *(e for e in day.exercises[1:] if not lookup(e.name).compound)]
    found = [str(v) for v in validate(program, req) if v.rule.value == "strength-fit"]
    named = re.findall(r"'([^']+)'", found[0].split("for example")[1])
    assert found[0].startswith("week 1 day 1 has no heavy compound lift") and 1 <= len(named) <= 3
    assert lookup(named[0]).pattern is Pattern.lunge  # a movement of the day's own first
    assert all(heavy_with(lookup(n), (Equipment.dumbbell, Equipment.bench)) for n in named)


@pytest.mark.parametrize("minutes", [30, 45])
def test_a_session_longer_than_the_persons_minutes_is_fitted_as_the_writer_fits_its_own(minutes: int) -> None:
    # A model's program written as if time were no object, for someone with `minutes` a session.
    roomy = request(goal_category="hypertrophy", days_per_week=4, duration_weeks=8)
    program = build_program(roomy)
    req = request(goal_category="hypertrophy", days_per_week=4, duration_weeks=8,
                  goal_raw=f"I only have {minutes} minutes a session")
    person = read_person(req.model_copy(update={"profile": merge(None, read(req.goal_raw).profile)}))
    assert person.request.profile is not None and person.request.profile.minutes_per_session == minutes
    found = {v.rule.value for v in validate(program, person.request, person.constraints)}
    assert "session-length" in found
    fixed, fixes = repair(program, person)
    assert "session-length" not in {v.rule.value for v in validate(fixed, person.request, person.constraints)}
    assert any(f.rule == "session-length" and ("left out" in f.change or "->" in f.change) for f in fixes)
    # The main lift of each day stays first.
    assert [d.exercises[0].name for w in fixed.weeks for d in w.days] == \
        [d.exercises[0].name for w in program.weeks for d in w.days]


def test_gentle_work_for_an_injured_area_is_cut_to_a_few_sets() -> None:
    req = request(goal_category="hypertrophy", goal_raw="my left shoulder is sore")
    req = req.model_copy(update={"profile": merge(None, read(req.goal_raw).profile)})
    program = build_program(req)
    loading = [e for w in program.weeks for d in w.days for e in d.exercises
               if lookup(e.name).stresses & {BodyArea.shoulder}]  # type: ignore[union-attr]
    assert loading and all(e.sets <= 3 for e in loading)  # the writer keeps it light
    loading[0].sets = 6  # a model's sore-shoulder chest press, six sets
    assert "injury-area" in rules_of(program, req)
    fixed, fixes = repair(program, read_person(req))
    assert "injury-area" not in rules_of(fixed, req)
    assert any(f.rule == "injury-area" and f.change == "6 sets -> 3" for f in fixes)


def test_what_code_cannot_fix_is_left_to_the_rules() -> None:
    req = request(goal_raw="sore knees, no jumping")
    program = build_program(req)
    program.weeks[0].days[0].exercises[0].name = "Depth jump"
    fixed, _ = repair(program, read_person(req))
    assert "banned-movement" in rules_of(fixed, req)


def test_the_built_in_writers_programs_need_no_fix() -> None:
    for goal in ("power", "strength", "hypertrophy"):
        req = request(goal_category=goal, duration_weeks=8)
        assert repair(build_program(req), read_person(req))[1] == []
