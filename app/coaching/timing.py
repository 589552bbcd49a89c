"""How long a session takes, estimated once for the writer, the validator and the repairs alike.

A warm-up, then for each exercise its sets times the work and the rest (policy.py holds the
numbers). A superset is written as a short rest on its first exercise (straight on to the second),
so the estimate needs no notion of supersets: the time saved is the rest not taken.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.coaching.policy import DISTANCE_M_PER_S, REP_S, WARMUP_MIN
from app.coaching.prescription import parse_reps
from app.models import Exercise


def work_seconds(ex: Exercise) -> float:
    """One set's work: reps at a controlled pace (both sides when per side), a hold or a bout's time,
    a distance at a walk or run. A range counts at its middle; what cannot be read counts as 10 reps."""
    reps = parse_reps(ex.reps)
    if reps is None:
        return 10 * REP_S
    middle = (reps.low + reps.high) / 2
    if reps.unit == "s":
        return middle
    if reps.unit == "distance":
        return middle / DISTANCE_M_PER_S
    return middle * REP_S * (2 if "side" in str(ex.reps) else 1)


def exercise_seconds(ex: Exercise) -> float:
    return ex.sets * (work_seconds(ex) + ex.rest_seconds)


def session_minutes(exercises: Iterable[Exercise]) -> float:
    """A session's estimated minutes, warm-up included."""
    return WARMUP_MIN + sum(exercise_seconds(ex) for ex in exercises) / 60
