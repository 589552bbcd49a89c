"""Does a program fit the request? A list of human-readable violations; empty means yes.

The rules mirror the coaching rules in prompt.py (and the built-in engine), with some
slack: they catch programs that are wrong, not programs a coach would write differently.
The messages go back to the model in the repair turn and, if that fails too, to the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ValidationError

from app.models import Exercise, FitnessLevel, GenerateRequest, GoalCategory, ProgramContent

MAX_SETS = 10
MAX_REPS = 30
MAX_HOLD_S = 300
HEAVY_REPS = 6  # strength and power: heavy work is 1-6 reps
HEAVY_MIN_REST_S = 120  # the rule says 150-300 s; a little slack
HYPERTROPHY_REPS = (6, 15)
HYPERTROPHY_SHARE = 0.6  # of exercises in 6-15 reps, outside deload weeks
BEGINNER_MAX_SETS = 5
BEGINNER_MAX_EXERCISES = 8
DELOAD_FROM_WEEKS = 6
EXPLOSIVE = re.compile(
    r"jump|hop|bound|throw|toss|slam|clean|snatch|jerk|push press|sprint|plyo|explosive|speed|swing|"
    r"power|dynamic|ballistic|med(icine)? ball|broad|skater", re.IGNORECASE)

_REPS = re.compile(r"^(\d{1,3})(?:-(\d{1,3}))?( ?(s|m|sec|yd|per side))?$")


@dataclass(frozen=True)
class Reps:
    low: int
    high: int
    unit: str  # "reps", "s" (a hold) or "distance"


def parse_reps(reps: int | str) -> Reps | None:
    if isinstance(reps, int):
        return Reps(reps, reps, "reps")
    m = _REPS.match(reps.strip())
    if m is None:
        return None
    low = int(m.group(1))
    high = int(m.group(2) or low)
    unit = (m.group(4) or "").strip()
    kind = "s" if unit in ("s", "sec") else "distance" if unit in ("m", "yd") else "reps"
    return Reps(low, high, kind)


def parse_program(text: str) -> tuple[ProgramContent | None, list[str]]:
    """The model's text as a program, or why it is not one."""
    try:
        return ProgramContent.model_validate_json(text), []
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if any(e["type"] == "json_invalid" for e in errors):
            return None, [f"the output is not valid JSON ({errors[0]['msg']})"]
        return None, [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors]


def check_program(program: ProgramContent, request: GenerateRequest) -> list[str]:
    problems: list[str] = []
    problems += _shape(program, request)
    for week in program.weeks:
        for day in week.days:
            for ex in day.exercises:
                problems += _exercise(f"week {week.week} day {day.day} {ex.name!r}", ex, request)
    problems += _beginner_volume(program, request)
    problems += _goal(program, request)
    problems += _deloads(program, request)
    return problems


def _shape(program: ProgramContent, request: GenerateRequest) -> list[str]:
    problems = []
    if len(program.weeks) != request.duration_weeks:
        problems.append(f"week count {len(program.weeks)}, expected {request.duration_weeks}")
    numbers = [w.week for w in program.weeks]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"weeks must be numbered 1 to {len(numbers)} in order, got {numbers}")
    for week in program.weeks:
        if len(week.days) != request.days_per_week:
            problems.append(f"week {week.week} has {len(week.days)} training days, "
                            f"expected {request.days_per_week}")
        days = [d.day for d in week.days]
        if days != sorted(set(days)):
            problems.append(f"week {week.week}: day numbers must be distinct and increasing, got {days}")
        for day in week.days:
            if not day.name.strip():
                problems.append(f"week {week.week} day {day.day} has no name")
    return problems


