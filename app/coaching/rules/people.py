"""Rules about who the person is, beyond what their words ban: under 18, no maximal singles, a coach
watching and, beside a sport, lifting that leaves room for it (NSCA youth position); from 65, balance
work every week, nothing that lands from a height, and power as moderate loads moved fast.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from app.coaching.catalogue import tagged
from app.coaching.kinds import Impact
from app.coaching.policy import (
    OLDER_ADULT_AGE,
    OLDER_POWER_MAX_PCT,
    OLDER_POWER_MAX_RPE,
    WEEKLY_SETS,
    YOUTH_AGE,
    YOUTH_SPORT_MAX_DAYS,
    YOUTH_SPORT_VOLUME_SHARE,
)
from app.coaching.prescription import parse_effort
from app.coaching.rules.registry import Rule, Subject, rule, youth_sport
from app.coaching.rules.walk import is_test, muscle_sets

SUPERVISION = re.compile(r"\b(coach|supervis\w*|trainer|adult)\b", re.IGNORECASE)
MAXIMAL = re.compile(r"\b(max|maximal|all[- ]out)\b", re.IGNORECASE)


@rule(Rule.youth)
def youth(s: Subject) -> Iterator[str]:
    age = s.constraints.age
    if age is None or age >= YOUTH_AGE:
        return
    for it in s.walk.known():
        if is_test(it):
            yield f"{it.where}: a maximal single for someone aged {age}; under {YOUTH_AGE}, no 1RM tests"
    if not SUPERVISION.search(s.program.summary):
        yield (f"the summary must say that someone aged {age} learns each lift with a coach watching, technique "
               "first")
    p = s.request.profile
    if p is None or p.sport is None or not youth_sport(s):
        return
    # Beside a sport, lifting supports it: a few sessions, moderate volume (the sport is training too).
    level = s.request.fitness_level
    cap = math.floor(WEEKLY_SETS[level][1] * YOUTH_SPORT_VOLUME_SHARE)
    for week in s.program.weeks:
        if len(week.days) > YOUTH_SPORT_MAX_DAYS:
            yield (f"week {week.week} has {len(week.days)} sessions; beside {p.sport.name} someone aged {age} lifts "
                   f"at most {YOUTH_SPORT_MAX_DAYS} days a week")
        for muscle, n in sorted(muscle_sets(s.walk.week(week)).items()):
            if n > cap:
                yield (f"week {week.week}: {n:g} hard sets for the {muscle}; beside {p.sport.name}, someone aged {age} "
                       f"does at most {cap} a week (a quarter below a {level.value}'s most)")


@rule(Rule.older_adult)
def older_adult(s: Subject) -> Iterator[str]:
    age = s.constraints.age
    if age is None or age < OLDER_ADULT_AGE:
        return
    balance = tagged("balance")
    for week in s.program.weeks:
        if not any(it.ex.name in balance or (it.entry is not None and it.entry.name in balance)
                   for it in s.walk.week(week)):
            yield (f"week {week.week} has no balance work (single-leg work or a balance hold), which everyone "
                   f"aged {OLDER_ADULT_AGE} or over needs every week")
    for it in s.walk.known():
        if it.entry.impact >= Impact.high:
            yield f"{it.where}: lands from a height, which is not for someone aged {age}"
        if it.entry.pattern.explosive:
            pct = parse_effort(it.ex.intensity).pct
            if MAXIMAL.search(it.ex.intensity) or (it.rpe is not None and it.rpe > OLDER_POWER_MAX_RPE) or (
                    pct is not None and pct > OLDER_POWER_MAX_PCT):
                yield (f"{it.where}: {it.ex.intensity!r}; from {OLDER_ADULT_AGE}, power is a moderate load moved fast "
                       f"(at most RPE {OLDER_POWER_MAX_RPE:g} or {OLDER_POWER_MAX_PCT:g}% 1RM), never all-out")
