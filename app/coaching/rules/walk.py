"""A program walked once: every exercise with its catalogue entry, reps and effort read, by week and day,
and the small measures of a day or a week that several rules share.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from app.coaching.catalogue import LibraryExercise, contributions
from app.coaching.kinds import Muscle
from app.coaching.names import lookup
from app.coaching.policy import HARD_RPE, RECOVERY_RPE, TEST_MIN_RPE
from app.coaching.prescription import Reps, parse_reps, rpe_of
from app.models import Exercise, ProgramContent, TrainingDay, TrainingWeek


@dataclass(frozen=True, slots=True)
class Item:
    week: TrainingWeek
    day: TrainingDay
    ex: Exercise
    entry: LibraryExercise | None
    reps: Reps | None
    rpe: float | None

    @property
    def where(self) -> str:
        return f"week {self.week.week} day {self.day.day} {self.ex.name!r}"


@dataclass(frozen=True, slots=True)
class Known(Item):
    entry: LibraryExercise


def _items(day: TrainingDay, week: TrainingWeek) -> list[Item]:
    out = []
    for ex in day.exercises:
        entry = lookup(ex.name)
        out.append(Item(week, day, ex, entry, parse_reps(ex.reps), rpe_of(ex, entry)))
    return out


@dataclass
class Walk:
    days: dict[tuple[int, int], list[Item]]

    def of(self, week: TrainingWeek, day: TrainingDay) -> list[Item]:
        return self.days[(week.week, day.day)]

    def week(self, week: TrainingWeek) -> list[Item]:
        return [it for day in week.days for it in self.of(week, day)]

    def all(self) -> Iterator[Item]:
        for items in self.days.values():
            yield from items

    def known(self) -> Iterator[Known]:
        """The exercises the catalogue knows: the only ones the rules about a person can judge."""
        for it in self.all():
            if it.entry is not None:
                yield Known(it.week, it.day, it.ex, it.entry, it.reps, it.rpe)


def walk(program: ProgramContent) -> Walk:
    return Walk({(w.week, d.day): _items(d, w) for w in program.weeks for d in w.days})


def is_recovery_day(items: list[Item]) -> bool:
    return all(it.rpe is not None and it.rpe <= RECOVERY_RPE for it in items)


def is_hard_day(items: list[Item]) -> bool:
    return any(it.rpe is not None and it.rpe >= HARD_RPE for it in items)


def weekly_sets(items: list[Item]) -> int:
    return sum(it.ex.sets for it in items)


def muscle_sets(items: list[Item]) -> dict[Muscle, float]:
    """Hard sets per muscle: the prime mover's count whole, the other main muscles' half."""
    sets: dict[Muscle, float] = {}
    for it in items:
        for muscle, share in contributions(it.entry) if it.entry is not None else ():
            sets[muscle] = sets.get(muscle, 0.0) + it.ex.sets * share
    return sets


def top_effort(items: list[Item]) -> float:
    known = [it.rpe for it in items if it.rpe is not None and (it.entry is None or not it.entry.pattern.explosive)]
    return max(known, default=0.0)


def mean_effort(items: list[Item]) -> float:
    known = [(it.rpe, it.ex.sets) for it in items if it.rpe is not None]
    total = sum(s for _, s in known)
    return sum(r * s for r, s in known) / total if total else 0.0


def is_test(it: Item) -> bool:
    """A 1RM test: one all-out rep of a lift (a sprint or a jump is one fast rep, not a test)."""
    return (it.entry is not None and it.reps is not None and it.reps.unit == "reps" and it.reps.high == 1
            and not it.entry.pattern.explosive and it.rpe is not None and it.rpe >= TEST_MIN_RPE)
