"""Lighter weeks without single sets: a deload, a test week or the taper keeps every exercise at two
sets or more (the same exercises as the weeks around it, as a model's block writes them), and only
where that leaves the week too full (a small program whose exercises already have two sets) does an
exercise leave it, isolation work first, until the week is the share lighter its kind needs. A
sport's drills stay (rule sport-work wants them every week)."""

from __future__ import annotations

from app.coaching.kinds import Pattern
from app.coaching.names import lookup
from app.coaching.policy import DELOAD_MAX_SHARE, MIN_SETS, TAPER_MAX_SHARE
from app.coaching.sport import works
from app.coaching.writer.periodization import WeekKind, WeekPlan
from app.models import Exercise, TrainingWeek

MARGIN = 0.98  # a little under the rule's share, so rounding never decides


def _sets(week: TrainingWeek) -> int:
    return sum(e.sets for d in week.days for e in d.exercises)


def _drop_one(week: TrainingWeek, cover: bool = False) -> bool:
    """The last exercise of two sets that is not a day's first, isolation before compound work,
    from the day with the most exercises; with `cover`, never the week's only work for a muscle."""
    options: list[tuple[int, int, int, Exercise]] = []
    entries = [entry for d in week.days for e in d.exercises if (entry := lookup(e.name)) is not None]
    for day in week.days:
        for i, e in enumerate(day.exercises[1:], start=1):
            entry = lookup(e.name)
            if (e.sets <= MIN_SETS and entry is not None and e.reps != 1 and "balance" not in entry.tags
                    and entry.pattern not in (Pattern.conditioning, Pattern.mobility) and not works(entry)
                    and not (cover and any(sum(m in o.muscles for o in entries) < 2 for m in entry.muscles))):
                options.append((len(day.exercises), int(not entry.compound), i, e))
    if not options:
        return False
    *_, worst = max(options, key=lambda o: o[:3])
    for day in week.days:
        if worst in day.exercises:
            day.exercises.remove(worst)
    return True


def lighten(weeks: list[TrainingWeek], plans: list[WeekPlan], taper_end: int | None) -> list[TrainingWeek]:
    """Deloads a third lighter than the weeks before; test weeks and the taper a third under the peak
    (the taper ends in week `taper_end`: the event's, app/coaching/sport.py)."""
    taper = taper_end is not None
    peak = max((_sets(w) for w in weeks), default=0)
    for n, (week, plan) in enumerate(zip(weeks, plans, strict=True)):
        if week.deload:
            before = [w for w in weeks[max(0, n - 3):n] if not w.deload]
            if before:
                usual = sum(_sets(w) for w in before) / len(before)
                while _sets(week) > DELOAD_MAX_SHARE * MARGIN * usual and _drop_one(week):
                    pass
        elif plan.kind is WeekKind.test or (plan.kind is WeekKind.taper and taper):
            while _sets(week) > TAPER_MAX_SHARE * MARGIN * peak and _drop_one(week, cover=True):
                pass
    if taper_end is not None:
        end = weeks[taper_end - 1]
        while _sets(end) > TAPER_MAX_SHARE * MARGIN * peak and _drop_one(end, cover=True):
            pass
    return weeks
