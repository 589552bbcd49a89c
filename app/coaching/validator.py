"""Does a program fit the request and the person? The validator both engines end at.

`validate` returns a list of `Violation`s, each naming the rule it breaks; empty means the program
may be given to the person. The rules are the coaching rules in rules.py (which the OpenAI prompt
states word for word), checked against the exercise lexicon (library.py) and the constraints read
from the person's words (constraints.py). They have some slack: they catch programs that are
wrong or unsafe, not programs a coach would merely write differently. The messages go back to the
model in the repair turn and, if that fails too, to the user, so each says where, what and why.
"""

from __future__ import annotations

import difflib
import enum
import functools
import itertools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import ValidationError

from app.coaching.catalogue import EXERCISES, LibraryExercise, contributions, heavy_with, rules_out, usable
from app.coaching.kinds import (
    EXPLOSIVE_PATTERNS,
    MAJOR_MUSCLES,
    NON_VOLUME_PATTERNS,
    Equipment,
    Impact,
    Load,
    Movement,
    Muscle,
    Pattern,
)
from app.coaching.names import lookup
from app.coaching.words import GENTLE_MAX_RPE, Constraints, read_constraints
from app.models import Exercise, FitnessLevel, GenerateRequest, GoalCategory, ProgramContent, TrainingDay, TrainingWeek


class Rule(enum.StrEnum):
    shape = "shape"
    dose = "dose"
    effort_scale = "effort-scale"
    unknown_exercise = "unknown-exercise"
    percent_1rm = "percent-1rm"
    load_type = "load-type"
    max_test = "max-test"
    banned_movement = "banned-movement"
    equipment = "equipment"
    effort_cap = "effort-cap"
    gentle_start = "gentle-start"
    session_volume = "session-volume"
    weekly_volume = "weekly-volume"
    muscle_coverage = "muscle-coverage"
    recovery = "recovery"
    strength_fit = "strength-fit"
    power_fit = "power-fit"
    hypertrophy_fit = "hypertrophy-fit"
    landings = "landings"
    deload = "deload"
    identical_weeks = "identical-weeks"
    taper = "taper"
    aerobic = "aerobic"
    summary_length = "summary-length"
    summary_markup = "summary-markup"
    verbatim = "verbatim"
    rpe_explained = "rpe-explained"
    doctor_first = "doctor-first"
    claims = "claims"


# The rules about the program's words (name, description, summary), not its weeks: in the
# stepwise engine those words come from the plan, so no block's repair can fix them.
WORDS_RULES = frozenset({Rule.summary_length, Rule.summary_markup, Rule.verbatim, Rule.rpe_explained,
                         Rule.doctor_first, Rule.claims})


@dataclass(frozen=True, slots=True)
class Violation:
    rule: Rule
    message: str

    def __str__(self) -> str:
        return f"{self.message} [rule: {self.rule}]"


P = Pattern
MAX_SETS = 10
MAX_REPS = 30
MAX_HOLD_S = 300
MAX_CARDIO_S = 999  # a bout of easy cardio: up to the longest time the reps field can hold
HEAVY_REPS = 6  # strength and power: heavy work is 1-6 reps
HEAVY_MIN_REST_S = 120  # the rule says 150-300 s; a little slack
EXPLOSIVE_MIN_REST_S = 90
HYPERTROPHY_REPS = (6, 15)
HYPERTROPHY_SHARE = 0.6  # of working exercises in 6-15 reps near failure, outside deload weeks
NEAR_FAILURE_RPE = 7.0
LOAD_MIN_REPS = 6  # an exercise that cannot be loaded heavily is not done for fewer reps
BEGINNER_MAX_SETS = 5
BEGINNER_MAX_EXERCISES = 8
DELOAD_FROM_WEEKS = 6
DELOAD_MAX_SHARE = 0.7  # a deload has at least 30% fewer sets than the week before it
TAPER_MAX_SHARE = 0.7  # the final week before an event: volume cut by at least 30% from the peak
TAPER_KEEP_EFFORT = 1.5  # ... while the top effort stays within this many RPE points of the peak
MAX_TESTS_PER_WEEK = 3
HARD_RPE = 8.0  # a day with work this hard is a hard day
RECOVERY_RPE = 6.0  # a day with nothing harder is a recovery day
MAX_HARD_DAYS_IN_A_ROW = 4
# Hard sets per muscle per week (indirect work counts half), by level: (low, high).
WEEKLY_SETS = {FitnessLevel.beginner: (4, 12), FitnessLevel.intermediate: (8, 20), FitnessLevel.advanced: (10, 25)}
SESSION_SETS = {FitnessLevel.beginner: 20, FitnessLevel.intermediate: 28, FitnessLevel.advanced: 32}
SESSION_LANDINGS = {FitnessLevel.beginner: 40, FitnessLevel.intermediate: 60, FitnessLevel.advanced: 80}
SUMMARY_WORDS = 60
VERBATIM_WORDS = 5  # this many of the person's words in a row, read back, is reading them back
STRENGTH_PATTERNS = frozenset({P.squat, P.hinge, P.h_push, P.h_pull, P.v_push, P.v_pull, P.lunge, P.olympic})

