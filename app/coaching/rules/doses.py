"""Rules about doses a person can do as written (issue 25): nothing for a single set but a test, a
bout of cardio or mobility; bodyweight work that fits the person's level and body mass; and the
hardest bodyweight moves (Nordic curls and the like) in the few reps a person can do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.coaching.kinds import Load, Pattern
from app.coaching.policy import EASY_BODYWEIGHT_MIN_REPS, HARDER, HEAVY_PULL_KG, LOW_REPS_MAX
from app.coaching.rules.registry import Rule, Subject, rule
from app.coaching.rules.walk import is_test
from app.models import FitnessLevel

ONE_BOUT = frozenset({Pattern.conditioning, Pattern.mobility})
# Upper-body bodyweight moves an intermediate or advanced lifter does for many easy reps.
UPPER = frozenset({Pattern.h_push, Pattern.v_push, Pattern.h_pull, Pattern.v_pull, Pattern.triceps, Pattern.biceps,
                   Pattern.delts, Pattern.chest_fly})
MADE_HARDER = re.compile(HARDER, re.IGNORECASE)


@rule(Rule.single_set)
def single_set(s: Subject) -> Iterator[str]:
    for it in s.walk.known():
        if (it.ex.sets == 1 and not is_test(it) and it.entry.pattern not in ONE_BOUT
                and it.entry.load is not Load.cardio):
            yield (f"{it.where}: a single set is not a dose; give it two sets or leave it out of this day "
                   "(only a test is one set)")


@rule(Rule.bodyweight_fit)
def bodyweight_fit(s: Subject) -> Iterator[str]:
    level, kg = s.request.fitness_level, s.request.weight_kg
    for it in s.walk.known():
        e = it.entry
        if level is FitnessLevel.beginner and kg >= HEAVY_PULL_KG and "pull_up" in e.tags:
            yield (f"{it.where}: a pull-up, even band-assisted, lifts most of {kg:g} kg, more than a beginner can; "
                   "use a pulldown, an inverted row or a row")
        elif (level is not FitnessLevel.beginner and e.load is Load.bodyweight and e.tier == 1 and e.pattern in UPPER
              and it.reps is not None and it.reps.unit != "hold" and it.reps.low < EASY_BODYWEIGHT_MIN_REPS
              and not MADE_HARDER.search(f"{it.ex.intensity} {it.ex.notes}")):
            yield (f"{it.where}: {it.ex.reps} reps of an easy bodyweight move is not hard for an {level.value} "
                   f"lifter; load it (a vest, a pack, a band), slow the lowering, or do {EASY_BODYWEIGHT_MIN_REPS} "
                   "reps or more")


@rule(Rule.low_reps)
def low_reps(s: Subject) -> Iterator[str]:
    for it in s.walk.known():
        if "low_reps" in it.entry.tags and it.reps is not None and it.reps.unit != "hold" \
                and it.reps.high > LOW_REPS_MAX:
            yield (f"{it.where}: {it.ex.reps} reps of a move this hard on body weight alone cannot be done as "
                   f"written; at most {LOW_REPS_MAX} controlled reps a set")
