"""A week fitted to what the person listed (issue 25, items 1 and 6): each exercise written under a
name their equipment can do, and each session brought within the minutes they have.

A session over its time gives up, in this order, what costs the training least: rests shortened
towards the shortest the goal allows (heavy sets keep 150 s, explosive work its full rest), heavy
secondary lifts made sets of 6-8 (the main lift keeps the heavy work), accessories paired into
supersets (straight from one to the next, then rest); then, only past the limit with its slack, an
exercise whose muscles another one that day already trains, then sets, trunk work first. A muscle's
only exercise of the day is never dropped, nor the day's main lift, its balance work or its aerobic
work, nor a set hypertrophy's weekly floor needs. A deload fits in 70% of the time. How many
exercises and sets a short session holds at all is decided before, when the week is balanced
(sessions.session_size, band_for). Only a request whose profile gives minutes or equipment is
touched: without one, nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.coaching.catalogue import LibraryExercise, contributions, tagged
from app.coaching.equipment import listed, written_name
from app.coaching.kinds import MAJOR_MUSCLES, Muscle, Pattern
from app.coaching.names import lookup
from app.coaching.policy import (
    DELOAD_MAX_SHARE,
    HEAVY_REPS,
    MIN_REST_S,
    STRENGTH_PATTERNS,
    SUPERSET_REST_S,
    band_floor,
    session_limit_min,
    session_sets_in,
)
from app.coaching.prescription import parse_reps
from app.coaching.timing import session_minutes
from app.coaching.writer.profile import Profile
from app.coaching.writer.splits import Role, Slot
from app.coaching.writer.wording import clip
from app.models import Exercise, TrainingDay

SUPERSET_NOTE = re.compile(r"^Superset with .*?: go straight on to it, then rest\.\s*")
MIN_EXERCISES = 4  # a short full-body session still squats, pushes, pulls and hinges
SHORT_SESSION_SETS = 12  # a session holding fewer working sets than this is short
REST_STEP_S = 15  # rests shorten by this much at a time, the longest above its floor first
LIGHT_REPS, LIGHT_REST_S = "6-8", 90  # a heavy secondary lift made lighter, when time is short
# Never one set (rule single-set), but for a bout of cardio or a mobility drill: a session that must
# be shorter loses an exercise first (_drop_one), then sets down to two.
MIN_SETS = {role: 2 for role in Role}
DELOAD_MIN_SETS = MIN_SETS
ONE_BOUT = frozenset({Pattern.conditioning, Pattern.mobility})
EASY_PATTERNS = frozenset({Pattern.core, Pattern.carry, Pattern.mobility, Pattern.conditioning})


@dataclass
class Item:
    role: Role
    entry: LibraryExercise | None
    ex: Exercise

    @property
    def heavy(self) -> bool:
        reps = parse_reps(self.ex.reps)
        e = self.entry
        return (e is not None and reps is not None and reps.unit == "reps" and reps.high <= HEAVY_REPS
                and e.compound and e.pattern in STRENGTH_PATTERNS and not e.pattern.explosive)

    @property
    def explosive(self) -> bool:
        return self.role is Role.explosive or (self.entry is not None and self.entry.pattern.explosive)

    @property
    def rest_floor(self) -> int:
        if self.explosive:
            return MIN_REST_S["explosive"]
        if self.heavy:
            return MIN_REST_S["heavy"]
        if self.entry is not None and self.entry.pattern in EASY_PATTERNS:
            return MIN_REST_S["core"]
        return MIN_REST_S["hypertrophy" if self.role in (Role.main, Role.secondary) else "accessory"]

    @property
    def kept(self) -> bool:
        """Never dropped: the day's lead work, balance work, aerobic work."""
        return (self.role in (Role.main, Role.explosive) or self.ex.name in tagged("balance")
                or (self.entry is not None and self.entry.pattern is Pattern.conditioning))


def minutes_of(profile: Profile) -> int | None:
    """The minutes a session may take, when the person said."""
    person = profile.request.profile
    return person.minutes_per_session if person is not None else None