_REPS = re.compile(r"^(\d{1,3})(?:-(\d{1,3}))?( ?(s|m|sec|yd|per side))?$")


@dataclass(frozen=True)
class Reps:
    low: int
    high: int
    unit: str  # "reps", "s" (a hold) or "distance"


def parse_reps(reps: int | str) -> Reps | None:
    if isinstance(reps, int):
        return Reps(reps, reps, "reps")
    return _parse_reps_text(reps)


# The parsers below are pure functions of short strings that repeat across a program's weeks
# (a 16x4 program has ~400 prescriptions and a few dozen distinct strings), and their results are
# frozen: cached, a program is checked without re-running a regex per exercise.
@functools.lru_cache(maxsize=4096)
def _parse_reps_text(reps: str) -> Reps | None:
    m = _REPS.match(reps.strip())
    if m is None:
        return None
    low = int(m.group(1))
    high = int(m.group(2) or low)
    unit = (m.group(4) or "").strip()
    kind = "s" if unit in ("s", "sec") else "distance" if unit in ("m", "yd") else "reps"
    return Reps(low, high, kind)


# ---------------------------------------------------------------- effort

_RPE = re.compile(r"\bRPE\s*@?\s*(\d+(?:\.\d+)?)(?:\s*(?:-|–|to)\s*(\d+(?:\.\d+)?))?", re.IGNORECASE)
_RIR = re.compile(r"(\d+)(?:\s*(?:-|–|to)\s*(\d+))?\s*(?:RIR|reps? in reserve)", re.IGNORECASE)
_PCT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%\s*)?(?:(?:-|–|to)\s*(\d+(?:\.\d+)?))?\s*%", re.IGNORECASE)
_MAXIMAL = re.compile(r"\b(max(imal|imum)? (effort|sprint|speed|single|attempt|lift)|all[- ]out|flat[- ]out|"
                      r"1 ?RM test|test (a|your) (1 ?RM|max)|true max|as (hard|fast) as (you )?(possibly )?can|"
                      r"as hard as possible|to failure)\b", re.IGNORECASE)
_MAX_WORD = re.compile(r"\bmax", re.IGNORECASE)
_EASY = re.compile(r"\b(easy|light|gentle|conversational|relaxed|pain-free|recovery pace)\b", re.IGNORECASE)
EASY_RPE = 4.0  # "easy, conversational pace" and the like, when no number is given
# Reps possible at a share of 1RM (NSCA's table), to turn "%1RM for N reps" into an effort.
_REPS_AT_PCT = ((100, 1), (95, 2), (93, 3), (90, 4), (87, 5), (85, 6), (83, 7), (80, 8), (77, 9), (75, 10),
                (70, 11), (67, 12), (65, 15), (60, 20), (0, 40))


@dataclass(frozen=True, slots=True)
class Effort:
    rpe: float | None  # the highest RPE stated (RIR turned into RPE)
    pct: float | None  # the highest share of a 1RM stated, in percent
    maximal: bool  # all-out: a max sprint, a max single, to failure


@functools.lru_cache(maxsize=4096)
def parse_effort(intensity: str) -> Effort:
    values = [float(v) for m in _RPE.finditer(intensity) for v in m.groups() if v]
    values += [10.0 - float(v) for m in _RIR.finditer(intensity) for v in m.groups()[:1] if v]
    pcts = [float(v) for m in _PCT.finditer(intensity) for v in m.groups() if v]
    return Effort(max(values) if values else None, max(pcts) if pcts else None, bool(_MAXIMAL.search(intensity)))


def reps_possible(pct: float) -> float:
    for (hi_pct, hi_reps), (lo_pct, lo_reps) in itertools.pairwise(_REPS_AT_PCT):
        if pct >= lo_pct:
            return lo_reps + (hi_reps - lo_reps) * (pct - lo_pct) / (hi_pct - lo_pct)
    return 40.0


def rpe_of(ex: Exercise, entry: LibraryExercise | None) -> float | None:
    """How hard a set is, on the RPE scale, from whatever the intensity states; None if it says nothing."""
    e = parse_effort(ex.intensity)
    reps = parse_reps(ex.reps)
    if e.maximal or (entry is not None and entry.pattern is P.sprint and _MAX_WORD.search(ex.intensity)
                     and e.rpe is None):
        return 10.0
    if e.rpe is not None:
        return e.rpe
    if _EASY.search(ex.intensity):
        return EASY_RPE
    if e.pct is not None and reps is not None and reps.unit == "reps":
        return max(1.0, 10.0 - max(0.0, reps_possible(min(e.pct, 100.0)) - reps.high))
    return None


# ---------------------------------------------------------------- walking a program


@dataclass(frozen=True, slots=True)
class Item:
    week: TrainingWeek
    day: TrainingDay
    ex: Exercise
    entry: LibraryExercise | None
    reps: Reps | None
    rpe: float | None

    @property
    def where(self) -> str:
        return f"week {self.week.week} day {self.day.day} {self.ex.name!r}"


