"""Code repairs: what code can fix in a model's program without changing the coach's intent, fixed
before the model is asked again, each recorded as a `Fix` (which rule, where, what changed).

- names: every exercise under the catalogue's name ("BB RDL" -> "Romanian deadlift"), so the person
  and the agent hear one name for one exercise;
- doses a level cannot take: sets above the level's maximum per exercise, and more than a few sets
  of the light work that loads an injured area;
- rests outside the range the goal needs: heavy strength sets get at least the rest they need;
- reps an exercise cannot be loaded for: a lift that cannot be loaded heavily, written for fewer
  than 6 reps, gets 6-8;
- a strength or power day without a heavy lift: its first compound the person's equipment can load
  heavily gets 4-6 reps;
- effort above the person's ceiling: "RPE 9" for someone whose ceiling is RPE 8 becomes "RPE 8";
- weekly sets per muscle (repairs_volume.py): nudged by a few sets into the level's band (accessories
  first); a muscle far over its ceiling loses accessories for it, from the week's last day back;
- sessions longer than the person's minutes allow: rests shortened towards the shortest the goal
  allows (heavy sets keep 150 s), the longest first; then, as the built-in writer fits its own,
  supersets, and an exercise whose muscles the day trains elsewhere left out or a set less;
- doses a person cannot do as written (issue 25): one set becomes two (not a test, cardio or
  mobility); Nordic curls and the like written for many reps get a handful; an easy bodyweight move
  for a trained lifter gets the note that makes it hard (a vest, a backpack, a slow lowering);
- the smaller things a coach fixes (issue 25, item 9): repairs_details.py.

Names follow the person's equipment list: "Bodyweight reverse lunge" stays so for someone without
dumbbells, rather than becoming the catalogue's "Dumbbell reverse lunge".

What code cannot fix (an unknown exercise, a banned movement, missing work) is left for the
validator to name and the model to repair. A repair step that would break a rule more often than
before is not kept.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from app.coaching import health
from app.coaching import repairs_details as details
from app.coaching import repairs_volume as volume
from app.coaching.catalogue import LibraryExercise, heavy_with, rules_out
from app.coaching.equipment import listed, written_name
from app.coaching.kinds import NON_VOLUME_PATTERNS, Load, Pattern
from app.coaching.names import lookup
from app.coaching.person import Person
from app.coaching.policy import (
    BEGINNER_MAX_SETS,
    DELOAD_MAX_SHARE,
    EASY_BODYWEIGHT_MIN_REPS,
    GENTLE_MAX_RPE,
    HEAVY_MIN_REST_S,
    HEAVY_REPS,
    INJURED_AREA_MAX_SETS,
    INJURY_MAX_RPE,
    LOAD_MIN_REPS,
    LOW_REPS_MAX,
    MAX_SETS,
    MIN_SETS,
    SESSION_SETS,
    STRENGTH_PATTERNS,
    session_limit_min,
)
from app.coaching.prescription import parse_reps, rpe_of
from app.coaching.repair_types import Fix as Fix  # re-exported: the engines record fixes
from app.coaching.timing import session_minutes
from app.coaching.validator import validate
from app.coaching.writer.fitting import Item as FitItem
from app.coaching.writer.fitting import fit_week, shorten_rests
from app.coaching.writer.profile import read_profile
from app.coaching.writer.splits import Role
from app.coaching.writer.sport import add_missing
from app.models import Exercise, FitnessLevel, GoalCategory, ProgramContent, TrainingWeek

STRENGTH_REST_S = 150  # the low end of the 150-300 s a heavy strength set needs
_RPE = re.compile(r"^\s*RPE\s*(\d+(?:\.\d+)?)(?:\s*(?:-|–|to)\s*(\d+(?:\.\d+)?))?\s*$", re.IGNORECASE)


Repair = Callable[[ProgramContent, Person], list[Fix]]


def _where(week: TrainingWeek, day: int, ex: Exercise) -> str:
    return f"week {week.week} day {day} {ex.name!r}"


def _exercises(program: ProgramContent) -> list[tuple[TrainingWeek, int, Exercise, LibraryExercise | None]]:
    return [(w, d.day, ex, lookup(ex.name)) for w in program.weeks for d in w.days for ex in d.exercises]


def names(program: ProgramContent, person: Person) -> list[Fix]:
    have = listed(person.request.profile)
    fixes = []
    for week, day, ex, entry in _exercises(program):
        if entry is None:
            continue
        name = entry.name if have is None else written_name(entry, have)
        if ex.name != name:
            fixes.append(Fix("name", _where(week, day, ex), f"{ex.name!r} -> {name!r}"))
            ex.name = name
    return fixes


def set_ceiling(program: ProgramContent, person: Person) -> list[Fix]:
    cap = BEGINNER_MAX_SETS if person.request.fitness_level is FitnessLevel.beginner else MAX_SETS
    fixes = []
    for week, day, ex, _ in _exercises(program):
        if ex.sets > cap:
            fixes.append(Fix("dose", _where(week, day, ex), f"{ex.sets} sets -> {cap}"))
            ex.sets = cap
    return fixes


def gentle_sets(program: ProgramContent, person: Person) -> list[Fix]:
    """Work that loads an injured area is a few sets (rule injury-area), however many the model gave."""
    spared = health.spared(person.request.profile)
    if not spared:
        return []
    fixes = []
    for week, day, ex, entry in _exercises(program):
        if entry is not None and entry.stresses & spared and ex.sets > INJURED_AREA_MAX_SETS:
            fixes.append(Fix("injury-area", _where(week, day, ex), f"{ex.sets} sets -> {INJURED_AREA_MAX_SETS}"))
            ex.sets = INJURED_AREA_MAX_SETS
    return fixes


def session_sets(program: ProgramContent, person: Person) -> list[Fix]:
    """A session over its level's set cap loses a set at a time from its biggest exercises after the
    first (the main lift keeps its sets), never below two: a model's 23-set beginner day becomes 20."""
    cap = SESSION_SETS[person.request.fitness_level]
    fixes = []
    for week in program.weeks:
        for day in week.days:
            rest = day.exercises[1:]
            while sum(ex.sets for ex in day.exercises) > cap:
                biggest = max(rest, key=lambda ex: ex.sets, default=None)
                if biggest is None or biggest.sets <= 2:
                    break
                biggest.sets -= 1
                fixes.append(Fix("session-volume", _where(week, day.day, biggest), f"{biggest.sets + 1} sets -> "
                                 f"{biggest.sets}"))
    return fixes


