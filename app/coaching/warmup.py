"""A short warm-up line for each training day (issue 25, item 9): a few minutes of easy cardio and
mobility (the minutes `timing.py` counts), then easier sets of the day's first exercise. The writer
gives every day one; code gives one to a model's day that has none (repairs_details.py)."""

from __future__ import annotations

from app.coaching.catalogue import LibraryExercise
from app.coaching.kinds import Load
from app.coaching.policy import WARMUP_MIN


def warm_up_line(first: str, entry: LibraryExercise | None, easy: bool = False) -> str:
    """The day's warm-up, from its first exercise (as written); `easy`: an active recovery day."""
    general = f"{WARMUP_MIN:g} minutes of easy cardio and dynamic mobility"
    if easy:
        return f"{general}, then start each exercise gently."
    if entry is not None and entry.pattern.explosive:
        return f"{general}, then a few easier reps of the {first.lower()}, building to full speed."
    if entry is not None and entry.load in (Load.barbell, Load.machine, Load.dumbbell):
        return f"{general}, then two or three lighter ramp-up sets of the {first.lower()}."
    return f"{general}, then an easy practice set of the {first.lower()}."
