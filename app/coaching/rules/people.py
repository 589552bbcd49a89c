"""Rules about who the person is, beyond what their words ban: under 18, no maximal singles and a
coach watching; from 65, balance work every week and nothing that lands from a height.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.coaching.catalogue import tagged
from app.coaching.kinds import Impact
from app.coaching.policy import OLDER_ADULT_AGE, YOUTH_AGE
from app.coaching.rules.registry import Rule, Subject, rule
from app.coaching.rules.walk import is_test

SUPERVISION = re.compile(r"\b(coach|supervis\w*|trainer|adult)\b", re.IGNORECASE)


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
