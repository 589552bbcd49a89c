"""Rules about weekly volume per muscle: no muscle over its level's ceiling, every major muscle trained
every training week, and (for hypertrophy) each at least at its floor.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from app.coaching.catalogue import trainable
from app.coaching.emphasis import de_emphasised
from app.coaching.kinds import MAJOR_MUSCLES, Muscle
from app.coaching.policy import POWER_FLOOR_SHARE, WEEKLY_SETS, band_floor, maintenance, weekly_floor
from app.coaching.rules.registry import Rule, Subject, rule
from app.coaching.rules.walk import muscle_sets, weekly_sets
from app.models import FitnessLevel, GoalCategory, TrainingWeek


def training_weeks(s: Subject) -> list[TrainingWeek]:
    """Weeks that carry the program's load: not deloads, tapers or easy starts (under 70% of peak sets)."""
    volumes = {w.week: weekly_sets(s.walk.week(w)) for w in s.program.weeks}
    peak = max(volumes.values(), default=0)
    return [w for w in s.program.weeks if not w.deload and volumes[w.week] >= 0.7 * peak]


def _trainable(s: Subject, muscle: Muscle) -> bool:
    return trainable(muscle, frozenset(s.constraints.equipment), frozenset(s.constraints.banned), s.spared)


@rule(Rule.weekly_volume)
def weekly_volume(s: Subject) -> Iterator[str]:
    level, days = s.request.fitness_level, s.request.days_per_week
    high = WEEKLY_SETS[level][1]
    who = "a beginner" if level is FitnessLevel.beginner else f"an {level.value} lifter"
    training = {w.week for w in training_weeks(s)}
    floor = weekly_floor(level, days, s.request.profile.minutes_per_session if s.request.profile else None)
    if "post_viral_fatigue" in s.conditions:
        floor = 0  # pacing comes first (rule post-viral): symptoms, not a hypertrophy floor, set the dose
    # A muscle the person cares less about owes only a maintenance dose (rule emphasis checks it).
    less = dict.fromkeys(de_emphasised(s.request.profile), min(floor, maintenance(level, days)))
    for week in s.program.weeks:
        sets = muscle_sets(s.walk.week(week))
        for muscle, n in sorted(sets.items()):
            if n > high:
                yield f"week {week.week}: {n:g} hard sets for the {muscle}; at most {high} a week for {who}"
        if s.request.goal_category is not GoalCategory.hypertrophy or week.deload or week.week not in training:
            continue
        trained = {m for it in s.walk.week(week) if it.entry is not None for m in it.entry.muscles}
        for muscle in MAJOR_MUSCLES:
            owed = less.get(muscle, floor)
            if muscle in trained and sets.get(muscle, 0.0) < owed and _trainable(s, muscle):
                yield (f"week {week.week}: only {sets.get(muscle, 0.0):g} hard sets for the {muscle}; hypertrophy "
                       f"needs at least {owed:g} a week at {days} days")


@rule(Rule.muscle_band)
def muscle_band(s: Subject) -> Iterator[str]:
    """Strength and power plans too keep every major muscle inside its level's band: the heavy lifts fill
    the sessions, and without a floor the chest (one press a day at most) fell below it in most weeks.
    Hypertrophy's floor is rule weekly-volume's."""
    if s.request.goal_category is GoalCategory.hypertrophy or "post_viral_fatigue" in s.conditions:
        return  # post-viral pacing: symptoms, not a floor, set the dose (rule post-viral)
    level, days = s.request.fitness_level, s.request.days_per_week
    minutes = s.request.profile.minutes_per_session if s.request.profile else None
    floor = band_floor(level, days, minutes, s.request.goal_category)
    if s.request.profile is not None and s.request.profile.sport is not None and s.request.goal_category is not \
            GoalCategory.power:
        # A sport's sprints, cuts and conditioning fill the sessions as a power plan's explosive work
        # does, and count no hard sets either: the same half floor.
        floor = math.floor(floor * POWER_FLOOR_SHARE)
    less = dict.fromkeys(de_emphasised(s.request.profile), min(floor, maintenance(level, days)))
    weeks = s.program.weeks
    volumes = [weekly_sets(s.walk.week(w)) for w in weeks]
    # A final week lighter than the one before is a test or a taper: its work is the test or the event.
    last = weeks[-1].week if len(weeks) >= 3 and volumes[-1] < volumes[-2] else None
    for week in training_weeks(s):
        if week.week == last:
            continue
        items = s.walk.week(week)
        sets = muscle_sets(items)
        trained = {m for it in items if it.entry is not None for m in it.entry.muscles}
        # In a power plan a muscle its explosive work moves first (the chest of a plyometric push-up) is
        # trained by it, though no hard set is counted: a full session of jumps owes no extra sets.
        fast = {it.entry.muscles[0] for it in items if it.entry is not None and it.entry.pattern.explosive
                and it.entry.muscles} if s.request.goal_category is GoalCategory.power else set()
        band = f"{level.value} band {WEEKLY_SETS[level][0]}-{WEEKLY_SETS[level][1]}"
        for muscle in MAJOR_MUSCLES:
            owed = less.get(muscle, floor)
            if muscle in trained and muscle not in fast and sets.get(muscle, 0.0) < owed and _trainable(s, muscle):
                yield (f"week {week.week}: only {sets.get(muscle, 0.0):g} hard sets for the {muscle}; every major "
                       f"muscle gets at least {owed:g} a week at {days} days ({band}), in a "
                       f"{s.request.goal_category.value} plan too")


@rule(Rule.muscle_coverage)
def muscle_coverage(s: Subject) -> Iterator[str]:
    for week in training_weeks(s):
        trained = {m for it in s.walk.week(week) if it.entry is not None for m in it.entry.muscles}
        for muscle in MAJOR_MUSCLES:
            if muscle not in trained and _trainable(s, muscle):
                yield (f"week {week.week} does not train the {muscle} at all; every major muscle needs some work "
                       "each week")
