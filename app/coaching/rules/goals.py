"""Rules about fitting the goal, judged by what the work is, not what it is called, on non-deload weeks:
strength needs a heavy compound lift every training day with long rests; power needs explosive work
every week beside heavy work; hypertrophy needs most working sets in 6-15 reps near failure.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.coaching.catalogue import EXERCISES, LibraryExercise, heavy_with, rules_out, usable
from app.coaching.kinds import NON_VOLUME_PATTERNS
from app.coaching.policy import (
    EXPLOSIVE_MIN_REST_S,
    HEAVY_MIN_REST_S,
    HEAVY_REPS,
    HYPERTROPHY_REPS,
    HYPERTROPHY_SHARE,
    NEAR_FAILURE_RPE,
    STRENGTH_PATTERNS,
)
from app.coaching.rules.registry import Rule, Subject, rule
from app.coaching.rules.walk import Item, is_recovery_day
from app.models import GoalCategory, TrainingDay, TrainingWeek


def _loadable(s: Subject) -> Iterator[LibraryExercise]:
    """The compound lifts this person can load heavily: their equipment, nothing banned or spared."""
    c = s.constraints
    return (ex for ex in EXERCISES if heavy_with(ex, c.equipment) and ex.compound and ex.pattern in STRENGTH_PATTERNS
            and usable(ex, c.equipment) and not any(rules_out(ex, m) for m in c.banned)
            and not ex.stresses & s.spared)


def _heavy_each_day(s: Subject) -> bool:
    """A heavy lift every training day; around an injury (which may leave a day nothing heavy that
    spares it, a sore shoulder's upper days), one in every training week instead."""
    # High blood pressure: sets of six reps or more (rule blood-pressure), so nothing is "heavy" here.
    return not s.spared and "hypertension" not in s.conditions


def _training_days(s: Subject) -> Iterator[tuple[TrainingWeek, TrainingDay, list[Item]]]:
    for week in s.program.weeks:
        if week.deload:
            continue
        for day in week.days:
            items = s.walk.of(week, day)
            if not is_recovery_day(items):
                yield week, day, [it for it in items if it.entry is not None and it.reps is not None
                                  and it.reps.unit == "reps"]


def _heavy_compound(it: Item) -> bool:
    assert it.entry is not None and it.reps is not None
    return (it.entry.compound and it.entry.pattern in STRENGTH_PATTERNS and it.reps.high <= HEAVY_REPS
            and not it.entry.pattern.explosive)


def _explosive(it: Item) -> bool:
    assert it.entry is not None and it.reps is not None
    return it.entry.pattern.explosive and it.reps.high <= HEAVY_REPS


def _heavy_weekly(s: Subject, heavy_possible: bool, goal: GoalCategory) -> Iterator[str]:
    if not heavy_possible or _heavy_each_day(s) or "hypertension" in s.conditions:
        return
    heavy_weeks = {week.week for week, _, items in _training_days(s) if any(_heavy_compound(it) for it in items)}
    for week in s.program.weeks:
        if not week.deload and week.week not in heavy_weeks:
            yield (f"week {week.week} has no heavy compound lift in 1-{HEAVY_REPS} reps, which a {goal.value} "
                   "program needs every training week, around an injury too")


def _no_heavy_day(s: Subject, week: TrainingWeek, day: TrainingDay, items: list[Item], goal: GoalCategory) -> str:
    """Named with lifts the person's equipment can load, the day's own movements first, so a repair
    knows what would do (a dumbbell-only legs day: a Bulgarian split squat, not a heel-elevated squat)."""
    patterns = {it.entry.pattern for it in items if it.entry is not None}
    options = sorted((ex for ex in _loadable(s) if ex.stock), key=lambda ex: (ex.pattern not in patterns, ex.tier))[:3]
    named = " or ".join(repr(ex.name) for ex in options)
    return (f"week {week.week} day {day.day} has no heavy compound lift in 1-{HEAVY_REPS} reps (isolation work such "
            f"as curls does not count), which a {goal.value} program needs every training day"
            + (f"; with this equipment, for example {named}" if named else ""))


@rule(Rule.strength_fit)
def strength_fit(s: Subject) -> Iterator[str]:
    if s.request.goal_category is not GoalCategory.strength:
        return
    heavy_possible = any(True for _ in _loadable(s))
    for week, day, items in _training_days(s):
        for it in items:
            if _heavy_compound(it) and it.ex.rest_seconds < HEAVY_MIN_REST_S:
                yield (f"{it.where}: {it.ex.reps} reps with {it.ex.rest_seconds} s rest; heavy strength sets "
                       "need 150-300 s")
        if heavy_possible and _heavy_each_day(s) and not any(_heavy_compound(it) for it in items):
            yield _no_heavy_day(s, week, day, items, GoalCategory.strength)
    yield from _heavy_weekly(s, heavy_possible, GoalCategory.strength)


@rule(Rule.power_fit)
def power_fit(s: Subject) -> Iterator[str]:
    if s.request.goal_category is not GoalCategory.power:
        return
    heavy_possible = any(True for _ in _loadable(s))
    explosive_weeks: set[int] = set()
    for week, day, items in _training_days(s):
        for it in items:
            assert it.entry is not None and it.reps is not None
            if _explosive(it) and it.ex.rest_seconds >= EXPLOSIVE_MIN_REST_S:
                explosive_weeks.add(week.week)
            if it.entry.pattern.explosive and it.reps.high > HEAVY_REPS:
                yield f"{it.where}: {it.ex.reps} reps; power work is 1-{HEAVY_REPS} fast reps with full rest"
        if heavy_possible and _heavy_each_day(s) and not any(_heavy_compound(it) or _explosive(it) for it in items):
            yield _no_heavy_day(s, week, day, items, GoalCategory.power)
    yield from _heavy_weekly(s, heavy_possible, GoalCategory.power)
    for week in s.program.weeks:
        if not week.deload and week.week not in explosive_weeks:
            yield (f"week {week.week} has no explosive work (jumps, throws, Olympic-lift variations or sprints in "
                   f"1-{HEAVY_REPS} reps with {EXPLOSIVE_MIN_REST_S} s or more rest), which a power program needs "
                   "every training week")


@rule(Rule.hypertrophy_fit)
def hypertrophy_fit(s: Subject) -> Iterator[str]:
    if s.request.goal_category is not GoalCategory.hypertrophy:
        return
    low, high = HYPERTROPHY_REPS
    working = [it for _, _, items in _training_days(s) for it in items
               if it.entry is not None and it.entry.pattern not in NON_VOLUME_PATTERNS]
    fitting = sum(1 for it in working if it.reps is not None and it.reps.high >= low and it.reps.low <= high
                  and it.rpe is not None and it.rpe >= NEAR_FAILURE_RPE)
    if working and fitting / len(working) < HYPERTROPHY_SHARE:
        yield (f"only {fitting} of {len(working)} working exercises are in 6-15 reps near failure (RPE "
               f"{NEAR_FAILURE_RPE:g} or more); hypertrophy work should mostly be")
