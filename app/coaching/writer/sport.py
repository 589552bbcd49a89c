"""A sport's work in each week: sprints, cuts, landings and conditioning for a field or court sport,
the snatch and the clean and jerk for a weightlifter (what is owed: app/coaching/sport.py).

Speed work opens the day, right after the warm-up, while the legs are fresh; conditioning closes it.
The dose builds through the program in three stages (off- and pre-season), or holds at the middle
one in season, when games and practice carry the load. Lighter weeks carry less of it, never a
single set. To make room, the day's accessories give up sets before the session passes its cap,
and a lift gives one up only while the muscles it trains keep hypertrophy's weekly floor; in the
program's first third a full session starts the drills at their least, so they can build.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

from app.coaching.catalogue import EXERCISES, LibraryExercise, contributions
from app.coaching.kinds import MAJOR_MUSCLES, Movement, Muscle, Pattern
from app.coaching.names import lookup
from app.coaching.policy import BEGINNER_MAX_EXERCISES, MIN_SETS, SESSION_SETS, weekly_floor
from app.coaching.sport import COMPETITION_LIFTS, NO_LANDINGS, Work, field_sport, lift_of, lifts_owed, owed, works
from app.coaching.writer.balance import fold_hold
from app.coaching.writer.dosing import dose
from app.coaching.writer.fitting import Budget, Item, drop_extra, muscle_sets
from app.coaching.writer.periodization import WeekKind, WeekPlan
from app.coaching.writer.profile import Profile
from app.coaching.writer.selection import Filters
from app.coaching.writer.splits import DayTemplate, Role
from app.coaching.writer.wording import clip
from app.models import Exercise, GoalCategory, TrainingDay, TrainingWeek


@dataclass(frozen=True, slots=True)
class Dose:
    sets: tuple[int, int, int]  # by stage: the program's first third, middle, last
    reps: int | str
    intensity: str
    rest: int
    note: str


DOSES = {
    Work.sprint: Dose((3, 4, 5), 1, "Fast, a step below top speed", 120,
                      "Walk back and rest fully between reps."),
    Work.change_of_direction: Dose((3, 4, 4), "2 per side", "Sharp cuts at game speed", 90,
                                   "Cut off each foot in turn."),
    Work.landing: Dose((2, 3, 3), 4, "Controlled: stick each landing for two seconds", 60,
                       "Knees track over the toes, quiet feet."),
    Work.conditioning: Dose((2, 3, 4), "240s", "Hard but repeatable: 15 s fast, 45 s easy", 120,
                            "Each set is four minutes of repeats."),
}
# The stage's top-speed wording: sprints sharpen to all-out as the season nears (no percentages: a
# sprint has no 1RM, and rule percent-1rm reads a percentage as one).
TOP_SPEED = ("Fast, a step below top speed", "Fast, close to top speed", "Maximal effort")
CONTROLLED = "Fast but controlled, RPE 7"  # an effort ceiling (injury, caution, age): never all-out
SPORT_ROLES = (Role.explosive, Role.recovery)  # the sport's drills and conditioning in a day


def sport_week(profile: Profile, plan: WeekPlan, templates: tuple[DayTemplate, ...], days: list[TrainingDay],
               roles: list[list[Role]]) -> None:
    """The week's days, in place, with the sport's work (nothing without a sport that owes it)."""
    training = [i for i, t in enumerate(templates) if t.kind != "recovery"]
    if not training:
        return
    person = profile.request.profile
    if lifts_owed(person, profile.filters.spared):
        _competition_lifts(profile, plan, training, days, roles)
    _place(profile, plan, training, days, roles)


def add_missing(profile: Profile, week: TrainingWeek) -> list[str]:
    """A written week (a model's) with the sport work it lacks added as the writer adds it: a code
    repair for rule sport-work. The names added."""
    days = [d for d in week.days if d.exercises]
    if week.deload or not days:
        return []
    before = {id(e) for d in days for e in d.exercises}
    roles = [[Role.main, *[Role.accessory] * (len(d.exercises) - 1)] for d in days]
    plan = WeekPlan(week.week, WeekKind.load, 0, 0, 1)
    _place(profile, plan, list(range(len(days))), days, roles)
    return [e.name for d in days for e in d.exercises if id(e) not in before]


def _place(profile: Profile, plan: WeekPlan, training: list[int], days: list[TrainingDay],
           roles: list[list[Role]]) -> None:
    # What the week already holds (a power program's sprints and box jumps) is not added twice.
    held = {w for d in days for e in d.exercises if (entry := lookup(e.name)) is not None for w in works(entry)}
    due = owed(profile.request.profile, profile.constraints.banned)
    work = [w for w in due if w not in held]
    placed = dict.fromkeys(training, 0)  # speed work already at the head of each day
    for n, what in enumerate(work):
        i = training[n % len(training)]
        ex = _choice(profile, what, plan.block)
        if ex is None:
            continue
        exercise = _exercise(profile, plan, what, ex, builds=what is due[0])
        if what is Work.conditioning:
            days[i].exercises.append(exercise)
            roles[i].append(Role.recovery)
        else:
            days[i].exercises.insert(placed[i], exercise)
            roles[i].insert(placed[i], Role.explosive)
            placed[i] += 1
        _make_room(profile, plan, days, i, roles[i])


def _filters(profile: Profile) -> Filters:
    # A heavier athlete still sprints and cuts (a rugby forward must): only the hardest landings stay
    # out. Only the weight's own ban is lifted: impact ruled out for another reason (65 or over, a
    # pregnancy, the person's words) stays out.
    banned = set(profile.filters.banned)
    weight_only = Movement.impact not in profile.constraints.banned and not profile.conditions & NO_LANDINGS
    if Movement.impact in banned and profile.heavy and weight_only:
        banned = (banned - {Movement.impact}) | {Movement.high_impact}
    return replace(profile.filters, banned=frozenset(banned), heavy_only=False)


def _choice(profile: Profile, what: Work, block: int) -> LibraryExercise | None:
    """The block's drill for this work: the easiest the level allows first, a new one each block."""
    options = _options(what, _filters(profile))
    return options[block % len(options)] if options else None


# Memoised as selection.ranked is: every week of a program asks again, and the answer depends only on these.
@functools.lru_cache(maxsize=1024)
def _options(what: Work, flt: Filters) -> tuple[LibraryExercise, ...]:
    return tuple(sorted((ex for ex in EXERCISES if what in works(ex) and flt.allows(ex)), key=lambda ex: ex.tier))


def _stage(profile: Profile, plan: WeekPlan) -> int:
    sport = field_sport(profile.request.profile)
    if sport is not None and sport.season == "in":
        return 1  # in season: a maintenance dose, the games do the rest
    return min(2, (plan.number - 1) * 3 // max(1, profile.request.duration_weeks))


def _exercise(profile: Profile, plan: WeekPlan, what: Work, ex: LibraryExercise, builds: bool) -> Exercise:
    d, stage = DOSES[what], _stage(profile, plan)
    sets = d.sets[stage]
    if profile.goal is GoalCategory.hypertrophy:
        # The muscles' sets are the goal: the sport's work at its least, still building.
        sets = MIN_SETS + (stage == 2 and builds)
    intensity = TOP_SPEED[stage] if what is Work.sprint else d.intensity
    if profile.cap(plan) is not None and what is not Work.conditioning:
        intensity = CONTROLLED
    if plan.kind is WeekKind.deload:
        sets, intensity = max(MIN_SETS, sets // 2), "Submaximal, crisp and easy"
    elif plan.kind in (WeekKind.taper, WeekKind.test):
        sets = max(MIN_SETS, round(sets * 0.6))
    reps = f"{d.reps} per side" if ex.unit.name == "per_side" and isinstance(d.reps, int) else d.reps
    sport = field_sport(profile.request.profile)
    why = f"For {sport.name}: " if sport is not None else ""
    return Exercise(name=ex.name, sets=sets, reps=reps, intensity=intensity, rest_seconds=d.rest,
                    notes=clip(f"{why}{d.note} {ex.cue}".strip(), 300))


def _competition_lifts(profile: Profile, plan: WeekPlan, training: list[int], days: list[TrainingDay],
                       roles: list[list[Role]]) -> None:
    """The snatch on the first training day, the clean and jerk on the next, in turn: the competition
    lifts for a lifter who has learnt them, their hang and power versions for a beginner. In a test
    week they are the lifts tested."""
    flt = replace(profile.filters, max_tier=3, heavy_only=False)
    # One training day a week holds both lifts; more alternate them.
    turns = [(i, lift) for i in training for lift in ("snatch", "clean_and_jerk")] if len(training) == 1 else [
        (i, ("snatch", "clean_and_jerk")[n % 2]) for n, i in enumerate(training)]
    for n, (i, lift) in enumerate(turns):
        options = [ex for ex in EXERCISES if lift_of(ex) == lift and flt.allows(ex) and ex.pattern is Pattern.olympic]
        full = profile.level > 0
        options.sort(key=lambda ex: (ex.name not in COMPETITION_LIFTS if full else ex.name in COMPETITION_LIFTS))
        if not options:
            continue
        ex = options[0] if n < 2 or not full else options[(n // 2) % len(options)]
        lead = "Competition lift." if ex.name in COMPETITION_LIFTS else "Weightlifting: learn the lift."
        if plan.kind is WeekKind.test and not ex.testable:  # beside the tests, technique only
            exercise = Exercise(name=ex.name, sets=MIN_SETS, reps=2, intensity="Light and crisp, RPE 6",
                                rest_seconds=120, notes=clip(f"{lead} Test week: technique only. {ex.cue}", 300))
        else:
            d = dose(profile, Role.main, ex, plan, plan.kind is WeekKind.test)
            exercise = Exercise(name=ex.name, sets=min(d.sets, 12), reps=d.reps, intensity=d.intensity,
                                rest_seconds=d.rest, notes=clip(f"{lead} {d.note} {ex.cue}", 300))
        at = n if len(training) == 1 else 0
        days[i].exercises.insert(at, exercise)
        roles[i].insert(at, Role.main)
        _make_room(profile, plan, days, i, roles[i])


def _make_room(profile: Profile, plan: WeekPlan, days: list[TrainingDay], at: int, day_roles: list[Role]) -> None:
    """Day `at` of the week within its sets cap (and a beginner's within its exercise count):
    accessories, trunk work and then secondary lifts give up sets, down to two and never below a
    muscle's weekly floor; then the last accessory whose muscles the day trains elsewhere leaves (or,
    for a beginner's count, the balance hold folds into a lift); last of all the sport's own work
    gives up sets. For a hypertrophy goal the sport's work gives first (the muscles' weekly sets are
    the goal), keeping a set more past the program's first third, so it still builds; in that first
    third it gives first for every goal, down to two sets, leaving room to build later."""
    cap, stage, day = SESSION_SETS[profile.request.fitness_level], _stage(profile, plan), days[at]
    floor = _floor(profile)

    def total() -> int:
        return sum(ex.sets for ex in day.exercises)

    def give(roles: tuple[Role, ...], least: int = MIN_SETS) -> None:
        while total() > cap:
            week = muscle_sets(e for d in days for e in d.exercises) if floor else {}
            options = [i for i, r in enumerate(day_roles) if r in roles and day.exercises[i].sets > least
                       and (r in SPORT_ROLES or _keeps_floor(week, day.exercises[i], floor))]
            if not options:
                return
            day.exercises[max(options, key=lambda i: day.exercises[i].sets)].sets -= 1

    if profile.goal is GoalCategory.hypertrophy or stage == 0:
        # In the program's first third a full session starts the drills at their least, leaving them
        # room to build; for hypertrophy they give first throughout (the muscles' sets are the goal).
        give(SPORT_ROLES, MIN_SETS + (stage > 0))
    give((Role.accessory, Role.core))
    give((Role.secondary,))
    while total() > cap and _drop(day, day_roles):
        pass
    # A beginner's exercise count: an extra exercise leaves, else the balance hold folds into a lift.
    while profile.level == 0 and len(day.exercises) > BEGINNER_MAX_EXERCISES and (
            _drop(day, day_roles) or fold_hold(profile, plan, day, day_roles)):
        pass
    give(SPORT_ROLES)


def _floor(profile: Profile) -> float:
    """Hard sets a week each major muscle keeps while the sport's work makes room: hypertrophy's
    floor, the goal's own (rule weekly-volume checks it); nothing for the other goals."""
    request = profile.request
    if profile.goal is not GoalCategory.hypertrophy or profile.paced:
        return 0.0
    minutes = request.profile.minutes_per_session if request.profile else None
    return float(weekly_floor(request.fitness_level, request.days_per_week, minutes))


def _keeps_floor(week: dict[Muscle, float], ex: Exercise, floor: float) -> bool:
    """Whether one set fewer of this exercise keeps every major muscle it trains at the floor, given
    the week's hard sets per muscle."""
    entry = lookup(ex.name)
    if not floor or entry is None:
        return True
    return all(week.get(m, 0.0) - share >= floor for m, share in contributions(entry) if m in MAJOR_MUSCLES)


def _drop(day: TrainingDay, day_roles: list[Role]) -> bool:
    """The last accessory or trunk exercise whose major muscles another exercise of the day also trains
    (as a session fitted to its minutes drops one); else the goal's own explosive lead, when the
    sport's drills are the day's explosive work."""
    items = [Item(role, lookup(ex.name), ex) for role, ex in zip(day_roles, day.exercises, strict=True)]
    if drop_extra(items, Budget()):
        day.exercises, day_roles[:] = [it.ex for it in items], [it.role for it in items]
        return True
    drills = [i for i, it in enumerate(items) if it.entry is not None and works(it.entry)]
    for i in range(len(day_roles) - 1, -1, -1):
        if drills and day_roles[i] is Role.explosive and i not in drills:
            del day.exercises[i], day_roles[i]
            return True
    return False
