"""Rules about a sport: a field or court sport's sprints, cuts, landings and conditioning every week,
building towards the season; a weightlifter's snatch and clean and jerk every week, and the test
week testing those. What is owed comes from app/coaching/sport.py; what the program holds is read
here from its own exercises, by catalogue entry and tag, whoever wrote it.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.coaching.rules.registry import Rule, Subject, rule
from app.coaching.rules.walk import Item, is_test
from app.coaching.sport import COMPETITION_LIFTS, field_sport, lift_of, lifts_owed, owed, works

# The sport's work must grow by at least this many sets from the first week to the heaviest later one.
BUILD_MIN_SETS = 1
BUILD_FROM_WEEKS = 4
HEAVY_SINGLE_RPE = 9.0


def _sport_sets(items: list[Item]) -> int:
    return sum(it.ex.sets for it in items if it.entry is not None and works(it.entry))


@rule(Rule.sport_work)
def sport_work(s: Subject) -> Iterator[str]:
    profile = s.request.profile
    work = owed(profile, s.constraints.banned)
    sport = field_sport(profile)
    if not work or sport is None:
        return
    weeks = [w for w in s.program.weeks if not w.deload]
    for week in weeks:
        found = {w for it in s.walk.week(week) if it.entry is not None for w in works(it.entry)}
        missing = [w.value for w in work if w not in found]
        if missing:
            yield (f"week {week.week} has no {', '.join(missing)}; a {sport.name} player needs "
                   f"{', '.join(w.value for w in work)} every week")
    if sport.season == "in" or len(s.program.weeks) < BUILD_FROM_WEEKS or not weeks:
        return
    first = _sport_sets(s.walk.week(weeks[0]))
    later = [_sport_sets(s.walk.week(w)) for w in weeks if w.week > len(s.program.weeks) // 3]
    if later and max(later) < first + BUILD_MIN_SETS:
        yield (f"the {sport.name} work never grows past week {weeks[0].week}'s {first} sets; before the season it "
               "builds (more sprints, cuts and intervals later on)")


def _heavy_single(it: Item) -> bool:
    """A heavy single of a lift (RPE 9 or more): what a test week works up to."""
    return (it.entry is not None and not it.entry.pattern.explosive and it.reps is not None
            and it.reps.unit == "reps" and it.reps.high == 1 and it.rpe is not None and it.rpe >= HEAVY_SINGLE_RPE)


@rule(Rule.weightlifting)
def weightlifting(s: Subject) -> Iterator[str]:
    if not lifts_owed(s.request.profile, s.spared):
        return
    for week in s.program.weeks:
        items = s.walk.week(week)
        lifts = {lift_of(it.entry) for it in items if it.entry is not None}
        if not week.deload:
            for lift, said in (("snatch", "snatch"), ("clean_and_jerk", "clean and jerk")):
                if lift not in lifts:
                    yield (f"week {week.week} has no {said}, nor a derivative of it; a weightlifter trains the snatch "
                           "and the clean and jerk every week")
        for it in items:
            if is_test(it) or _heavy_single(it):
                yield (f"{it.where}: a weightlifter's test is of the {' and the '.join(COMPETITION_LIFTS).lower()}, "
                       f"not the {it.ex.name.lower()}")
