"""Code repairs for the smaller things a coach fixes (issue 25, item 9), in a model's program: what
code can add without changing the coach's intent (repairs.py runs them with its own).

- safety: a heavy barbell bench or squat set (RPE 9 or more, or 3 reps or fewer) gets the note to set
  the safety pins or have a spotter.
"""

from __future__ import annotations

from app.coaching.names import lookup
from app.coaching.person import Person
from app.coaching.repair_types import Fix
from app.coaching.safety import PINS_NOTE, names_pins, needs_pins
from app.models import ProgramContent


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
