"""Rules about each exercise as written: its dose, its effort, whether we know it, whether its load
suits it, and whether this person may do it (bans, equipment, effort ceilings, a gentle start).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from app.coaching.catalogue import EXERCISES, heavy_with, rules_out, usable
from app.coaching.kinds import LOWER_BODY, NON_VOLUME_PATTERNS, Load
from app.coaching.policy import (
    BEGINNER_MAX_SETS,
    GENTLE_MAX_RPE,
    HARD_RPE,
    LOAD_MIN_REPS,
    MAX_CARDIO_S,
    MAX_HOLD_S,
    MAX_REPS,
    MAX_SETS,
    MAX_TESTS_PER_WEEK,
)
from app.coaching.prescription import parse_effort
from app.coaching.rules.registry import Rule, Subject, rule
from app.coaching.rules.walk import is_test
from app.models import FitnessLevel


@rule(Rule.dose)
def dose(s: Subject) -> Iterator[str]:
    max_sets = BEGINNER_MAX_SETS if s.request.fitness_level is FitnessLevel.beginner else MAX_SETS
    for it in s.walk.all():
        ex, reps = it.ex, it.reps
        if not ex.name.strip():
            yield f"{it.where}: the exercise has no name"
        if not ex.intensity.strip():
            yield f"{it.where}: no intensity (such as 'RPE 8' or '75% 1RM')"
        if not 1 <= ex.sets <= max_sets:
            yield f"{it.where}: {ex.sets} sets, expected 1-{max_sets}"
        cardio = it.entry is not None and it.entry.load is Load.cardio
        if reps is None:
            yield f"{it.where}: reps {ex.reps!r} is not a number, a range or a time"
        elif reps.low < 1 or reps.low > reps.high:
            yield f"{it.where}: reps {ex.reps!r} is not a valid range"
        elif reps.unit == "reps" and reps.high > MAX_REPS:
            yield f"{it.where}: {ex.reps} reps is more than {MAX_REPS}"
        elif reps.unit == "s" and reps.high > (MAX_CARDIO_S if cardio else MAX_HOLD_S):
            yield f"{it.where}: a {ex.reps} hold is longer than {MAX_HOLD_S} s"


@rule(Rule.effort_scale)
def effort_scale(s: Subject) -> Iterator[str]:
    for it in s.walk.all():
        effort = parse_effort(it.ex.intensity)
        if effort.rpe is not None and not 1 <= effort.rpe <= 10:
            yield f"{it.where}: RPE {effort.rpe:g} is off the 1-10 scale"
        if effort.pct is not None and effort.pct > 100:
            yield f"{it.where}: {effort.pct:g}% of 1RM is more than a one-rep max"


def _suggest(name: str) -> str:
    close = difflib.get_close_matches(name, [ex.name for ex in EXERCISES], n=3, cutoff=0.4)
    return f" such as {', '.join(repr(n) for n in close)}" if close else ""


@rule(Rule.unknown_exercise)
def unknown_exercise(s: Subject) -> Iterator[str]:
    for it in s.walk.all():
        if it.entry is None:
            yield (f"{it.where}: not an exercise in the lexicon, so nothing can be checked about it; use a known "
                   f"name{_suggest(it.ex.name)}")


@rule(Rule.percent_1rm)
def percent_1rm(s: Subject) -> Iterator[str]:
    for it in s.walk.known():
        if parse_effort(it.ex.intensity).pct is not None and it.entry.load not in (Load.barbell, Load.machine):
            yield (f"{it.where}: a percentage of 1RM on a {it.entry.load} exercise, which has no measurable 1RM; "
                   "use RPE")


@rule(Rule.load_type)
def load_type(s: Subject) -> Iterator[str]:
    for it in s.walk.known():
        entry, reps, effort = it.entry, it.reps, parse_effort(it.ex.intensity)
        working = entry.pattern not in NON_VOLUME_PATTERNS and not entry.pattern.explosive
        heavy = heavy_with(entry, s.constraints.equipment)
        if reps is not None and reps.unit == "reps" and working and not heavy and reps.low < LOAD_MIN_REPS:
            yield (f"{it.where}: {it.ex.reps} reps, but a {entry.load} {entry.name.lower()} cannot be loaded "
                   f"heavily enough for fewer than {LOAD_MIN_REPS} reps; use {LOAD_MIN_REPS} or more, or a lift "
                   "that can be loaded")
        if (entry.load is Load.bodyweight and not entry.heavy and entry.pattern in LOWER_BODY
                and effort.rpe is not None and effort.rpe >= HARD_RPE and reps is not None and reps.unit == "reps"
                and reps.high <= 20):
            yield (f"{it.where}: RPE {effort.rpe:g} on a bodyweight {entry.name.lower()} for {it.ex.reps} reps; "
                   "without added load it is far easier than that")


@rule(Rule.max_test)
def max_test(s: Subject) -> Iterator[str]:
    for it in s.walk.known():
        if is_test(it) and not it.entry.testable:
            yield (f"{it.where}: a maximal single, but 1RM tests belong only on the main lifts (squat, bench "
                   "press, deadlift, overhead press, trap-bar deadlift, power clean)")
    for week in s.program.weeks:
        tests = [it for it in s.walk.week(week) if is_test(it)]
        if len(tests) > MAX_TESTS_PER_WEEK:
            yield f"week {week.week} has {len(tests)} maximal singles; at most {MAX_TESTS_PER_WEEK} 1RM tests a week"


@rule(Rule.banned_movement)
def banned_movement(s: Subject) -> Iterator[str]:
    for it in s.walk.known():
        for ban in s.constraints.bans:
            if rules_out(it.entry, ban.movement):
                verb = "are" if ban.movement.value.endswith("s") else "is"
                yield f"{it.where}: {ban.movement.value} {verb} ruled out ({ban.because})"


@rule(Rule.equipment)
def equipment(s: Subject) -> Iterator[str]:
    if s.request.profile is not None and s.request.profile.equipment:
        return  # the person listed their equipment: `equipment-list` judges every exercise against that list
    have = ", ".join(sorted(s.constraints.equipment))
    for it in s.walk.known():
        if not usable(it.entry, s.constraints.equipment):
            kinds = " or ".join(sorted(it.entry.equipment))
            extra = f" and a {', '.join(sorted(it.entry.needs))}" if it.entry.needs else ""
            yield f"{it.where}: needs a {kinds}{extra}; the person has only: {have}"


@rule(Rule.effort_cap)
def effort_cap(s: Subject) -> Iterator[str]:
    c = s.constraints
    if c.max_rpe is None:
        return
    why = "someone who should check with a doctor first" if c.caution else "training around an injury"
    for it in s.walk.known():
        if it.rpe is not None and it.rpe > c.max_rpe:
            yield f"{it.where}: {it.ex.intensity!r} is above RPE {c.max_rpe:g}, the ceiling for {why}"


@rule(Rule.gentle_start)
def gentle_start(s: Subject) -> Iterator[str]:
    c = s.constraints
    for it in s.walk.known():
        if it.week.week <= c.gentle_weeks and it.rpe is not None and it.rpe > GENTLE_MAX_RPE:
            yield (f"{it.where}: {it.ex.intensity!r} in week {it.week.week}; the first {c.gentle_weeks} weeks "
                   f"start gently, at most RPE {GENTLE_MAX_RPE:g}, with no maximal sprints or tests")
