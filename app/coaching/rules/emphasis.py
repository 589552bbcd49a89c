"""Rules about what the person asked to grow and what they care less about (issue 25), read from the
profile itself: an emphasised muscle gets at least the middle of its level's weekly band in a
hypertrophy plan, its low end in a strength or power plan (scaled by days, a third less with
post-viral fatigue) in every week that carries the program's load; a
de-emphasised one no more than that middle and, in a hypertrophy plan, at least a maintenance dose.
The bounds are the rule's own, from policy.py, not the writer's arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from app.coaching.catalogue import trainable
from app.coaching.emphasis import TRUNK_PATTERNS, de_emphasised, emphasised
from app.coaching.kinds import MAJOR_MUSCLES, Muscle
from app.coaching.policy import POST_VIRAL_VOLUME_SHARE, band_middle, emphasis_floor, maintenance
from app.coaching.rules.registry import Rule, Subject, rule
from app.coaching.rules.volume import training_weeks
from app.coaching.rules.walk import Item, muscle_sets
from app.models import GoalCategory


def sets_for(muscle: Muscle, items: list[Item]) -> float:
    """Hard sets a week for a muscle; for the core, the sets of trunk work (planks, carries)."""
    if muscle is Muscle.core:
        return float(sum(it.ex.sets for it in items if it.entry is not None and it.entry.pattern in TRUNK_PATTERNS))
    return muscle_sets(items).get(muscle, 0.0)


def _owed(s: Subject, muscle: Muscle) -> bool:
    return muscle is Muscle.core or trainable(muscle, frozenset(s.constraints.equipment),
                                              frozenset(s.constraints.banned), s.spared)


@rule(Rule.emphasis)
def emphasis(s: Subject) -> Iterator[str]:
    more, less = emphasised(s.request.profile), de_emphasised(s.request.profile)
    if not (more or less):
        return
    level = s.request.fitness_level
    hypertrophy = s.request.goal_category is GoalCategory.hypertrophy
    paced = "post_viral_fatigue" in s.conditions
    middle = band_middle(level)
    band = "the middle of" if hypertrophy else "the low end of"
    for week in training_weeks(s):
        items = s.walk.week(week)
        # The days the week holds (fewer than asked with post-viral fatigue or a young athlete's sport).
        days = min(s.request.days_per_week, len(week.days))
        floor = emphasis_floor(level, days, hypertrophy)
        if paced:
            floor = math.floor(floor * POST_VIRAL_VOLUME_SHARE)  # pacing first: a third less, emphasis too
        keep = maintenance(level, days)
        for muscle in more:
            n = sets_for(muscle, items)
            if n < floor and _owed(s, muscle):
                yield (f"week {week.week}: {n:g} hard sets for the {muscle}, which the person asked to emphasise; "
                       f"at least {floor} a week ({band} the {level.value} band at {days} days)")
        for muscle in less:
            n = sets_for(muscle, items)
            if n > middle:
                yield (f"week {week.week}: {n:g} hard sets for the {muscle}, which the person cares less about; "
                       f"at most {middle:g} a week for a {level.value}")
            elif hypertrophy and muscle in MAJOR_MUSCLES and 0 < n < keep and _owed(s, muscle):
                yield (f"week {week.week}: only {n:g} hard sets for the {muscle}; even de-emphasised it keeps a "
                       f"maintenance dose of {keep} a week")