def strength_rests(program: ProgramContent, person: Person) -> list[Fix]:
    if person.request.goal_category is not GoalCategory.strength:
        return []
    fixes = []
    for week, day, ex, entry in _exercises(program):
        reps = parse_reps(ex.reps)
        if (entry is not None and reps is not None and reps.unit == "reps" and reps.high <= HEAVY_REPS
                and entry.compound and entry.pattern in STRENGTH_PATTERNS and not entry.pattern.explosive
                and ex.rest_seconds < HEAVY_MIN_REST_S):
            fixes.append(Fix("strength-fit", _where(week, day, ex), f"rest {ex.rest_seconds} s -> {STRENGTH_REST_S} s"))
            ex.rest_seconds = STRENGTH_REST_S
    return fixes


def loadable_reps(program: ProgramContent, person: Person) -> list[Fix]:
    fixes = []
    for week, day, ex, entry in _exercises(program):
        reps = parse_reps(ex.reps)
        if (entry is None or reps is None or reps.unit != "reps" or reps.low >= LOAD_MIN_REPS
                or entry.pattern in NON_VOLUME_PATTERNS or entry.pattern.explosive
                or heavy_with(entry, person.constraints.equipment)):
            continue
        new = f"{LOAD_MIN_REPS}-{LOAD_MIN_REPS + 2}"
        fixes.append(Fix("load-type", _where(week, day, ex), f"{ex.reps} reps -> {new}"))
        ex.reps = new
    return fixes


HEAVY_DAY_REPS = f"{HEAVY_REPS - 2}-{HEAVY_REPS}"


def _lift(entry: LibraryExercise) -> bool:
    return entry.compound and entry.pattern in STRENGTH_PATTERNS and not entry.pattern.explosive


def heavy_day(program: ProgramContent, person: Person) -> list[Fix]:
    """A strength or power day with no heavy compound lift (rules strength-fit, power-fit): its first
    compound that the person's equipment can load heavily (a dumbbell front squat, a split squat)
    is written for 4-6 reps with a strength rest. The lift the model chose stays; only its dose moves
    to what the goal asked for. A day with nothing loadable is the model's to change."""
    goal = person.request.goal_category
    rules = {"strength-fit", "power-fit"}
    if goal not in (GoalCategory.strength, GoalCategory.power) or not rules & set(_broken(program, person)):
        return []
    c, spared = person.constraints, health.spared(person.request.profile)
    fixes = []
    for week in (w for w in program.weeks if not w.deload):
        for day in week.days:
            found = [(ex, e, parse_reps(ex.reps)) for ex in day.exercises if (e := lookup(ex.name)) is not None]
            if any((_lift(e) and r is not None and r.high <= HEAVY_REPS)
                   or (e.pattern.explosive and goal is GoalCategory.power) for _, e, r in found):
                continue
            for ex, e, r in found:
                if (_lift(e) and r is not None and r.unit == "reps" and heavy_with(e, c.equipment)
                        and not any(rules_out(e, m) for m in c.banned)
                        and not e.stresses & spared):
                    rest = max(ex.rest_seconds, STRENGTH_REST_S)
                    fixes.append(Fix(f"{goal.value}-fit", _where(week, day.day, ex),
                                     f"{ex.reps} reps -> {HEAVY_DAY_REPS}, rest {rest} s"))
                    ex.reps, ex.rest_seconds = HEAVY_DAY_REPS, rest
                    break
    return fixes


