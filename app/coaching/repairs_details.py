"""Code repairs for the smaller things a coach fixes (issue 25, item 9), in a model's program: what
code can add without changing the coach's intent (repairs.py runs them with its own).

- safety: a heavy barbell bench or squat set (RPE 9 or more, or 3 reps or fewer) gets the note to set
  the safety pins or have a spotter;
- warm-ups: a day with no warm-up line gets one, from its first exercise;
- plain names: in a beginner's program, the block words of a coach's jargon ("Accumulation") are said
  for what they mean ("Foundation (learn the lifts, build up the work)");
- moving percentages: in a plan of three blocks or more, a block whose main lifts repeat the
  percentages of the block before moves them a step heavier (2.5%, never above 95%).
"""

from __future__ import annotations

import itertools
import re

from app.coaching.jargon import plain, unexplained
from app.coaching.names import lookup
from app.coaching.person import Person
from app.coaching.policy import BLOCK_STEP_PCT, MOVING_BLOCKS, STRENGTH_PATTERNS, TOP_PCT, WARMUP_WORDS
from app.coaching.prescription import parse_effort
from app.coaching.repair_types import Fix
from app.coaching.safety import PINS_NOTE, names_pins, needs_pins
from app.coaching.warmup import warm_up_line
from app.models import Exercise, FitnessLevel, ProgramContent, TrainingWeek


def safety_pins(program: ProgramContent, person: Person) -> list[Fix]:
    fixes = []
    for week in program.weeks:
        for day in week.days:
            for ex in day.exercises:
                if needs_pins(ex, lookup(ex.name)) and not names_pins(ex.notes):
                    ex.notes = f"{PINS_NOTE} {ex.notes}".strip()[:300]
                    fixes.append(Fix("safety-pins", f"week {week.week} day {day.day} {ex.name!r}",
                                     "added the safety pins or a spotter"))
    return fixes


def warm_ups(program: ProgramContent, person: Person) -> list[Fix]:
    fixes = []
    for week in program.weeks:
        for day in week.days:
            if len(day.warm_up.split()) < WARMUP_WORDS[0] or len(day.warm_up.split()) > WARMUP_WORDS[1]:
                first = day.exercises[0]
                day.warm_up = warm_up_line(first.name, lookup(first.name))
                fixes.append(Fix("warm-up", f"week {week.week} day {day.day}", "added a warm-up line"))
    return fixes


def plain_names(program: ProgramContent, person: Person) -> list[Fix]:
    if person.request.fitness_level is not FitnessLevel.beginner:
        return []
    fixes = []

    def said(where: str, text: str, limit: int) -> str:
        if not unexplained(text) or plain(text) == text:
            return text
        fixes.append(Fix("plain-names", where, "a block's jargon said plainly"))
        return plain(text)[:limit]

    program.name = said("name", program.name, 120)
    program.description = said("description", program.description, 2000)
    for week in program.weeks:
        week.focus = said(f"week {week.week} focus", week.focus, 200)
        for day in week.days:
            day.name = said(f"week {week.week} day {day.day} name", day.name, 120)
    return fixes


_PCT = re.compile(r"(\d{1,3}(?:\.\d+)?)(\s*%)")


def _main_pcts(week: TrainingWeek) -> list[Exercise]:
    out = []
    for day in week.days:
        for ex in day.exercises:
            entry = lookup(ex.name)
            if (entry is not None and entry.compound and entry.pattern in STRENGTH_PATTERNS
                    and not entry.pattern.explosive and parse_effort(ex.intensity).pct is not None):
                out.append(ex)
    return out


def _signature(weeks: list[TrainingWeek]) -> set[tuple[str, str, float | None]]:
    return {(ex.name.lower(), str(ex.reps), parse_effort(ex.intensity).pct) for w in weeks for ex in _main_pcts(w)}


def moving_percentages(program: ProgramContent, person: Person) -> list[Fix]:
    volumes = [sum(ex.sets for d in w.days for ex in d.exercises) for w in program.weeks]
    peak = max(volumes, default=0)
    blocks: list[list[TrainingWeek]] = [[]]
    for week, volume in zip(program.weeks, volumes, strict=True):
        if week.deload:
            blocks.append([])
        elif volume >= 0.7 * peak:
            blocks[-1].append(week)
    blocks = [b for b in blocks if b]
    if len(blocks) < MOVING_BLOCKS:
        return []
    fixes = []
    for before, now in itertools.pairwise(blocks):  # `now` moved on is what the next block is compared with
        if not _signature(now) or _signature(now) != _signature(before):
            continue
        for week in now:
            for ex in _main_pcts(week):
                was = ex.intensity
                ex.intensity = _PCT.sub(lambda m: f"{min(float(m.group(1)) + BLOCK_STEP_PCT, TOP_PCT):g}{m.group(2)}",
                                        ex.intensity)
                if ex.intensity != was:
                    fixes.append(Fix("moving-percentages", f"week {week.week} {ex.name!r}",
                                     f"{was!r} -> {ex.intensity!r}"))
    return fixes