def _items(day: TrainingDay, week: TrainingWeek) -> list[Item]:
    out = []
    for ex in day.exercises:
        entry = lookup(ex.name)
        out.append(Item(week, day, ex, entry, parse_reps(ex.reps), rpe_of(ex, entry)))
    return out


@dataclass
class Walk:
    days: dict[tuple[int, int], list[Item]]

    def of(self, week: TrainingWeek, day: TrainingDay) -> list[Item]:
        return self.days[(week.week, day.day)]

    def week(self, week: TrainingWeek) -> list[Item]:
        return [it for day in week.days for it in self.of(week, day)]

    def all(self) -> Iterator[Item]:
        for items in self.days.values():
            yield from items


def _walk(program: ProgramContent) -> Walk:
    return Walk({(w.week, d.day): _items(d, w) for w in program.weeks for d in w.days})


def is_recovery_day(items: list[Item]) -> bool:
    return all(it.rpe is not None and it.rpe <= RECOVERY_RPE for it in items)


def is_hard_day(items: list[Item]) -> bool:
    return any(it.rpe is not None and it.rpe >= HARD_RPE for it in items)


def weekly_sets(items: list[Item]) -> int:
    return sum(it.ex.sets for it in items)


def muscle_sets(items: list[Item]) -> dict[Muscle, float]:
    """Hard sets per muscle: the prime mover's count whole, the other main muscles' half."""
    sets: dict[Muscle, float] = {}
    for it in items:
        for muscle, share in contributions(it.entry) if it.entry is not None else ():
            sets[muscle] = sets.get(muscle, 0.0) + it.ex.sets * share
    return sets


def top_effort(items: list[Item]) -> float:
    known = [it.rpe for it in items if it.rpe is not None and (it.entry is None or not it.entry.pattern.explosive)]
    return max(known, default=0.0)


def mean_effort(items: list[Item]) -> float:
    known = [(it.rpe, it.ex.sets) for it in items if it.rpe is not None]
    total = sum(s for _, s in known)
    return sum(r * s for r, s in known) / total if total else 0.0


# ---------------------------------------------------------------- the validator


def validate(program: ProgramContent, request: GenerateRequest,
             constraints: Constraints | None = None) -> list[Violation]:
    """Every rule the program breaks for this request and person; empty means it may be given."""
    c = read_constraints(request) if constraints is None else constraints
    walk = _walk(program)
    out: list[Violation] = []
    out += _shape(program, request)
    for it in walk.all():
        out += _exercise(it, request, c)
    out += _sessions(program, walk, request)
    out += _weekly_volume(program, walk, request, c)
    out += _recovery(program, walk, request)
    out += _goal(program, walk, request, c)
    out += _deloads(program, walk, request, c)
    out += _identical(program, walk)
    out += _taper(program, walk, c)
    out += _aerobic(program, walk, c)
    out += _words(program, walk, request, c)
    return out


def check_program(program: ProgramContent, request: GenerateRequest,
                  constraints: Constraints | None = None) -> list[str]:
    """The violations as text, each ending with the rule it breaks."""
    return [str(v) for v in validate(program, request, constraints)]


def parse_program(text: str) -> tuple[ProgramContent | None, list[str]]:
    """The model's text as a program, or why it is not one."""
    try:
        return ProgramContent.model_validate_json(text), []
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if any(e["type"] == "json_invalid" for e in errors):
            return None, [f"the output is not valid JSON ({errors[0]['msg']})"]
        return None, [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors]


def summarize(violations: list[str], limit: int = 8) -> str:
    """One line for an error message: the first few violations and how many more."""
    shown = "; ".join(violations[:limit])
    more = len(violations) - limit
    return shown + (f"; and {more} more" if more > 0 else "")


def _v(rule: Rule, message: str) -> Violation:
    return Violation(rule, message)


def _shape(program: ProgramContent, request: GenerateRequest) -> list[Violation]:
    out = []
    if len(program.weeks) != request.duration_weeks:
        out.append(_v(Rule.shape, f"week count {len(program.weeks)}, expected {request.duration_weeks}"))
    numbers = [w.week for w in program.weeks]
    if numbers != list(range(1, len(numbers) + 1)):
        out.append(_v(Rule.shape, f"weeks must be numbered 1 to {len(numbers)} in order, got {numbers}"))
    for week in program.weeks:
        if len(week.days) != request.days_per_week:
            out.append(_v(Rule.shape, f"week {week.week} has {len(week.days)} training days, "
                                      f"expected {request.days_per_week}"))
        days = [d.day for d in week.days]
        if days != sorted(set(days)):
            out.append(_v(Rule.shape, f"week {week.week}: day numbers must be distinct and increasing, got {days}"))
        for day in week.days:
            if not day.name.strip():
                out.append(_v(Rule.shape, f"week {week.week} day {day.day} has no name"))
    return out


def _suggest(name: str) -> str:
    names = [ex.name for ex in EXERCISES]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.4)
    return f" such as {', '.join(repr(n) for n in close)}" if close else ""


