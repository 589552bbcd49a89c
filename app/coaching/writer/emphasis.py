"""The person's emphasis and de-emphasis in weekly sets (issue 25), after the balancer has set every
muscle's sets for the same request without them.

A de-emphasised muscle loses sets first (it frees room in the sessions): its own exercises give up
sets, those that train nothing else the person wants first, until it is at half of what it had, at
most the band's middle and never under a maintenance dose. An emphasised muscle then gains: its own
exercises take a set more where the session and the band allow, and when none can, an accessory for
it joins the lightest day, until it has at least the band's middle and two sets more than before.
Only the muscles named move; the others keep their sets (but for the half set a compound gives them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.coaching.catalogue import contributions
from app.coaching.emphasis import TRUNK_PATTERNS, de_emphasised, emphasised
from app.coaching.kinds import MAJOR_MUSCLES, Muscle
from app.coaching.policy import (
    BEGINNER_MAX_EXERCISES,
    DE_EMPHASIS_SHARE,
    OLDER_ADULT_AGE,
    POST_VIRAL_VOLUME_SHARE,
    band_middle,
    emphasis_floor,
    maintenance,
)
from app.coaching.writer.profile import Profile
from app.coaching.writer.splits import Role
from app.coaching.writer.volume import MAX_ROUNDS, Band, Entry, Make, _fits, day_sets, totals
from app.models import GoalCategory

MAKE_TRIES = 40
GAIN = 2  # an emphasised muscle gets at least this many sets a week more than without the emphasis
_MIN = {Role.accessory: 0, Role.core: 2, Role.secondary: 2, Role.main: 2, Role.explosive: 99, Role.recovery: 99}


@dataclass(frozen=True)
class Targets:
    more: tuple[Muscle, ...]
    less: tuple[Muscle, ...]
    want: float  # an emphasised muscle's weekly sets at least
    middle: float  # a de-emphasised muscle's at most
    keep: float  # ... and at least (its maintenance dose)
    share: float  # a de-emphasised muscle keeps this share of its sets
    exercises: int  # at most this many exercises a day


def measure(entries: list[Entry], muscle: Muscle, peak: bool = False) -> float:
    if muscle is Muscle.core:
        return float(sum(e.sets(peak) for e in entries if e.ex.pattern in TRUNK_PATTERNS))
    return totals(entries, peak).get(muscle, 0.0)


def _own(e: Entry, muscle: Muscle) -> bool:
    if muscle is Muscle.core:
        return e.ex.pattern in TRUNK_PATTERNS
    c = contributions(e.ex)
    return bool(c) and c[0][0] is muscle


def shift(entries: list[Entry], t: Targets, band: Band, days: int, make: Make) -> list[Entry]:
    for muscle in t.less:
        base = measure(entries, muscle)
        target = max(t.keep, min(t.middle, base * t.share))
        while measure(entries, muscle) > target and _cut(entries, muscle, t, target, band.floor):
            pass
    for muscle in t.less:  # a hinge cut for the glutes may take the hamstrings under maintenance: restore them
        while muscle in MAJOR_MUSCLES and measure(entries, muscle) < t.keep and _grow(
                entries, muscle, t, band, days, make, {}):
            pass
    # The muscles asked for grow in turn, a set each, so that one does not take all the room.
    want = {m: min(band.ceiling, max(t.want, measure(entries, m) + GAIN)) for m in t.more}
    growing = [m for m in t.more if measure(entries, m) < want[m]]
    for _ in range(MAX_ROUNDS):  # bounded: a compound's set may pass from one asked-for muscle to another
        if not growing:
            break
        growing = [m for m in growing if measure(entries, m) < want[m] and _grow(entries, m, t, band, days, make, want)]
    return entries


def _least(e: Entry, less: tuple[Muscle, ...] = ()) -> int:
    """The fewest sets it keeps: an accessory, or a secondary lift that trains only muscles the person
    cares less about, may leave the day."""
    c = contributions(e.ex)
    if e.role is Role.secondary and c and c[0][0] in less:
        return 0
    return _MIN[e.role]


def _whole(e: Entry, less: tuple[Muscle, ...] = ()) -> bool:
    return _least(e, less) == 0 and e.sets(False) <= 2  # never left at one set: it leaves the day


def _taken(e: Entry, less: tuple[Muscle, ...] = ()) -> int:
    return e.sets(False) if _whole(e, less) else 1


def _take(e: Entry, less: tuple[Muscle, ...] = ()) -> None:
    if _whole(e, less):
        e.delta = -e.high
    else:
        e.delta -= 1


def _loss(e: Entry, muscle: Muscle, less: tuple[Muscle, ...]) -> float:
    if muscle is Muscle.core:
        return float(_taken(e, less))
    return _taken(e, less) * dict(contributions(e.ex)).get(muscle, 0.0)


def _cut(entries: list[Entry], muscle: Muscle, t: Targets, target: float, floor: float) -> bool:
    now = measure(entries, muscle)
    low = totals(entries, False)

    def keeps(e: Entry) -> bool:
        # The muscle stays at its target (another one cared less about, under maintenance, is restored
        # after); a muscle the person keeps stays at its floor.
        return now - _loss(e, muscle, t.less) >= target and all(
            low.get(m, 0.0) - _loss(e, m, t.less) >= floor for m, _ in contributions(e.ex)
            if m in MAJOR_MUSCLES and m not in t.less)

    def trains(e: Entry) -> bool:  # its own work, or a compound that trains only what is cared less about
        c = contributions(e.ex)
        return _own(e, muscle) or (muscle in dict(c) and all(m in t.less for m, _ in c))

    options = [e for e in entries if trains(e) and e.sets(False) > _least(e, t.less) and keeps(e)]
    if not options:
        return False
    alone = set(t.less)
    # Exercises that train nothing else the person keeps go first, then accessories, the most sets first.
    best = min(options, key=lambda e: (any(m not in alone for m, _ in contributions(e.ex)),
                                       e.role is not Role.accessory, -e.sets(False)))
    _take(best, t.less)
    return True


def _room(entries: list[Entry], day: int, t: Targets, band: Band, want: dict[Muscle, float],
          growing: Muscle) -> bool:
    """A set freed on a full day: from what the person cares less about (down to its maintenance), then
    from a muscle above its floor; what they asked to grow only gives up sets it has beyond its target."""
    low = totals(entries, False)

    def least(m: Muscle) -> float:  # the muscle growing may lose half a set to a compound: it gains a whole one
        if m is growing:
            return 0.0
        if m in want:
            return t.want
        return t.keep if m in t.less else band.floor if m in MAJOR_MUSCLES else 0.0

    def spare(e: Entry) -> bool:
        if e.day != day or e.role not in (Role.accessory, Role.secondary) or e.sets(False) <= _MIN[e.role]:
            return False
        c = contributions(e.ex)
        if not c or c[0][0] in want:
            return False
        return all(low.get(m, 0.0) - share * _taken(e) >= least(m) for m, share in c)

    donors = [e for e in entries if spare(e)]
    if not donors:
        return False
    best = min(donors, key=lambda e: (not any(m in t.less for m, _ in contributions(e.ex)),
                                      e.role is not Role.accessory, -e.sets(False)))
    _take(best)
    return True


def _grow(entries: list[Entry], muscle: Muscle, t: Targets, band: Band, days: int, make: Make,
          want: dict[Muscle, float]) -> bool:
    # Isolation first: a curl grows the biceps without moving anything else.
    own = sorted((e for e in entries if _own(e, muscle) and e.role is not Role.explosive and e.sets(False) > 0),
                 key=lambda e: (len(contributions(e.ex)), e.sets(True), e.day))
    for e in own:
        while day_sets(entries, e.day) + 1 > band.session_cap and _room(entries, e.day, t, band, want, muscle):
            pass
        if _fits(entries, e, band):
            e.delta += 1
            return True
    for day in sorted(range(days), key=lambda d: (day_sets(entries, d), d)):
        names = frozenset(e.ex.name for e in entries if e.day == day and e.sets(False) > 0)
        if len(names) >= t.exercises:
            continue
        tried = names
        for _ in range(MAKE_TRIES):  # a squat that would take the glutes over: the next choice, a leg extension
            entry = make(day, muscle, tried)
            if entry is None:
                break
            tried |= {entry.ex.name}
            peak = totals(entries, True)
            if not all(peak.get(m, 0.0) + entry.sets(True) * s <= band.ceiling for m, s in contributions(entry.ex)):
                continue
            while (day_sets(entries, day) + entry.sets(True) > band.session_cap
                   and _room(entries, day, t, band, want, muscle)):
                pass
            entry.delta = min(0, band.session_cap - day_sets(entries, day) - entry.sets(True))
            if entry.sets(False) >= 2 and entry.low + entry.delta >= 2:  # shorter where the day is nearly full
                entries.append(entry)
                return True
            break
    return False


def targets(profile: Profile, band: Band) -> Targets:
    request = profile.request
    level, days = request.fitness_level, request.days_per_week
    want = float(emphasis_floor(level, days, profile.goal is GoalCategory.hypertrophy))
    if profile.paced:
        want = math.floor(want * POST_VIRAL_VOLUME_SHARE)
    # A beginner's day holds a few exercises (one kept free for balance work from 65).
    exercises = BEGINNER_MAX_EXERCISES - (OLDER_ADULT_AGE <= (profile.constraints.age or 0)) if profile.level == 0 \
        else 99
    return Targets(emphasised(request.profile), de_emphasised(request.profile), want, band_middle(level),
                   float(maintenance(level, days)), DE_EMPHASIS_SHARE, exercises)
