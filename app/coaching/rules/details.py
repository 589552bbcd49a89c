"""The smaller things a coach fixes (issue 25, item 9): safety pins or a spotter for heavy bench and
squat sets, a warm-up line for each day, block names a beginner understands, and main-lift
percentages that move from block to block in a long plan.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.coaching.policy import WARMUP_WORDS
from app.coaching.rules.registry import Rule, Subject, rule
from app.coaching.safety import names_pins, needs_pins


@rule(Rule.safety_pins)
def safety_pins(s: Subject) -> Iterator[str]:
    for it in s.walk.all():
        if needs_pins(it.ex, it.entry) and not names_pins(it.ex.notes):
            yield (f"{it.where}: a heavy barbell set ({it.ex.reps} at {it.ex.intensity!r}) with no word on safety; "
                   "its notes say to set the safety pins just below the lowest point or to have a spotter")


@rule(Rule.warm_up)
def warm_up(s: Subject) -> Iterator[str]:
    low, high = WARMUP_WORDS
    missing = [f"{w.week}.{d.day}" for w in s.program.weeks for d in w.days if len(d.warm_up.split()) < low]
    if missing:
        yield (f"{len(missing)} day(s) have no warm-up line (week.day {', '.join(missing[:5])}"
               f"{'...' if len(missing) > 5 else ''}); every day's warm_up says in a short line how to warm up")
    for w in s.program.weeks:
        for d in w.days:
            if len(d.warm_up.split()) > high:
                yield f"week {w.week} day {d.day}: a warm-up of {len(d.warm_up.split())} words; at most {high}"