def one_lead_when_short(profile: Profile, slots: list[Slot], extra: int) -> tuple[list[Slot], int]:
    """A short session opens with one explosive exercise, not two: the time goes to the lifts."""
    minutes = minutes_of(profile)
    leads = [s for s in slots if s.role is Role.explosive]
    if minutes is None or session_sets_in(minutes, profile.goal.value) >= SHORT_SESSION_SETS or len(leads) <= 1:
        return slots, extra
    return [s for s in slots if s not in leads[1:]], extra - (len(leads) - 1)


def fit_week(profile: Profile, days: list[TrainingDay], roles: list[list[Role]], deload: bool = False) -> None:
    """The week's days, in place, fitted to the profile's equipment list and minutes. A deload week
    fits in a share of them, so it stays that much lighter than the fitted weeks around it."""
    person = profile.request.profile
    have = listed(person)
    if have is not None:
        for day in days:
            for ex in day.exercises:
                entry = lookup(ex.name)
                if entry is not None:
                    ex.name = written_name(entry, have)
    minutes = person.minutes_per_session if person is not None else None
    if minutes is None:
        return
    request = profile.request
    # The weekly floor holds in a fitted week too: sets and exercises go only from muscles with spare.
    floor = band_floor(request.fitness_level, request.days_per_week, minutes, profile.goal) if not deload else 0
    for day, day_roles in zip(days, roles, strict=True):
        items = [Item(day_roles[i] if i < len(day_roles) else Role.core, lookup(ex.name), ex)
                 for i, ex in enumerate(day.exercises)]
        others = muscle_sets(ex for d in days if d is not day for ex in d.exercises)
        budget = Budget(floor, others)
        day.exercises = [it.ex for it in fit_session(items, minutes, DELOAD_MAX_SHARE if deload else 1.0, budget)]


def muscle_sets(exercises: Iterable[Exercise]) -> dict[Muscle, float]:
    """Hard sets per muscle of these exercises (the prime mover's whole, the others' half)."""
    out: dict[Muscle, float] = {}
    for ex in exercises:
        entry = lookup(ex.name)
        for muscle, share in contributions(entry) if entry is not None else ():
            out[muscle] = out.get(muscle, 0.0) + ex.sets * share
    return out


@dataclass(frozen=True)
class Budget:
    """How far a session may give up sets: each major muscle keeps `floor` sets in the week."""

    floor: float = 0.0
    others: dict[Muscle, float] = field(default_factory=dict)  # the week's other days, per muscle

    def spares(self, items: list[Item], it: Item, sets: int) -> bool:
        if not self.floor or it.entry is None:
            return True
        day = muscle_sets(i.ex for i in items)
        return all(self.others.get(m, 0.0) + day.get(m, 0.0) - sets * share >= self.floor
                   for m, share in contributions(it.entry) if m in MAJOR_MUSCLES)


def _minutes(items: list[Item]) -> float:
    return session_minutes(it.ex for it in items)


def fit_session(items: list[Item], minutes: int, share: float = 1.0, budget: Budget | None = None) -> list[Item]:
    """The session within `minutes` where shorter rests and supersets can do it, within the
    limit (with its slack) where fewer exercises or sets must; a deload within a share of that."""
    limit = session_limit_min(minutes) * share
    budget = budget or Budget()
    shorten_rests(items, minutes)
    _lighten(items, minutes)
    shorten_rests(items, minutes)
    _superset(items, minutes)
    while _minutes(items) > limit and _drop_one(items, budget):
        pass
    _superset(items, limit)  # an exercise gone may leave a new pair
    while _minutes(items) > limit and _trim_one(items, budget, DELOAD_MIN_SETS if share < 1 else MIN_SETS):
        pass
    while _minutes(items) > limit and drop_extra(items, budget):
        pass
    return items


