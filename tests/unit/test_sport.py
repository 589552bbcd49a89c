"""Sport and event (issue 25, item 7): a field or court sport's sprints, cuts, landings and
conditioning, building towards the season; a weightlifter's snatch and clean and jerk, tested in the
test week; an event's known week setting where the taper falls. The writer does it, the validator
checks it by the program's own exercises, and a model's program that leaves it out is repaired."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from app.coaching.catalogue import rules_out
from app.coaching.kinds import Movement
from app.coaching.names import lookup
from app.coaching.person import read_person
from app.coaching.prescription import parse_reps
from app.coaching.repairs import repair
from app.coaching.rules.registry import Rule
from app.coaching.sport import Work, owed, taper_week, works
from app.coaching.telling import for_summary
from app.coaching.validator import validate
from app.coaching.writer.program import build_program
from app.models import ProgramContent
from tests.unit.test_checks import each_exercise, request

SOCCER_PRE = {"sport": {"name": "soccer", "season": "pre"}}


def sport_work(program: ProgramContent, week: int) -> dict[Work, int]:
    """Sets of each kind of sport work in a week."""
    out: dict[Work, int] = {}
    for day in program.weeks[week - 1].days:
        for e in day.exercises:
            entry = lookup(e.name)
            for w in works(entry) if entry is not None else ():
                out[w] = out.get(w, 0) + e.sets
    return out


def test_a_field_sport_gets_every_kind_of_work_every_week_and_it_builds() -> None:
    req = request(profile=SOCCER_PRE, duration_weeks=12)
    program = build_program(req)
    assert validate(program, req) == []
    for week in program.weeks:
        if not week.deload:
            assert set(sport_work(program, week.week)) == set(Work), week.week
    first, last = sum(sport_work(program, 1).values()), max(sum(sport_work(program, w).values()) for w in (9, 10, 11))
    assert last > first
    # Speed work first in the day, conditioning last.
    day = next(d for d in program.weeks[0].days if any(Work.conditioning in works(lookup(e.name) or _none())
                                                         for e in d.exercises))
    assert Work.conditioning in works(lookup(day.exercises[-1].name) or _none())
    assert "sprints" in program.summary and "Adapted for your soccer pre-season" in program.summary
    assert "Not yet planned around" not in program.summary


def _none() -> Any:
    raise AssertionError("a name the catalogue does not know")


def test_the_same_request_without_the_sport_has_none_of_it_and_is_rejected_for_a_player() -> None:
    plain = build_program(request(duration_weeks=8))
    assert not any(sport_work(plain, w.week) for w in plain.weeks)
    found = [v for v in validate(plain, request(duration_weeks=8, profile=SOCCER_PRE)) if v.rule is Rule.sport_work]
    assert found and "sprints" in found[0].message


def test_in_season_the_games_are_the_conditioning_and_the_dose_holds() -> None:
    req = request(profile={"sport": {"name": "rugby", "season": "in"}})
    program = build_program(req)
    assert validate(program, req) == []
    assert Work.conditioning not in sport_work(program, 1)
    assert sport_work(program, 2) == sport_work(program, 6)


def test_a_flat_preseason_is_rejected() -> None:
    req = request(profile=SOCCER_PRE, duration_weeks=12)
    program = build_program(req)
    week1 = {e.name: e.sets for d in program.weeks[0].days for e in d.exercises}
    for e in each_exercise(program):
        entry = lookup(e.name)
        if entry is not None and works(entry):
            e.sets = min(e.sets, week1.get(e.name, 2))
    found = [v.message for v in validate(program, req) if v.rule is Rule.sport_work]
    assert found and "never grows" in found[0]


@pytest.mark.parametrize("injury", ["knee", "ankle_foot", "hip"])
def test_a_sore_knee_ankle_or_hip_rules_the_running_and_landing_out(injury: str) -> None:
    profile = {**SOCCER_PRE, "injuries": [{"area": injury, "status": "current"}]}
    req = request(profile=profile)
    program = build_program(req)
    assert validate(program, req) == []
    assert owed(req.profile) == (Work.conditioning,)
    assert set(sport_work(program, 1)) == {Work.conditioning}  # on a bike: nothing lands
    assert "no sprinting, cutting or landing drills for now" in program.description


def test_pregnancy_and_the_words_that_ban_sprints_are_heard() -> None:
    pregnant = request(profile={**SOCCER_PRE, "conditions": [{"kind": "pregnancy"}]})
    assert owed(pregnant.profile) == (Work.conditioning,)
    said = request(profile=SOCCER_PRE, goal_raw="no sprinting please")
    program = build_program(said)
    assert validate(program, said) == []
    assert not {Work.sprint, Work.change_of_direction} & set(sport_work(program, 1))


def test_a_weightlifter_trains_and_tests_the_competition_lifts() -> None:
    req = request(profile={"sport": {"name": "weightlifting"}}, duration_weeks=8, fitness_level="advanced")
    program = build_program(req)
    assert validate(program, req) == []
    names = {e.name for d in program.weeks[0].days for e in d.exercises}
    assert {"Snatch", "Clean and jerk"} <= names
    tested = {e.name for d in program.weeks[-1].days for e in d.exercises if parse_reps(e.reps) is not None
              and e.reps == 1 and "single" in e.intensity}
    assert tested == {"Snatch", "Clean and jerk"}, tested
    assert "snatch and the clean and jerk" in program.description


def test_a_weightlifters_squat_test_is_rejected() -> None:
    req = request(profile={"sport": {"name": "weightlifting"}}, duration_weeks=8, fitness_level="advanced")
    program = build_program(req)
    last = program.weeks[-1].days[0].exercises
    squat = next(e for e in last if e.name == "Back squat") if any(e.name == "Back squat" for e in last) else last[1]
    squat.name, squat.reps, squat.intensity = "Back squat", 1, "Work up to a heavy single, about 92 to 97% 1RM"
    found = [v.message for v in validate(program, req) if v.rule is Rule.weightlifting]
    assert found and "not the back squat" in found[0]


def test_a_beginner_weightlifter_learns_the_hang_and_power_versions() -> None:
    req = request(profile={"sport": {"name": "weightlifting"}}, fitness_level="beginner", days_per_week=2)
    program = build_program(req)
    assert validate(program, req) == []
    firsts = [d.exercises[0].name for d in program.weeks[0].days]
    assert firsts == ["Hang power snatch", "Hang power clean"]


def test_a_known_event_week_sets_the_taper() -> None:
    req = request(profile={"event": {"kind": "competition", "in_weeks": 6}}, duration_weeks=12, goal_raw="meet")
    assert taper_week(req.profile, 12, True) == 6
    program = build_program(req)
    assert validate(program, req) == []
    volume = [sum(e.sets for d in w.days for e in d.exercises) for w in program.weeks]
    assert volume[5] < max(volume[:5]) and volume[4] < max(volume[:4])
    assert not program.weeks[6].deload  # after the meet a new block starts light
    assert "in week 6" in program.description
    # The same program, its taper moved to the end as for a meet with no date, breaks the rule.
    undated = build_program(request(duration_weeks=12, goal_raw="I have a meet"))
    found = [v.message for v in validate(undated, req) if v.rule is Rule.taper]
    assert found


def test_an_event_after_the_program_is_built_towards_not_tapered() -> None:
    req = request(profile={"event": {"kind": "race", "in_weeks": 20}}, duration_weeks=8, goal_raw="a race")
    assert taper_week(req.profile, 8, True) is None
    program = build_program(req)
    assert validate(program, req) == []
    assert "comes after this program" in program.description


def test_a_sport_nobody_plans_around_is_still_said() -> None:
    told = for_summary(request(profile={"sport": {"name": "swimming"}}).profile, [])
    assert "Not yet planned around: your swimming" in told


def test_a_models_program_without_the_drills_is_repaired_in_code() -> None:
    req = request(profile=SOCCER_PRE, duration_weeks=8)
    program = build_program(request(duration_weeks=8))  # as a model might write it: no sport work
    fixed, fixes = repair(program, read_person(req))
    assert any(f.rule == "sport-work" for f in fixes)
    assert not [v for v in validate(fixed, req) if v.rule is Rule.sport_work]


GOALS, LEVELS = ("strength", "hypertrophy", "power"), ("beginner", "intermediate", "advanced")
SPORTS: dict[str, dict[str, Any]] = {
    "soccer pre-season": SOCCER_PRE,
    "rugby in season": {"sport": {"name": "rugby", "season": "in"}},
    "basketball, bodyweight only": {"sport": {"name": "basketball"}, "equipment": ["bodyweight"]},
    "hockey at 16": {"sport": {"name": "hockey", "season": "pre"}, "age": 16},
    "tennis, sore knee": {"sport": {"name": "tennis"}, "injuries": [{"area": "knee"}]},
    "weightlifting, meet in 6 weeks": {"sport": {"name": "weightlifting"},
                                       "event": {"kind": "competition", "in_weeks": 6}},
    "soccer at 68": {"sport": {"name": "soccer"}, "age": 68},
}


@pytest.mark.parametrize("name", list(SPORTS))
def test_the_writer_coaches_every_sport_profile_within_the_rules(name: str) -> None:
    """One-day weeks too, where the drills crowd the lifts (docs/coaching.md's known gaps: 45-minute
    sessions, whose fitting can take back what the sport's work built)."""
    failures = []
    for goal, level, (days, weeks) in itertools.product(GOALS, LEVELS, ((1, 4), (1, 8), (2, 4), (3, 8), (5, 12))):
        req = request(goal_category=goal, fitness_level=level, days_per_week=days, duration_weeks=weeks,
                      profile=SPORTS[name])
        failures += [f"{goal} {level} {days}d {weeks}w: {v}" for v in validate(build_program(req), req)]
    assert failures == []


OLDER_PLAYER = {"sport": {"name": "soccer"}, "age": 68}
HOLD, SUPPORTED_SL_RDL = "Single-leg balance hold", "Supported single-leg Romanian deadlift"


@pytest.mark.parametrize("goal", GOALS)
def test_an_older_beginner_one_day_a_week_gets_balance_inside_a_lift_not_a_ninth_exercise(goal: str) -> None:
    """Four drills, four lifts and a balance hold would be nine exercises, one over a beginner's
    count: the hold folds into the single-leg version of one of the day's lifts (writer/balance.py),
    dosed as that lift is, and the week still has its balance work."""
    broken, folded = [], set()
    for weeks in (4, 8, 12):
        req = request(goal_category=goal, fitness_level="beginner", days_per_week=1, duration_weeks=weeks,
                      profile=OLDER_PLAYER)
        program = build_program(req)
        broken += [f"{weeks}w: {v}" for v in validate(program, req)
                   if v.rule in (Rule.session_volume, Rule.older_adult, Rule.load_type, Rule.unknown_exercise)]
        for week in program.weeks:
            for day in week.days:
                names = [e.name for e in day.exercises]
                if HOLD not in names:
                    single = [e for e in day.exercises if e.name in (SUPPORTED_SL_RDL, "Step-up")]
                    assert single and all("per side" in str(e.reps) for e in single), (weeks, week.week, names)
                    folded |= {e.name for e in single}
    assert broken == []
    assert folded == {SUPPORTED_SL_RDL, "Step-up"}  # the hinge day and the squat day each fold theirs


def test_a_fold_keeps_the_whole_program_within_the_rules() -> None:
    req = request(goal_category="strength", fitness_level="beginner", days_per_week=1, duration_weeks=4,
                  profile=OLDER_PLAYER)
    program = build_program(req)
    assert validate(program, req) == []
    day = program.weeks[0].days[0]
    assert len(day.exercises) == 8 and HOLD not in [e.name for e in day.exercises]
    rdl = next(e for e in day.exercises if e.name == SUPPORTED_SL_RDL)
    assert parse_reps(rdl.reps) is not None and "wall or rail" in rdl.notes
    # The same person at two days a week has room for the hold itself.
    two = build_program(request(goal_category="strength", fitness_level="beginner", days_per_week=2,
                                duration_weeks=4, profile=OLDER_PLAYER))
    assert any(e.name == HOLD for d in two.weeks[0].days for e in d.exercises)


@pytest.mark.parametrize("goal", GOALS)
def test_a_heavier_players_sprints_never_lift_a_ban_of_age_or_pregnancy(goal: str) -> None:
    """A heavier athlete still sprints and cuts; at 68 (or pregnant) impact stays out whatever the weight
    (it once did not: the weight's exception lifted every ban of impact)."""
    heavy = {"weight_kg": 120, "goal_category": goal}
    young = request(profile={"sport": {"name": "rugby"}}, **heavy)
    program = build_program(young)
    assert validate(program, young) == [] and sum(sport_work(program, 1).get(w, 0) for w in (Work.sprint,)) > 0
    for profile in ({"sport": {"name": "rugby"}, "age": 68},
                    {"sport": {"name": "soccer"}, "conditions": [{"kind": "pregnancy"}]}):
        req = request(profile=profile, **heavy)
        program = build_program(req)
        assert validate(program, req) == [], profile
        # Sprints on a sled or a bike, if any: nothing that lands.
        assert not [e.name for e in each_exercise(program) if rules_out(lookup(e.name) or _none(), Movement.impact)]
