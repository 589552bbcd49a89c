"""Code repairs of weekly sets per muscle (rules weekly-volume, muscle-band), in a model's program.

- nudged: a muscle a few sets outside its level's band gets a few sets more or fewer (accessories
  lose sets first, never below two; its own exercises gain them, up to the level's per-exercise cap);
- fewer accessories: a muscle farther over its ceiling than a nudge reaches (a beginner's six days
  with a lateral raise on four of them; before the nudge), or still over it after the nudge, loses
  sets of its isolation work down to two, then whole isolation exercises for it, from the week's
  last day back, until it is inside the band. Its compound lifts stay: what the day is built on is
  the model's choice.

Both work week by week, so weeks written alike are repaired alike.
"""

from __future__ import annotations

from app.coaching.catalogue import contributions
from app.coaching.kinds import MAJOR_MUSCLES, NON_VOLUME_PATTERNS, Muscle
from app.coaching.names import lookup
from app.coaching.person import Person
from app.coaching.policy import BEGINNER_MAX_SETS, MAX_SETS, MIN_SETS, WEEKLY_SETS, band_floor
from app.coaching.repair_types import Fix
from app.models import FitnessLevel, ProgramContent, TrainingWeek

NUDGE_MAX_SETS = 4  # a weekly-volume nudge moves an exercise by at most this many sets


def _where(week: TrainingWeek, day: int, name: str) -> str:
    return f"week {week.week} day {day} {name!r}"


def muscle_sets(week: TrainingWeek) -> dict[Muscle, float]:
    sets: dict[Muscle, float] = {}
    for day in week.days:
        for ex in day.exercises:
            entry = lookup(ex.name)
            for muscle, share in contributions(entry) if entry is not None else ():
                sets[muscle] = sets.get(muscle, 0.0) + ex.sets * share
    return sets


def weekly_volume(program: ProgramContent, person: Person) -> list[Fix]:
    """A muscle a few sets outside its band is nudged in: over the ceiling, its accessories lose sets
    first; under its floor (every goal's, in a loading week), its own exercises gain some (at most
    NUDGE_MAX_SETS each, and at most twice that for the muscle). Farther off is the model's."""
    request = person.request
    minutes = request.profile.minutes_per_session if request.profile is not None else None
    low = band_floor(request.fitness_level, request.days_per_week, minutes, request.goal_category)
    volumes = [sum(ex.sets for d in w.days for ex in d.exercises) for w in program.weeks]
    peak = max(volumes, default=0)
    high = WEEKLY_SETS[request.fitness_level][1]
    max_sets = BEGINNER_MAX_SETS if request.fitness_level is FitnessLevel.beginner else MAX_SETS
    fixes: list[Fix] = []
    for k, week in enumerate(program.weeks):
        sets = muscle_sets(week)
        items = [(d.day, ex, e) for d in week.days for ex in d.exercises if (e := lookup(ex.name)) is not None]
        for muscle, n in sets.items():
            if high < n <= high + 2 * NUDGE_MAX_SETS:
                # Accessories of this muscle first (isolation, most sets), never below two sets.
                for day, ex, entry in sorted(items, key=lambda t: (t[2].compound, -t[1].sets)):
                    share = dict(contributions(entry)).get(muscle, 0.0)
                    cut = min(NUDGE_MAX_SETS, ex.sets - 2)
                    was = ex.sets
                    while share and cut > 0 and n > high:
                        ex.sets, n, cut = ex.sets - 1, n - share, cut - 1
                    if ex.sets != was:
                        fixes.append(Fix("weekly-volume", _where(week, day, ex.name),
                                         f"{was} sets -> {ex.sets} (the {muscle} over {high} a week)"))
        # The floor is every goal's (rules weekly-volume, muscle-band), in the weeks that carry the load:
        # not a deload, a taper or a test week.
        lighter = volumes[k] < 0.7 * peak or (k == len(volumes) - 1 and k >= 2 and volumes[k] < volumes[k - 1])
        if week.deload or lighter:
            continue
        sets = muscle_sets(week)
        for muscle in MAJOR_MUSCLES:
            n = sets.get(muscle, 0.0)
            if 0 < n < low and low - n <= 2 * NUDGE_MAX_SETS:
                for day, ex, entry in items:
                    if entry.muscles[:1] == (muscle,) and entry.pattern not in NON_VOLUME_PATTERNS:
                        add, was = min(NUDGE_MAX_SETS, max_sets - ex.sets), ex.sets
                        while add > 0 and n < low:
                            ex.sets, n, add = ex.sets + 1, n + 1, add - 1
                        if ex.sets != was:
                            fixes.append(Fix("weekly-volume", _where(week, day, ex.name),
                                             f"{was} sets -> {ex.sets} (the {muscle} under {low} a week)"))
    return fixes


def far_over(program: ProgramContent, person: Person) -> list[Fix]:
    """Before the nudge: a muscle farther over its ceiling than a nudge reaches."""
    return _fewer_accessories(program, person, 2 * NUDGE_MAX_SETS)


def still_over(program: ProgramContent, person: Person) -> list[Fix]:
    """After the nudge: a muscle it left over its ceiling, every exercise for it already cut."""
    return _fewer_accessories(program, person, 0)


def _fewer_accessories(program: ProgramContent, person: Person, beyond: float) -> list[Fix]:
    high = WEEKLY_SETS[person.request.fitness_level][1]
    fixes: list[Fix] = []
    for week in program.weeks:
        for muscle, n in muscle_sets(week).items():
            if n <= high + beyond:
                continue
            # This muscle's isolation work, from the week's last day back.
            mine = [(day, ex) for day in reversed(week.days) for ex in reversed(day.exercises)
                    if (e := lookup(ex.name)) is not None and not e.compound
                    and contributions(e)[:1] == ((muscle, 1.0),)]
            for day, ex in mine:
                if n > high and ex.sets > MIN_SETS:
                    cut = min(ex.sets - MIN_SETS, int(n - high + 0.999))
                    fixes.append(Fix("weekly-volume", _where(week, day.day, ex.name),
                                     f"{ex.sets} sets -> {ex.sets - cut} (the {muscle} over {high} a week)"))
                    ex.sets, n = ex.sets - cut, n - cut
            for day, ex in mine:
                if n > high and len(day.exercises) > 1:
                    fixes.append(Fix("weekly-volume", _where(week, day.day, ex.name),
                                     f"left out (the {muscle} over {high} a week)"))
                    day.exercises.remove(ex)
                    n -= ex.sets
    return fixes