def _exercise(it: Item, request: GenerateRequest, c: Constraints) -> list[Violation]:
    ex, out = it.ex, []
    if not ex.name.strip():
        out.append(_v(Rule.dose, f"{it.where}: the exercise has no name"))
    if not ex.intensity.strip():
        out.append(_v(Rule.dose, f"{it.where}: no intensity (such as 'RPE 8' or '75% 1RM')"))
    max_sets = BEGINNER_MAX_SETS if request.fitness_level is FitnessLevel.beginner else MAX_SETS
    if not 1 <= ex.sets <= max_sets:
        out.append(_v(Rule.dose, f"{it.where}: {ex.sets} sets, expected 1-{max_sets}"))
    entry, reps = it.entry, it.reps
    cardio = entry is not None and entry.load is Load.cardio
    if reps is None:
        out.append(_v(Rule.dose, f"{it.where}: reps {ex.reps!r} is not a number, a range or a time"))
    elif reps.low < 1 or reps.low > reps.high:
        out.append(_v(Rule.dose, f"{it.where}: reps {ex.reps!r} is not a valid range"))
    elif reps.unit == "reps" and reps.high > MAX_REPS:
        out.append(_v(Rule.dose, f"{it.where}: {ex.reps} reps is more than {MAX_REPS}"))
    elif reps.unit == "s" and reps.high > (MAX_CARDIO_S if cardio else MAX_HOLD_S):
        out.append(_v(Rule.dose, f"{it.where}: a {ex.reps} hold is longer than {MAX_HOLD_S} s"))
    effort = parse_effort(ex.intensity)
    if effort.rpe is not None and not 1 <= effort.rpe <= 10:
        out.append(_v(Rule.effort_scale, f"{it.where}: RPE {effort.rpe:g} is off the 1-10 scale"))
    if effort.pct is not None and effort.pct > 100:
        out.append(_v(Rule.effort_scale, f"{it.where}: {effort.pct:g}% of 1RM is more than a one-rep max"))
    if entry is None:
        out.append(_v(Rule.unknown_exercise, f"{it.where}: not an exercise in the lexicon, so nothing can be checked "
                                             f"about it; use a known name{_suggest(ex.name)}"))
        return out
    out += _load_type(it, entry, effort, c)
    out += _person(it, entry, c)
    return out


def _load_type(it: Item, entry: LibraryExercise, effort: Effort, c: Constraints) -> list[Violation]:
    out, reps = [], it.reps
    if effort.pct is not None and entry.load not in (Load.barbell, Load.machine):
        out.append(_v(Rule.percent_1rm, f"{it.where}: a percentage of 1RM on a {entry.load} exercise, which has no "
                                        "measurable 1RM; use RPE"))
    working = entry.pattern not in NON_VOLUME_PATTERNS and not entry.pattern.explosive
    heavy = heavy_with(entry, c.equipment)
    if reps is not None and reps.unit == "reps" and working and not heavy and reps.low < LOAD_MIN_REPS:
        out.append(_v(Rule.load_type, f"{it.where}: {it.ex.reps} reps, but a {entry.load} {entry.name.lower()} "
                                      f"cannot be loaded heavily enough for fewer than {LOAD_MIN_REPS} reps; use "
                                      f"{LOAD_MIN_REPS} or more, or a lift that can be loaded"))
    lower = entry.pattern in (P.squat, P.lunge, P.hinge, P.glutes, P.calves, P.quads)
    if (entry.load is Load.bodyweight and not entry.heavy and lower and effort.rpe is not None
            and effort.rpe >= HARD_RPE and reps is not None and reps.unit == "reps" and reps.high <= 20):
        out.append(_v(Rule.load_type, f"{it.where}: RPE {effort.rpe:g} on a bodyweight {entry.name.lower()} for "
                                      f"{it.ex.reps} reps; without added load it is far easier than that"))
    if _is_test(it) and not entry.testable:
        out.append(_v(Rule.max_test, f"{it.where}: a maximal single, but 1RM tests belong only on the main lifts "
                                     "(squat, bench press, deadlift, overhead press, trap-bar deadlift, power clean)"))
    return out


def _is_test(it: Item) -> bool:
    """A 1RM test: one all-out rep of a lift (a sprint or a jump is one fast rep, not a test)."""
    return (it.entry is not None and it.reps is not None and it.reps.unit == "reps" and it.reps.high == 1
            and not it.entry.pattern.explosive and it.rpe is not None and it.rpe >= 9.5)


def _person(it: Item, entry: LibraryExercise, c: Constraints) -> list[Violation]:
    out: list[Violation] = []
    for ban in c.bans:
        if rules_out(entry, ban.movement):
            out.append(_v(Rule.banned_movement, f"{it.where}: {ban.movement.value} are ruled out ({ban.because})"
                       if ban.movement.value.endswith("s") else
                       f"{it.where}: {ban.movement.value} is ruled out ({ban.because})"))
    if not usable(entry, c.equipment):
        kinds = " or ".join(sorted(entry.equipment))
        extra = f" and a {', '.join(sorted(entry.needs))}" if entry.needs else ""
        have = ", ".join(sorted(c.equipment))
        out.append(_v(Rule.equipment, f"{it.where}: needs a {kinds}{extra}; the person has only: {have}"))
    cap = c.max_rpe
    if cap is not None and it.rpe is not None and it.rpe > cap:
        why = "someone who should check with a doctor first" if c.caution else "training around an injury"
        out.append(_v(Rule.effort_cap, f"{it.where}: {it.ex.intensity!r} is above RPE {cap:g}, the ceiling for {why}"))
    if it.week.week <= c.gentle_weeks and it.rpe is not None and it.rpe > GENTLE_MAX_RPE:
        out.append(_v(Rule.gentle_start, f"{it.where}: {it.ex.intensity!r} in week {it.week.week}; the first "
                                         f"{c.gentle_weeks} weeks start gently, at most RPE {GENTLE_MAX_RPE:g}, "
                                         "with no maximal sprints or tests"))
    return out


