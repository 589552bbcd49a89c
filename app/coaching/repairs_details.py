"""Code repairs for the smaller things a coach fixes (issue 25, item 9), in a model's program: what
code can add without changing the coach's intent (repairs.py runs them with its own).

- safety: a heavy barbell bench or squat set (RPE 9 or more, or 3 reps or fewer) gets the note to set
  the safety pins or have a spotter;
- warm-ups: a day with no warm-up line gets one, from its first exercise;
- plain names: in a beginner's program, the block words of a coach's jargon ("Accumulation") are said
  for what they mean ("Foundation (learn the lifts, build up the work)").
"""

from __future__ import annotations

from app.coaching.jargon import plain, unexplained
from app.coaching.names import lookup
from app.coaching.person import Person
from app.coaching.policy import WARMUP_WORDS
from app.coaching.repair_types import Fix
from app.coaching.safety import PINS_NOTE, names_pins, needs_pins
from app.coaching.warmup import warm_up_line
from app.models import FitnessLevel, ProgramContent


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
