"""The smaller things a coach fixes (issue 25, item 9): safety pins or a spotter for heavy bench and
squat sets, a warm-up line for each day, block names a beginner understands, and main-lift
percentages that move from block to block in a long plan.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from app.coaching.jargon import unexplained
from app.coaching.policy import MOVING_BLOCKS, STRENGTH_PATTERNS, WARMUP_WORDS
from app.coaching.prescription import parse_effort
from app.coaching.rules.registry import Rule, Subject, rule
from app.coaching.rules.volume import training_weeks
from app.coaching.rules.walk import Item
from app.coaching.safety import names_pins, needs_pins
from app.models import FitnessLevel


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


@rule(Rule.plain_names)
def plain_names(s: Subject) -> Iterator[str]:
    if s.request.fitness_level is not FitnessLevel.beginner:
        return
    texts = [("the name", s.program.name), ("the description", s.program.description),
             ("the summary", s.program.summary)]
    texts += [(f"week {w.week}'s focus", w.focus) for w in s.program.weeks]
    texts += [(f"week {w.week} day {d.day}'s name", d.name) for w in s.program.weeks for d in w.days]
    said: set[str] = set()
    for where, text in texts:
        for word in unexplained(text):
            if word.lower() not in said:  # once per word: a block name repeats in every week's focus
                said.add(word.lower())
                yield (f"{where} says {word!r} to a beginner; name the block for what it does (e.g. 'Foundation: "
                       "learn the lifts', 'Build: add load') or explain the word in brackets")


Lift = tuple[str, str, float]  # a main lift's name, reps and % 1RM


def _percentages(items: list[Item]) -> set[Lift]:
    """The week's main lifts written as a percentage of a 1RM: compound strength lifts, not explosive work."""
    out = set()
    for it in items:
        pct = parse_effort(it.ex.intensity).pct
        if (pct is not None and it.entry is not None and it.entry.compound and it.entry.pattern in STRENGTH_PATTERNS
                and not it.entry.pattern.explosive):
            out.add((it.entry.name, str(it.ex.reps), pct))
    return out


@rule(Rule.moving_percentages)
def moving_percentages(s: Subject) -> Iterator[str]:
    """Blocks are the runs of loading weeks between deloads (a final test or taper week is not one)."""
    loading = {w.week for w in training_weeks(s)}
    blocks: list[tuple[list[int], set[Lift]]] = [([], set())]
    for week in s.program.weeks:
        if week.deload:
            if blocks[-1][0]:
                blocks.append(([], set()))
            continue
        if week.week in loading:
            blocks[-1][0].append(week.week)
            blocks[-1][1].update(_percentages(s.walk.week(week)))
    blocks = [b for b in blocks if b[0]]
    if len(blocks) < MOVING_BLOCKS:
        return
    for (before, lifts_before), (now, lifts) in itertools.pairwise(blocks):
        if lifts and lifts == lifts_before:
            yield (f"weeks {now[0]}-{now[-1]} repeat the main lifts' percentages of weeks {before[0]}-{before[-1]} "
                   f"({', '.join(sorted({f'{p:g}%' for _, _, p in lifts}))}); in a plan of {len(blocks)} blocks each "
                   "block moves them on (heavier, or fewer reps at a higher percentage)")