def _sessions(program: ProgramContent, walk: Walk, request: GenerateRequest) -> list[Violation]:
    out = []
    cap = SESSION_SETS[request.fitness_level]
    landing_cap = SESSION_LANDINGS[request.fitness_level]
    for week in program.weeks:
        tests = [it for it in walk.week(week) if _is_test(it)]
        if len(tests) > MAX_TESTS_PER_WEEK:
            out.append(_v(Rule.max_test, f"week {week.week} has {len(tests)} maximal singles; at most "
                                         f"{MAX_TESTS_PER_WEEK} 1RM tests a week"))
        for day in week.days:
            items = walk.of(week, day)
            sets = weekly_sets(items)
            if sets > cap:
                out.append(_v(Rule.session_volume, f"week {week.week} day {day.day} has {sets} sets; a "
                                                   f"{request.fitness_level.value} session should have at most {cap}"))
            if request.fitness_level is FitnessLevel.beginner and len(day.exercises) > BEGINNER_MAX_EXERCISES:
                out.append(_v(Rule.session_volume,
                f"week {week.week} day {day.day} has {len(day.exercises)} exercises; "
                                                   f"a beginner day should have at most {BEGINNER_MAX_EXERCISES}"))
            landings = sum(it.ex.sets * it.reps.high * (2 if "side" in str(it.ex.reps) else 1) for it in items
                           if it.entry is not None and it.entry.pattern is P.jump and it.reps is not None
                           and it.reps.unit == "reps")
            if landings > landing_cap:
                out.append(_v(Rule.landings, f"week {week.week} day {day.day} has {landings} jump landings; a "
                                             f"{request.fitness_level.value} session should have at most "
                                             f"{landing_cap}"))
    return out


def _training_weeks(program: ProgramContent, walk: Walk) -> list[TrainingWeek]:
    """Weeks that carry the program's load: not deloads, tapers or easy starts (under 70% of peak sets)."""
    volumes = {w.week: weekly_sets(walk.week(w)) for w in program.weeks}
    peak = max(volumes.values(), default=0)
    return [w for w in program.weeks if not w.deload and volumes[w.week] >= 0.7 * peak]


def _weekly_volume(program: ProgramContent, walk: Walk, request: GenerateRequest,
                   c: Constraints) -> list[Violation]:
    out: list[Violation] = []
    high = WEEKLY_SETS[request.fitness_level][1]
    floor = weekly_floor(request.fitness_level, request.days_per_week)
    training = {w.week for w in _training_weeks(program, walk)}
    known: dict[Muscle, bool] = {}  # _trainable walks the whole lexicon: once per muscle, not per week

    def trainable(muscle: Muscle) -> bool:
        if muscle not in known:
            known[muscle] = _trainable(muscle, c)
        return known[muscle]

    for week in program.weeks:
        items = walk.week(week)
        sets = muscle_sets(items)
        for muscle, n in sorted(sets.items()):
            if n > high:
                out.append(_v(Rule.weekly_volume, f"week {week.week}: {n:g} hard sets for the {muscle}; at most "
                                                  f"{high} a week for an {request.fitness_level.value} lifter"
                                                  if request.fitness_level is not FitnessLevel.beginner else
                                                  f"week {week.week}: {n:g} hard sets for the {muscle}; at most "
                                                  f"{high} a week for a beginner"))
        if week.deload or week.week not in training:
            continue
        trained = {m for it in items if it.entry is not None for m in it.entry.muscles}
        for muscle in MAJOR_MUSCLES:
            if muscle not in trained and trainable(muscle):
                out.append(_v(Rule.muscle_coverage, f"week {week.week} does not train the {muscle} at all; every "
                                                    "major muscle needs some work each week"))
            elif (request.goal_category is GoalCategory.hypertrophy and sets.get(muscle, 0.0) < floor
                  and trainable(muscle)):
                out.append(_v(Rule.weekly_volume, f"week {week.week}: only {sets.get(muscle, 0.0):g} hard sets for "
                                                  f"the {muscle}; hypertrophy needs at least {floor:g} a week at "
                                                  f"{request.days_per_week} days"))
    return out


def weekly_floor(level: FitnessLevel, days: int) -> int:
    """Hard sets a week each major muscle needs for hypertrophy. Few sessions cannot reach the full
    band for every muscle: the floor scales with days, up to three."""
    return math.floor(WEEKLY_SETS[level][0] * min(1.0, days / 3))


