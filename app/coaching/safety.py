"""Heavy barbell bench and squat sets, and the safety pins or spotter they need (issue 25, item 9).

A bar that stalls at the bottom of a bench press or a squat pins the lifter unless the rack's safety
pins (arms, straps) sit just below the lowest point or someone spots. A set is heavy enough to need
them when its effort is RPE 9 or more, or when it is 3 reps or fewer. The writer, the code repairs
and rule `safety-pins` share this test; the words that count as naming the pins are the rule's.
"""

from __future__ import annotations

import re

from app.coaching.catalogue import LibraryExercise
from app.coaching.kinds import Load, Pattern
from app.coaching.policy import PINS_MAX_REPS, PINS_RPE
from app.coaching.prescription import parse_reps, rpe_of
from app.models import Exercise

PINNED = frozenset({Pattern.squat, Pattern.h_push})
PINS_NOTE = "Set the safety pins just below your lowest point, or have a spotter."
PINS_WORDS = re.compile(r"\b(safety (pins?|arms?|bars?|straps?)|safeties|pins|spotter|spotted|spot)\b", re.IGNORECASE)


def needs_pins(ex: Exercise, entry: LibraryExercise | None) -> bool:
    """A barbell bench press or squat at RPE 9 or more, or for 3 reps or fewer."""
    if entry is None or entry.load is not Load.barbell or entry.pattern not in PINNED:
        return False
    reps, rpe = parse_reps(ex.reps), rpe_of(ex, entry)
    few = reps is not None and reps.unit == "reps" and reps.high <= PINS_MAX_REPS
    return few or (rpe is not None and rpe >= PINS_RPE)


def names_pins(*texts: str) -> bool:
    return any(PINS_WORDS.search(t) for t in texts)
