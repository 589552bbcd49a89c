"""Rules about the program's shape and each session as a whole: the weeks and days asked for, the sets
a session holds, the exercises a beginner's day holds, and the jump landings a session asks of a body.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.coaching.kinds import Pattern
from app.coaching.policy import (
    BEGINNER_MAX_EXERCISES,
    POST_VIRAL_MAX_DAYS,
    SESSION_LANDINGS,
    SESSION_SETS,
    YOUTH_SPORT_MAX_DAYS,
)
from app.coaching.rules.registry import Rule, Subject, rule, youth_sport
from app.coaching.rules.walk import weekly_sets
from app.models import FitnessLevel


@rule(Rule.shape)
def shape(s: Subject) -> Iterator[str]:
    program, request = s.program, s.request
    if len(program.weeks) != request.duration_weeks:
        yield f"week count {len(program.weeks)}, expected {request.duration_weeks}"
    numbers = [w.week for w in program.weeks]
    if numbers != list(range(1, len(numbers) + 1)):
        yield f"weeks must be numbered 1 to {len(numbers)} in order, got {numbers}"
    days_asked = request.days_per_week
    if "post_viral_fatigue" in s.conditions:
        days_asked = min(days_asked, POST_VIRAL_MAX_DAYS)  # fewer sessions is the point (rule post-viral)
    if youth_sport(s):
        days_asked = min(days_asked, YOUTH_SPORT_MAX_DAYS)  # the sport has the other days (rule youth)
    for week in program.weeks:
        if len(week.days) != days_asked:
            yield f"week {week.week} has {len(week.days)} training days, expected {days_asked}"
        days = [d.day for d in week.days]
        if days != sorted(set(days)):
            yield f"week {week.week}: day numbers must be distinct and increasing, got {days}"
        for day in week.days:
            if not day.name.strip():
                yield f"week {week.week} day {day.day} has no name"


@rule(Rule.session_volume)
def session_volume(s: Subject) -> Iterator[str]:
    level = s.request.fitness_level
    cap = SESSION_SETS[level]
    for week in s.program.weeks:
        for day in week.days:
            sets = weekly_sets(s.walk.of(week, day))
            if sets > cap:
                yield (f"week {week.week} day {day.day} has {sets} sets; a {level.value} session should have at "
                       f"most {cap}")
            if level is FitnessLevel.beginner and len(day.exercises) > BEGINNER_MAX_EXERCISES:
                yield (f"week {week.week} day {day.day} has {len(day.exercises)} exercises; a beginner day should "
                       f"have at most {BEGINNER_MAX_EXERCISES}")


@rule(Rule.landings)
def landings(s: Subject) -> Iterator[str]:
    level = s.request.fitness_level
    cap = SESSION_LANDINGS[level]
    for week in s.program.weeks:
        for day in week.days:
            count = sum(it.ex.sets * it.reps.high * (2 if "side" in str(it.ex.reps) else 1)
                        for it in s.walk.of(week, day)
                        if it.entry is not None and it.entry.pattern is Pattern.jump and it.reps is not None
                        and it.reps.unit == "reps")
            if count > cap:
                yield (f"week {week.week} day {day.day} has {count} jump landings; a {level.value} session should "
                       f"have at most {cap}")
