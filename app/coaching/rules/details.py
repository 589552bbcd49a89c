"""The smaller things a coach fixes (issue 25, item 9): safety pins or a spotter for heavy bench and
squat sets, a warm-up line for each day, block names a beginner understands, and main-lift
percentages that move from block to block in a long plan.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.coaching.rules.registry import Rule, Subject, rule
from app.coaching.safety import names_pins, needs_pins


@rule(Rule.safety_pins)
def safety_pins(s: Subject) -> Iterator[str]:
    for it in s.walk.all():
        if needs_pins(it.ex, it.entry) and not names_pins(it.ex.notes):
            yield (f"{it.where}: a heavy barbell set ({it.ex.reps} at {it.ex.intensity!r}) with no word on safety; "
                   "its notes say to set the safety pins just below the lowest point or to have a spotter")