def effort_ceiling(program: ProgramContent, person: Person) -> list[Fix]:
    c = person.constraints
    fixes = []
    for week, day, ex, _ in _exercises(program):
        injured = INJURY_MAX_RPE if health.spared(person.request.profile) else None
        caps = [cap for cap in (c.max_rpe, injured, GENTLE_MAX_RPE if week.week <= c.gentle_weeks else None) if cap]
        m = _RPE.match(ex.intensity)
        if not caps or m is None:
            continue  # only a plain "RPE n" is rewritten; anything else is the model's to fix
        cap = min(caps)
        if max(float(v) for v in m.groups() if v) > cap:
            new = f"RPE {cap:g}"
            fixes.append(Fix("effort-cap", _where(week, day, ex), f"{ex.intensity!r} -> {new!r}"))
            ex.intensity = new
    return fixes


ONE_BOUT = frozenset({Pattern.conditioning, Pattern.mobility})
UPPER = frozenset({Pattern.h_push, Pattern.v_push, Pattern.h_pull, Pattern.v_pull, Pattern.triceps, Pattern.biceps,
                   Pattern.delts, Pattern.chest_fly})
HARDER_NOTE = "Make it hard: a weight vest or a loaded backpack, or a slow three-second lowering."


def whole_sets(program: ProgramContent, person: Person) -> list[Fix]:
    fixes = []
    for week, day, ex, entry in _exercises(program):
        if entry is None or ex.sets != 1 or entry.pattern in ONE_BOUT or entry.load is Load.cardio:
            continue
        reps, rpe = parse_reps(ex.reps), rpe_of(ex, entry)
        if reps is not None and reps.high == 1 and rpe is not None and rpe >= 9.5:
            continue  # a test is one set
        fixes.append(Fix("single-set", _where(week, day, ex), f"1 set -> {MIN_SETS}"))
        ex.sets = MIN_SETS
    return fixes


def few_hard_reps(program: ProgramContent, person: Person) -> list[Fix]:
    fixes = []
    for week, day, ex, entry in _exercises(program):
        reps = parse_reps(ex.reps)
        if (entry is None or "low_reps" not in entry.tags or reps is None or reps.unit == "hold"
                or reps.high <= LOW_REPS_MAX):
            continue
        new = f"{LOAD_MIN_REPS}-{LOW_REPS_MAX}" + (" per side" if reps.unit == "per side" else "")
        fixes.append(Fix("low-reps", _where(week, day, ex), f"{ex.reps} reps -> {new}"))
        ex.reps = new
    return fixes


def harder_bodyweight(program: ProgramContent, person: Person) -> list[Fix]:
    if person.request.fitness_level is FitnessLevel.beginner:
        return []
    fixes = []
    for week, day, ex, entry in _exercises(program):
        reps = parse_reps(ex.reps)
        if (entry is None or entry.load is not Load.bodyweight or entry.tier != 1 or entry.pattern not in UPPER
                or reps is None or reps.unit == "hold" or reps.low >= EASY_BODYWEIGHT_MIN_REPS
                or HARDER_NOTE in ex.notes):
            continue
        fixes.append(Fix("bodyweight-fit", _where(week, day, ex), "added how to make it hard"))
        ex.notes = f"{ex.notes} {HARDER_NOTE}".strip()[:300]
    return fixes


HEALTH_WORDS = frozenset({"injury-words", "clinician", "condition-words"})


def health_words(program: ProgramContent, person: Person) -> list[Fix]:
    """The health lines a model left out of the description (the pain rule, a clinician, each
    condition's cue), added in the built-in writer's words: safety is said, not left to a retry."""
    broken = sorted(HEALTH_WORDS & set(_broken(program, person)))
    if not broken:
        return []
    profile = person.request.profile
    lines = [*health.injury_lines(profile), *health.condition_lines(profile)]
    clinician = health.clinician_line(profile)
    if clinician:
        lines.append(clinician)
    added = [line for line in lines if line not in program.description]
    if not added:
        return []
    program.description = (program.description.rstrip() + " " + " ".join(added)).strip()[:2000]
    return [Fix(rule, "description", f"added {len(added)} health line(s)") for rule in broken]