def drop_extra(items: list[Item], budget: Budget) -> bool:
    """Where two sets each is still too long: trunk work or an accessory leaves the day (never one set)."""
    for it in reversed(items):
        if (it.kept or it.role not in (Role.accessory, Role.core, Role.recovery) or it.entry is None
                or not budget.spares(items, it, it.ex.sets)):
            continue
        others = {m for o in items if o is not it and o.entry is not None for m in o.entry.muscles}
        if set(it.entry.muscles) - others <= {Muscle.core}:
            items.remove(it)
            return True
    return False


def shorten_rests(items: list[Item], minutes: float) -> None:
    """Rests shortened a step at a time, the longest above its floor first, until the session fits."""
    while _minutes(items) > minutes:
        over = [it for it in items if it.ex.rest_seconds > it.rest_floor and not _in_superset(it)]
        if not over:
            return
        it = max(reversed(over), key=lambda it: it.ex.rest_seconds - it.rest_floor)
        it.ex.rest_seconds = max(it.rest_floor, it.ex.rest_seconds - REST_STEP_S)


def _lighten(items: list[Item], minutes: float) -> None:
    """Heavy secondary lifts become sets of 6-8 with shorter rests: the main lift carries the heavy work."""
    for it in reversed(items):
        if _minutes(items) <= minutes:
            return
        if it.role is Role.secondary and it.heavy:
            it.ex.reps = f"{LIGHT_REPS} per side" if "side" in str(it.ex.reps) else LIGHT_REPS
            it.ex.rest_seconds = min(it.ex.rest_seconds, LIGHT_REST_S)


def _in_superset(it: Item) -> bool:
    return it.ex.rest_seconds == SUPERSET_REST_S and SUPERSET_NOTE.match(it.ex.notes) is not None


def _pairable(it: Item) -> bool:
    return (it.role in (Role.secondary, Role.accessory, Role.core) and not it.heavy and not it.explosive
            and it.entry is not None and it.entry.pattern not in (Pattern.conditioning, Pattern.mobility))


def _superset(items: list[Item], minutes: float) -> None:
    """Pairs of neighbouring accessories for different muscles, from the end of the session."""
    i = len(items) - 2
    while i >= 0 and _minutes(items) > minutes:
        first, second = items[i], items[i + 1]
        if (_pairable(first) and _pairable(second) and not _in_superset(second) and first.entry and second.entry
                and first.entry.muscles[:1] != second.entry.muscles[:1]):
            first.ex.rest_seconds = SUPERSET_REST_S
            first.ex.notes = clip(f"Superset with {second.ex.name}: go straight on to it, then rest. "
                                  f"{first.ex.notes}".strip(), 300)
            i -= 2
        else:
            i -= 1


def _drop_one(items: list[Item], budget: Budget) -> bool:
    """Drop the last exercise whose every muscle another exercise of the day also trains."""
    for it in reversed(items):
        if it.kept or it.entry is None or not budget.spares(items, it, it.ex.sets):
            continue
        others = {m for o in items if o is not it and o.entry is not None for m in o.entry.muscles}
        if it.entry.muscles and set(it.entry.muscles) <= others:
            index = items.index(it)
            if index > 0 and _in_superset(items[index - 1]):
                before = items[index - 1]
                before.ex.rest_seconds = items[index].ex.rest_seconds  # its partner is gone: rest after it
                before.ex.notes = SUPERSET_NOTE.sub("", before.ex.notes)
            items.remove(it)
            return True
    return False


def _trim_one(items: list[Item], budget: Budget, floor: dict[Role, int]) -> bool:
    """One set less, from the exercise with the most sets, accessories before main lifts."""
    # Trunk work and carries give up sets first: the working sets are the goal itself.
    options = [it for it in items if it.ex.sets > (1 if it.entry is not None and it.entry.pattern in ONE_BOUT
                                                   else floor[it.role]) and budget.spares(items, it, 1)]
    if not options:
        return False
    order = {Role.accessory: 0, Role.core: 0, Role.recovery: 0, Role.secondary: 1, Role.explosive: 2, Role.main: 2}
    max(reversed(options), key=lambda it: (it.entry is None or it.entry.pattern in EASY_PATTERNS, -order[it.role],
                                           it.ex.sets)).ex.sets -= 1
    return True