def _trainable(muscle: Muscle, c: Constraints) -> bool:
    """Is any allowed exercise left for this muscle? If the person ruled them all out, nothing is owed."""
    return any(muscle in ex.muscles and ex.pattern not in NON_VOLUME_PATTERNS and usable(ex, c.equipment)
               and not any(rules_out(ex, m) for m in c.banned) for ex in EXERCISES)


def _recovery(program: ProgramContent, walk: Walk, request: GenerateRequest) -> list[Violation]:
    if request.days_per_week < 7:
        return []  # with fewer days, the rest days fall wherever the person puts them
    out: list[Violation] = []
    run = 0
    worst: tuple[int, int, int] | None = None  # run length, week, day where it ended
    for week in program.weeks:
        days = [walk.of(week, d) for d in week.days]
        if not any(is_recovery_day(items) for items in days):
            out.append(_v(Rule.recovery, f"week {week.week} trains every day with no recovery day (every exercise "
                                         f"at RPE {RECOVERY_RPE:g} or easier)"))
        for day, items in zip(week.days, days, strict=True):
            run = run + 1 if is_hard_day(items) else 0
            if run > MAX_HARD_DAYS_IN_A_ROW and (worst is None or run > worst[0]):
                worst = (run, week.week, day.day)
    if worst is not None:
        out.append(_v(Rule.recovery, f"{worst[0]} hard days in a row (up to week {worst[1]} day {worst[2]}); at most "
                                     f"{MAX_HARD_DAYS_IN_A_ROW} before an easy day"))
    return out


def _heavy_possible(c: Constraints) -> bool:
    return any(heavy_with(ex, c.equipment) and ex.compound and ex.pattern in STRENGTH_PATTERNS
               and usable(ex, c.equipment)
               and not any(rules_out(ex, m) for m in c.banned) for ex in EXERCISES)


def _goal(program: ProgramContent, walk: Walk, request: GenerateRequest, c: Constraints) -> list[Violation]:
    """Goal fit by pattern: what the work is, not what it is called. Judged on non-deload weeks."""
    goal, out = request.goal_category, []
    fitting = total = 0
    heavy_possible = _heavy_possible(c)
    for week in (w for w in program.weeks if not w.deload):
        explosive = False
        for day in week.days:
            items = walk.of(week, day)
            if is_recovery_day(items):
                continue
            heavy = False
            for it in items:
                entry, reps = it.entry, it.reps
                if entry is None or reps is None or reps.unit != "reps":
                    continue
                if entry.pattern.explosive and reps.high <= HEAVY_REPS and it.ex.rest_seconds >= EXPLOSIVE_MIN_REST_S:
                    explosive = True
                if goal is GoalCategory.power and entry.pattern.explosive and reps.high > HEAVY_REPS:
                    out.append(_v(Rule.power_fit, f"{it.where}: {it.ex.reps} reps; power work is 1-{HEAVY_REPS} "
                                                  "fast reps with full rest"))
                compound_heavy = (entry.compound and entry.pattern in STRENGTH_PATTERNS and reps.high <= HEAVY_REPS
                                  and not entry.pattern.explosive)
                if compound_heavy:
                    heavy = True
                    if goal is GoalCategory.strength and it.ex.rest_seconds < HEAVY_MIN_REST_S:
                        out.append(_v(Rule.strength_fit, f"{it.where}: {it.ex.reps} reps with {it.ex.rest_seconds} s "
                                                         "rest; heavy strength sets need 150-300 s"))
                if goal is GoalCategory.power and entry.pattern.explosive and reps.high <= HEAVY_REPS:
                    heavy = True
                if entry.pattern not in NON_VOLUME_PATTERNS:
                    total += 1
                    low, high = HYPERTROPHY_REPS
                    near = it.rpe is not None and it.rpe >= NEAR_FAILURE_RPE
                    fitting += int(reps.high >= low and reps.low <= high and near)
            if goal in (GoalCategory.strength, GoalCategory.power) and not heavy and heavy_possible:
                rule = Rule.strength_fit if goal is GoalCategory.strength else Rule.power_fit
                out.append(_v(rule, f"week {week.week} day {day.day} has no heavy compound lift in 1-{HEAVY_REPS} reps "
                                    f"(isolation work such as curls does not count), which a {goal.value} program "
                                    "needs every training day"))
        if goal is GoalCategory.power and not explosive:
            out.append(_v(Rule.power_fit, f"week {week.week} has no explosive work (jumps, throws, Olympic-lift "
                                          f"variations or sprints in 1-{HEAVY_REPS} reps with {EXPLOSIVE_MIN_REST_S} s "
                                          "or more rest), which a power program needs every training week"))
    if goal is GoalCategory.hypertrophy and total and fitting / total < HYPERTROPHY_SHARE:
        out.append(_v(Rule.hypertrophy_fit, f"only {fitting} of {total} working exercises are in 6-15 reps near "
                                            f"failure (RPE {NEAR_FAILURE_RPE:g} or more); hypertrophy work should "
                                            "mostly be"))
    return out


