"""Balance work from 65 (ACSM and WHO: balance training for older adults every week): a single-leg
hold on the week's roomiest day, unless the week already has single-leg work that trains balance.

When a beginner's day is over its exercise count and nothing else can leave (one training day a
week, with a sport's drills added), the hold is folded into one of the day's own lifts instead: the
single-leg version of that lift (same pattern, same prime mover) trains balance too and takes no
extra place, as a coach short of time would have it.
"""

from __future__ import annotations

from dataclasses import replace

from app.coaching.catalogue import EXERCISES, LibraryExercise, by_name, tagged
from app.coaching.kinds import Pattern
from app.coaching.names import lookup
from app.coaching.policy import BALANCE_HOLD_SETS, OLDER_ADULT_AGE, SESSION_SETS
from app.coaching.writer.dosing import dose
from app.coaching.writer.gentle import gentle_dose
from app.coaching.writer.periodization import WeekPlan
from app.coaching.writer.profile import Profile
from app.coaching.writer.splits import Role
from app.coaching.writer.wording import clip
from app.models import Exercise, TrainingDay

HOLD = "Single-leg balance hold"
# The lifts that may become their single-leg version: never the day's main lift, nor a sport's work.
FOLDABLE = (Role.accessory, Role.secondary)
# A squat's single-leg version is a lunge or step-up (the same prime mover, one leg at a time).
SINGLE_LEG_OF = {Pattern.squat: (Pattern.squat, Pattern.lunge), Pattern.hinge: (Pattern.hinge,),
                 Pattern.lunge: (Pattern.lunge,)}


def balance_work(profile: Profile, days: list[TrainingDay], roles: list[list[Role]]) -> None:
    """The week's days, in place, with a balance hold when the person is 65 or over and the week has
    no balance work yet."""
    age = profile.constraints.age
    balance = tagged("balance")
    if age is None or age < OLDER_ADULT_AGE or any(ex.name in balance for d in days for ex in d.exercises):
        return
    hold = by_name(HOLD)
    # On the day with the most room; an accessory there gives up sets if the session would pass its cap.
    cap = SESSION_SETS[profile.request.fitness_level]
    day = min(days, key=lambda d: sum(ex.sets for ex in d.exercises))
    while sum(ex.sets for ex in day.exercises) + BALANCE_HOLD_SETS > cap:
        spare = max(day.exercises[1:], key=lambda ex: ex.sets, default=None)
        if spare is None or spare.sets <= 2:
            break
        spare.sets -= 1
    # A sore ankle keeps it, light: standing on one leg is how a physiotherapist retrains an ankle.
    gentle = gentle_dose(hold, profile.filters.spared)
    intensity, lead = ("Easy", "") if gentle is None else gentle[1:]
    day.exercises.append(Exercise(name=hold.name, sets=BALANCE_HOLD_SETS, reps="30s", intensity=intensity,
                                  rest_seconds=30, notes=f"{lead} {hold.cue} Each side.".strip()))
    roles[days.index(day)].append(Role.core)


def fold_hold(profile: Profile, plan: WeekPlan, day: TrainingDay, day_roles: list[Role]) -> bool:
    """The day, in place, with its balance hold traded for the single-leg version of one of its lifts
    (the last one that has an allowed version), dosed as the writer doses it, at the sets the lift
    had. False when the day has no hold or no such lift."""
    names = [ex.name for ex in day.exercises]
    if HOLD not in names:
        return False
    for i in range(len(day.exercises) - 1, -1, -1):
        entry = lookup(day.exercises[i].name)
        if day_roles[i] not in FOLDABLE or entry is None:
            continue
        single = _single_leg(profile, entry)
        if single is None:
            continue
        d = dose(profile, day_roles[i], single, plan, False)
        day.exercises[i] = day.exercises[i].model_copy(update={
            "name": single.name, "reps": d.reps, "intensity": d.intensity, "rest_seconds": d.rest,
            "notes": clip(f"Single-leg, for balance as well as strength: a hand on a wall or rail as needed. "
                          f"{d.note} {single.cue}", 300)})
        at = names.index(HOLD)
        del day.exercises[at], day_roles[at]
        return True
    return False


def _single_leg(profile: Profile, entry: LibraryExercise) -> LibraryExercise | None:
    """The allowed balance-training version of a lift: the same movement, training the lift's prime
    mover, the easiest first. Also entries the writer never picks for a slot of their own (stock =
    false), such as the supported single-leg Romanian deadlift."""
    patterns = SINGLE_LEG_OF.get(entry.pattern, ())
    if not entry.muscles or not patterns or "balance" in entry.tags:
        return None
    flt = replace(profile.filters, heavy_only=False)
    options = [ex for ex in EXERCISES if "balance" in ex.tags and ex.pattern in patterns
               and entry.muscles[0] in ex.muscles and flt.allows(ex)]
    return min(options, key=lambda ex: (ex.tier, ex.pattern is not entry.pattern), default=None)