def session_rests(program: ProgramContent, person: Person) -> list[Fix]:
    profile = person.request.profile
    minutes = profile.minutes_per_session if profile is not None else None
    if minutes is None:
        return []
    fixes = []
    for week in program.weeks:
        for day in week.days:
            if session_minutes(day.exercises) <= session_limit_min(minutes):
                continue
            items = [FitItem(Role.main if i == 0 else Role.accessory, lookup(ex.name), ex)
                     for i, ex in enumerate(day.exercises)]
            was = [ex.rest_seconds for ex in day.exercises]
            shorten_rests(items, minutes)
            fixes += [Fix("session-length", _where(week, day.day, ex), f"rest {before} s -> {ex.rest_seconds} s")
                      for ex, before in zip(day.exercises, was, strict=True) if ex.rest_seconds != before]
    return fixes


def _role(i: int, ex: Exercise) -> Role:
    entry = lookup(ex.name)
    if i == 0:
        return Role.main
    return Role.secondary if entry is not None and entry.compound and i == 1 else Role.accessory


def session_fit(program: ProgramContent, person: Person) -> list[Fix]:
    """A session still longer than the person's minutes once rests are short (session_rests) is fitted
    as the built-in writer fits its own (writer/fitting.py): a heavy second lift in 6-8 reps,
    accessories paired in supersets, then an exercise whose muscles another one that day trains left
    out, or a set less, never taking a major muscle under its weekly floor."""
    said = person.request.profile
    minutes = said.minutes_per_session if said is not None else None
    if minutes is None:
        return []
    limit = session_limit_min(minutes)
    writer = read_profile(person.request, person.constraints)
    fixes = []
    for week in program.weeks:
        # A deload fits in a share of the time, so it stays lighter than the fitted weeks around it.
        if all(session_minutes(d.exercises) <= limit * (DELOAD_MAX_SHARE if week.deload else 1.0) for d in week.days):
            continue
        was = {d.day: [e.model_copy() for e in d.exercises] for d in week.days}
        fit_week(writer, week.days, [[_role(i, e) for i, e in enumerate(d.exercises)] for d in week.days],
                 week.deload)
        for day in week.days:
            before, now = was[day.day], {e.name: e for e in day.exercises}
            for ex in before:
                after = now.get(ex.name)
                if after is None:
                    fixes.append(Fix("session-length", _where(week, day.day, ex), f"left out to fit {minutes} minutes"))
                elif after != ex:
                    fixes.append(Fix("session-length", _where(week, day.day, ex),
                                     f"{ex.sets}x{ex.reps}, rest {ex.rest_seconds} s -> {after.sets}x{after.reps}, "
                                     f"rest {after.rest_seconds} s" + (" (superset)" if "Superset" in after.notes
                                                                      and "Superset" not in ex.notes else "")))
    return fixes


def sport_drills(program: ProgramContent, person: Person) -> list[Fix]:
    """A field sport's sprints, cuts, landings or conditioning a model left out of a week, added as
    the built-in writer adds them (writer/sport.py)."""
    if "sport-work" not in _broken(program, person):
        return []
    profile = read_profile(person.request, person.constraints)
    return [Fix("sport-work", f"week {week.week}", f"added {name}")
            for week in program.weeks for name in add_missing(profile, week)]


REPAIRS: tuple[Repair, ...] = (names, set_ceiling, gentle_sets, session_sets, strength_rests, loadable_reps,
                               heavy_day, effort_ceiling, whole_sets, few_hard_reps, harder_bodyweight,
                               volume.far_over, volume.weekly_volume, volume.still_over,
                               session_rests, session_fit, health_words, sport_drills, details.safety_pins,
                               details.warm_ups, details.plain_names, details.moving_percentages)


def _broken(program: ProgramContent, person: Person) -> Counter[str]:
    return Counter(v.rule.value for v in validate(program, person.request, person.constraints))


def repair(program: ProgramContent, person: Person) -> tuple[ProgramContent, list[Fix]]:
    """The program with what code can fix fixed (a copy), and the fixes. A repair step is kept only
    if no rule is broken more often after it than before: code never trades one problem for another."""
    current, fixes = program.model_copy(deep=True), []
    broken = _broken(current, person)
    for step in REPAIRS:
        trial = current.model_copy(deep=True)
        done = step(trial, person)
        if not done:
            continue
        after = _broken(trial, person)
        if all(after[rule] <= broken[rule] for rule in after):
            current, broken = trial, after
            fixes += done
    return current, fixes