def _exercise(where: str, ex: Exercise, request: GenerateRequest) -> list[str]:
    problems = []
    if not ex.name.strip():
        problems.append(f"{where}: the exercise has no name")
    if not ex.intensity.strip():
        problems.append(f"{where}: no intensity (such as 'RPE 8' or '75% 1RM')")
    max_sets = BEGINNER_MAX_SETS if request.fitness_level is FitnessLevel.beginner else MAX_SETS
    if not 1 <= ex.sets <= max_sets:
        problems.append(f"{where}: {ex.sets} sets, expected 1-{max_sets}")
    reps = parse_reps(ex.reps)
    if reps is None:
        problems.append(f"{where}: reps {ex.reps!r} is not a number, a range or a time")
    elif reps.low < 1 or reps.low > reps.high:
        problems.append(f"{where}: reps {ex.reps!r} is not a valid range")
    elif reps.unit == "reps" and reps.high > MAX_REPS:
        problems.append(f"{where}: {ex.reps} reps is more than {MAX_REPS}")
    elif reps.unit == "s" and reps.high > MAX_HOLD_S:
        problems.append(f"{where}: a {ex.reps} hold is longer than {MAX_HOLD_S} s")
    return problems


def _goal(program: ProgramContent, request: GenerateRequest) -> list[str]:
    """Rep ranges that fit the goal, judged on training (non-deload) weeks only."""
    goal = request.goal_category
    problems: list[str] = []
    fitting = total = 0
    for week in (w for w in program.weeks if not w.deload):
        explosive = False
        for day in week.days:
            heavy = False
            for ex in day.exercises:
                reps = parse_reps(ex.reps)
                explosive = explosive or bool(EXPLOSIVE.search(ex.name))
                if reps is None or reps.unit != "reps":
                    continue
                total += 1
                low, high = HYPERTROPHY_REPS
                fitting += int(reps.high >= low and reps.low <= high)
                if reps.high <= HEAVY_REPS:
                    heavy = True
                    if goal is GoalCategory.strength and ex.rest_seconds < HEAVY_MIN_REST_S:
                        problems.append(f"week {week.week} day {day.day} {ex.name!r}: {ex.reps} reps with "
                                        f"{ex.rest_seconds} s rest; heavy strength sets need 150-300 s")
            if goal in (GoalCategory.strength, GoalCategory.power) and not heavy:
                problems.append(f"week {week.week} day {day.day} has no heavy work in 1-{HEAVY_REPS} reps, "
                                f"which a {goal.value} program needs every training day")
        if goal is GoalCategory.power and not explosive:
            problems.append(f"week {week.week} has no explosive work (jumps, throws, Olympic lifts), "
                            "which a power program needs every training week")
    if goal is GoalCategory.hypertrophy and total and fitting / total < HYPERTROPHY_SHARE:
        problems.append(f"only {fitting} of {total} exercises are in the 6-15 rep range; "
                        "hypertrophy work should mostly be 6-15 reps near failure")
    return problems


def _deloads(program: ProgramContent, request: GenerateRequest) -> list[str]:
    deloads = [w.week for w in program.weeks if w.deload]
    weeks = request.duration_weeks
    if weeks >= DELOAD_FROM_WEEKS and request.fitness_level is not FitnessLevel.beginner and not deloads:
        return [f"a {weeks}-week program for an {request.fitness_level.value} lifter needs at least one "
                "deload week (deload: true)"]
    if len(deloads) > max(1, weeks // 3):
        return [f"too many deload weeks ({len(deloads)} of {weeks})"]
    return []


def _beginner_volume(program: ProgramContent, request: GenerateRequest) -> list[str]:
    """Beginners get less volume: a cap on exercises per day."""
    if request.fitness_level is not FitnessLevel.beginner:
        return []
    return [f"week {w.week} day {d.day} has {len(d.exercises)} exercises; a beginner day should have at most "
            f"{BEGINNER_MAX_EXERCISES}"
            for w in program.weeks for d in w.days if len(d.exercises) > BEGINNER_MAX_EXERCISES]


def summarize(violations: list[str], limit: int = 8) -> str:
    """One line for an error message: the first few violations and how many more."""
    shown = "; ".join(violations[:limit])
    more = len(violations) - limit
    return shown + (f"; and {more} more" if more > 0 else "")
