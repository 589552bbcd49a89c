"""Rules about the program over time: recovery within a week, deload weeks, progression from week to
week, the taper before an event, and aerobic work every week for a weight-loss goal.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from app.coaching.kinds import Load, Movement
from app.coaching.policy import (
    DELOAD_FROM_WEEKS,
    DELOAD_MAX_SHARE,
    IDENTICAL_WEEKS_MAX,
    MAX_HARD_DAYS_IN_A_ROW,
    RECOVERY_RPE,
    TAPER_KEEP_EFFORT,
    TAPER_MAX_SHARE,
)
from app.coaching.rules.registry import Rule, Subject, rule
from app.coaching.rules.walk import Item, is_hard_day, is_recovery_day, mean_effort, top_effort, weekly_sets
from app.coaching.sport import taper_week
from app.models import FitnessLevel


@rule(Rule.recovery)
def recovery(s: Subject) -> Iterator[str]:
    if max((len(w.days) for w in s.program.weeks), default=0) < 7:
        # With fewer days, the rest days fall wherever the person puts them. The program's own days,
        # not the request's: post-viral pacing trains at most three of the seven asked for.
        return
    run = 0
    worst: tuple[int, int, int] | None = None  # run length, week, day where it ended
    for week in s.program.weeks:
        days = [s.walk.of(week, d) for d in week.days]
        if not any(is_recovery_day(items) for items in days):
            yield (f"week {week.week} trains every day with no recovery day (every exercise at RPE "
                   f"{RECOVERY_RPE:g} or easier)")
        for day, items in zip(week.days, days, strict=True):
            run = run + 1 if is_hard_day(items) else 0
            if run > MAX_HARD_DAYS_IN_A_ROW and (worst is None or run > worst[0]):
                worst = (run, week.week, day.day)
    if worst is not None:
        yield (f"{worst[0]} hard days in a row (up to week {worst[1]} day {worst[2]}); at most "
               f"{MAX_HARD_DAYS_IN_A_ROW} before an easy day")


@rule(Rule.deload)
def deload(s: Subject) -> Iterator[str]:
    program, walk, level = s.program, s.walk, s.request.fitness_level
    deloads = [w.week for w in program.weeks if w.deload]
    weeks = len(program.weeks)
    volumes = [weekly_sets(walk.week(w)) for w in program.weeks]
    # Before an event the taper is the planned lighter stretch a deload would otherwise be.
    end = taper_week(s.request.profile, weeks, s.constraints.event is not None)
    tapered = end is not None and bool(volumes) and volumes[end - 1] <= TAPER_MAX_SHARE * max(volumes)
    if weeks >= DELOAD_FROM_WEEKS and level is not FitnessLevel.beginner and not deloads and not tapered:
        yield f"a {weeks}-week program for an {level.value} lifter needs at least one deload week (deload: true)"
    if deloads and weeks < DELOAD_FROM_WEEKS:
        yield (f"a {weeks}-week program has no room for a deload (week {deloads[0]}); deloads belong in programs of "
               f"{DELOAD_FROM_WEEKS} weeks or more")
    if len(deloads) > max(1, weeks // 3):
        yield f"too many deload weeks ({len(deloads)} of {weeks})"
    for n in deloads:
        if n == 1:
            yield "week 1 is a deload; there is no fatigue to shed before the first week"
            continue
        if n - 1 in deloads:
            yield f"weeks {n - 1} and {n} are both deloads; never two in a row"
            continue
        # Against the (up to) three weeks before it: one-day programs alternate two sessions.
        before = [w for w in program.weeks[max(0, n - 4):n - 1] if not w.deload]
        now = walk.week(program.weeks[n - 1])
        usual = sum(weekly_sets(walk.week(w)) for w in before) / len(before)
        prev = walk.week(program.weeks[n - 2])
        if weekly_sets(now) > DELOAD_MAX_SHARE * usual:
            cut = round(100 * (1 - weekly_sets(now) / usual))
            yield (f"week {n} is a deload with {weekly_sets(now)} sets against {usual:g} in the weeks before ({cut}% "
                   "fewer); a deload needs at least 30% fewer")
        if mean_effort(now) >= mean_effort(prev) - 0.5 and top_effort(now) >= top_effort(prev):
            yield f"week {n} is a deload but its effort is no lower than week {n - 1}'s"


def _signature(items: list[Item]) -> tuple[tuple[str, int, str, str], ...]:
    return tuple((it.ex.name.lower(), it.ex.sets, str(it.ex.reps), it.ex.intensity.lower()) for it in items)


@rule(Rule.identical_weeks)
def identical_weeks(s: Subject) -> Iterator[str]:
    run = 1
    for prev, week in itertools.pairwise(s.program.weeks):
        same = (not week.deload and not prev.deload
                and _signature(s.walk.week(week)) == _signature(s.walk.week(prev)))
        run = run + 1 if same else 1
        if run == IDENTICAL_WEEKS_MAX + 1:
            yield (f"weeks {week.week - IDENTICAL_WEEKS_MAX} to {week.week} are identical; progress load, reps or "
                   "sets, or vary the work, at least every other week")


@rule(Rule.taper)
def taper(s: Subject) -> Iterator[str]:
    """The taper ends in the event's week: the last week, or the week of an event's known date."""
    event, walk = s.constraints.event, s.walk
    end = taper_week(s.request.profile, len(s.program.weeks), event is not None)
    if event is None or end is None:
        return
    weeks = s.program.weeks[:end]
    volumes = [weekly_sets(walk.week(w)) for w in weeks]
    peak = max(volumes)
    for week, volume in list(zip(weeks, volumes, strict=True))[-2:]:
        if volume >= peak:
            yield (f"week {week.week} holds the program's peak volume ({volume} sets) right before {event.value}; "
                   "the hardest block comes earlier and the last two weeks before it taper")
    if volumes[-1] > TAPER_MAX_SHARE * peak:
        yield (f"week {end} has {volumes[-1]} sets against a peak of {peak}; a taper before {event.value} cuts "
               "volume by 30-70%")
    peak_week = weeks[volumes.index(peak)]
    kept = top_effort(walk.week(weeks[-1]))
    if kept and kept < top_effort(walk.week(peak_week)) - TAPER_KEEP_EFFORT:
        yield f"week {end} drops intensity as well as volume; a taper keeps the loads heavy"


@rule(Rule.aerobic)
def aerobic(s: Subject) -> Iterator[str]:
    if not s.constraints.weight_loss or Movement.cardio in s.constraints.banned:
        return
    for w in s.program.weeks:
        if not any(it.entry is not None and it.entry.load is Load.cardio for it in s.walk.week(w)):
            yield (f"week {w.week} has no aerobic work (walking, cycling, rowing); a weight-loss goal needs some "
                   "every week")