def _deloads(program: ProgramContent, walk: Walk, request: GenerateRequest, c: Constraints) -> list[Violation]:
    out: list[Violation] = []
    deloads = [w.week for w in program.weeks if w.deload]
    weeks = len(program.weeks)
    volumes = [weekly_sets(walk.week(w)) for w in program.weeks]
    # Before an event the taper is the planned lighter stretch a deload would otherwise be.
    tapered = c.event is not None and bool(volumes) and volumes[-1] <= TAPER_MAX_SHARE * max(volumes)
    if (weeks >= DELOAD_FROM_WEEKS and request.fitness_level is not FitnessLevel.beginner and not deloads
            and not tapered):
        out.append(_v(Rule.deload, f"a {weeks}-week program for an {request.fitness_level.value} lifter needs at least "
                                   "one deload week (deload: true)"))
    if deloads and weeks < DELOAD_FROM_WEEKS:
        out.append(_v(Rule.deload, f"a {weeks}-week program has no room for a deload (week {deloads[0]}); deloads "
                                   f"belong in programs of {DELOAD_FROM_WEEKS} weeks or more"))
    if len(deloads) > max(1, weeks // 3):
        out.append(_v(Rule.deload, f"too many deload weeks ({len(deloads)} of {weeks})"))
    for n in deloads:
        if n == 1:
            out.append(_v(Rule.deload, "week 1 is a deload; there is no fatigue to shed before the first week"))
            continue
        if n - 1 in deloads:
            out.append(_v(Rule.deload, f"weeks {n - 1} and {n} are both deloads; never two in a row"))
            continue
        # Against the (up to) three weeks before it: one-day programs alternate two sessions.
        before = [w for w in program.weeks[max(0, n - 4):n - 1] if not w.deload]
        now = walk.week(program.weeks[n - 1])
        usual = sum(weekly_sets(walk.week(w)) for w in before) / len(before)
        prev = walk.week(program.weeks[n - 2])
        if weekly_sets(now) > DELOAD_MAX_SHARE * usual:
            cut = round(100 * (1 - weekly_sets(now) / usual))
            out.append(_v(Rule.deload, f"week {n} is a deload with {weekly_sets(now)} sets against {usual:g} in the "
                                       f"weeks before ({cut}% fewer); a deload needs at least 30% fewer"))
        if mean_effort(now) >= mean_effort(prev) - 0.5 and top_effort(now) >= top_effort(prev):
            out.append(_v(Rule.deload, f"week {n} is a deload but its effort is no lower than week {n - 1}'s"))
    return out


def _signature(items: list[Item]) -> tuple[tuple[str, int, str, str], ...]:
    return tuple((it.ex.name.lower(), it.ex.sets, str(it.ex.reps), it.ex.intensity.lower()) for it in items)


def _identical(program: ProgramContent, walk: Walk) -> list[Violation]:
    out, run = [], 1
    weeks = program.weeks
    for prev, week in itertools.pairwise(weeks):
        same = (not week.deload and not prev.deload and _signature(walk.week(week)) == _signature(walk.week(prev)))
        run = run + 1 if same else 1
        if run == 3:
            out.append(_v(Rule.identical_weeks, f"weeks {week.week - 2} to {week.week} are identical; progress load, "
                                                "reps or sets, or vary the work, at least every other week"))
    return out


def _taper(program: ProgramContent, walk: Walk, c: Constraints) -> list[Violation]:
    if c.event is None or len(program.weeks) < 3:
        return []
    volumes = [weekly_sets(walk.week(w)) for w in program.weeks]
    peak = max(volumes)
    out = []
    for week, volume in list(zip(program.weeks, volumes, strict=True))[-2:]:
        if volume >= peak:
            out.append(_v(Rule.taper, f"week {week.week} holds the program's peak volume ({volume} sets) right before "
                                      f"{c.event.value}; the hardest block comes earlier and the last two weeks taper"))
    if volumes[-1] > TAPER_MAX_SHARE * peak:
        out.append(_v(Rule.taper, f"the final week has {volumes[-1]} sets against a peak of {peak}; a taper before "
                                  f"{c.event.value} cuts volume by 30-70%"))
    peak_week = program.weeks[volumes.index(peak)]
    kept = top_effort(walk.week(program.weeks[-1]))
    if kept and kept < top_effort(walk.week(peak_week)) - TAPER_KEEP_EFFORT:
        out.append(_v(Rule.taper, "the final week drops intensity as well as volume; a taper keeps the loads heavy"))
    return out


def _aerobic(program: ProgramContent, walk: Walk, c: Constraints) -> list[Violation]:
    if not c.weight_loss or Movement.cardio in c.banned:
        return []
    return [_v(Rule.aerobic, f"week {w.week} has no aerobic work (walking, cycling, rowing); a weight-loss goal "
                             "needs some every week")
            for w in program.weeks
            if not any(it.entry is not None and it.entry.load is Load.cardio for it in walk.week(w))]


# ---------------------------------------------------------------- words

MARKUP = re.compile(r"[*_#`\[\]<>|~{}]|^\s*[-•]\s|^\s*\d+[.)]\s|\n", re.MULTILINE)
RPE_EXPLAINED = re.compile(r"one to ten|1 to 10|1-10|out of ten|out of 10|scale of", re.IGNORECASE)
DOCTOR = re.compile(r"\b(doctor|clinician|physician|GP|midwife|obstetrician)\b", re.IGNORECASE)


def _words_of(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def _read_back(raw: str, text: str) -> str | None:
    """The first run of the person's words repeated in text, if any."""
    theirs, ours = _words_of(raw), " " + " ".join(_words_of(text)) + " "
    for i in range(len(theirs) - VERBATIM_WORDS + 1):
        run = " ".join(theirs[i:i + VERBATIM_WORDS])
        if f" {run} " in ours:
            return run
    return None


def _claims(program: ProgramContent, walk: Walk) -> list[tuple[str, str, bool]]:
    """(claim pattern, what it claims, whether the weeks bear it out)."""
    entries = [it.entry for it in walk.all() if it.entry is not None]
    volumes = [weekly_sets(walk.week(w)) for w in program.weeks]
    deloads = {w.week for w in program.weeks if w.deload}  # a deload day is easy, not a recovery day
    return [
        (r"low[- ]impact", "low-impact work", all(e.impact <= Impact.low for e in entries)),
        (r"knee[- ]friendly|spar\w* (your |the )?knees|easy on (your |the )?knees",
         "knee-friendly work", not any(rules_out(e, Movement.knee_stress) for e in entries)),
        (r"back[- ]friendly|spine[- ]friendly|spar\w* (your |the )?(lower )?back|easy on (your |the )?back",
         "back-friendly work", not any(rules_out(e, Movement.axial_loading) or e.flexion for e in entries)),
        (r"shoulder[- ]friendly|spar\w* (your |the )?shoulders?", "shoulder-friendly work",
         not any(rules_out(e, Movement.shoulder_stress) for e in entries)),
        # Claims about the weeks, not advice beside them ("add cardio on rest days" claims nothing).
        (r"\b(includes?|with|plus|ends? with) (\w+ ){0,3}(cardio|aerobic)", "aerobic work",
         any(e.load is Load.cardio for e in entries)),
        (r"\bdeload weeks?\b", "a deload", any(w.deload for w in program.weeks)),
        (r"\btaper", "a taper", len(volumes) > 1 and volumes[-1] < max(volumes)),
        (r"no (jumps|jumping)", "no jumps", not any(e.pattern is P.jump for e in entries)),
        (r"\bactive recovery days?\b", "a recovery day",
         any(is_recovery_day(items) for (w, _), items in walk.days.items() if w not in deloads)),
        (r"(only|just) dumbbells|dumbbells only", "dumbbells only",
         all(usable(e, {Equipment.dumbbell, Equipment.bodyweight, Equipment.bench}) for e in entries)),
        (r"\bsprints?\b", "sprints", any(e.pattern is P.sprint for e in entries)),
    ]


def _words(program: ProgramContent, walk: Walk, request: GenerateRequest, c: Constraints) -> list[Violation]:
    out: list[Violation] = []
    summary = program.summary
    if len(summary.split()) > SUMMARY_WORDS:
        out.append(_v(Rule.summary_length, f"the summary has {len(summary.split())} words; a spoken summary has at "
                                           f"most {SUMMARY_WORDS}"))
    if MARKUP.search(summary):
        out.append(_v(Rule.summary_markup, "the summary contains markup or a list; it is read aloud, so plain "
                                           "sentences only"))
    for field, text in (("summary", summary), ("description", program.description), ("name", program.name)):
        run = _read_back(request.goal_raw, text)
        if run is not None:
            out.append(_v(Rule.verbatim, f"the {field} reads the person's words back ({run!r}); say what the program "
                                         "does for them in your own words"))
    uses_rpe = any("rpe" in it.ex.intensity.lower() for it in walk.all())
    if request.fitness_level is FitnessLevel.beginner and uses_rpe and not RPE_EXPLAINED.search(summary):
        out.append(_v(Rule.rpe_explained, "a beginner's summary must say once, in plain words, what the effort "
                                          "scale means (for example: effort from one to ten, where ten means no "
                                          "rep left)"))
    if c.caution and not DOCTOR.search(summary):
        why = ", ".join(p.value for p in c.populations)
        out.append(_v(Rule.doctor_first, f"the summary must say plainly to check with a doctor first ({why})"))
    text = f"{program.name} {program.description} {summary}"
    for rx, claim, true in _claims(program, walk):
        denied = rf"\b(no|not|without|leaves? out|avoids?|never|nor)\W+(\w+\W+){{0,3}}(?:{rx})"
        if not true and re.search(rx, text, re.IGNORECASE) and not re.search(denied, text, re.IGNORECASE):
            out.append(_v(Rule.claims, f"the text claims {claim}, but the weeks do not contain it"))
    return out


__all__ = ["EXPLOSIVE_PATTERNS", "Effort", "Reps", "Rule", "Violation", "check_program", "parse_effort",
           "parse_program", "parse_reps", "rpe_of", "summarize", "validate"]
