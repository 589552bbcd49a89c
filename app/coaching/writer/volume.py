"""Weekly volume per muscle for the built-in engine: trims what is over the band, adds what is short.

Day templates decide which patterns a week trains; the sets that result are counted per muscle
(catalogue.contributions, the same count the validator uses) and brought into the level's band:
over the ceiling, accessories lose sets first and main lifts last; under the floor, the muscle's
own exercises gain a set, and when none can, an accessory for it joins the lightest day. Every
session also stays under its set cap. The result is a set change per exercise, applied to every
week of the block before deloads and tapers scale it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.coaching.catalogue import LibraryExercise, contributions
from app.coaching.kinds import MAJOR_MUSCLES, PATTERNS_FOR, Muscle
from app.coaching.writer.splits import Role

MAX_ROUNDS = 400


@dataclass
class Entry:
    day: int  # index into the week's days
    role: Role
    ex: LibraryExercise
    low: int  # sets in a block's first week
    high: int  # sets in its last (hypertrophy adds a set as a block goes on)
    delta: int = 0
    keep: bool = False  # work for a muscle the person asked to emphasise: trimmed last
    most: int | None = None  # at most this many sets, whatever the delta (gentle work around an injury)

    def sets(self, peak: bool) -> int:
        n = max(0, (self.high if peak else self.low) + self.delta)
        return n if self.most is None else min(n, self.most)


@dataclass(frozen=True)
class Band:
    floor: float  # hard sets each major muscle needs at least
    ceiling: float  # hard sets no muscle may pass
    session_cap: int  # sets in one session
    max_sets: int  # sets of one exercise
    lean: bool = False  # paced weeks (post-viral fatigue): a secondary lift may leave the day whole
    owed: frozenset[Muscle] | None = None  # the muscles owed the floor (None: every major muscle)


Make = Callable[[int, Muscle, frozenset[str]], Entry | None]  # an accessory for a muscle on a day


def totals(entries: list[Entry], peak: bool) -> dict[Muscle, float]:
    out: dict[Muscle, float] = {}
    for e in entries:
        for muscle, share in contributions(e.ex):
            out[muscle] = out.get(muscle, 0.0) + e.sets(peak) * share
    return out


def day_sets(entries: list[Entry], day: int) -> int:
    return sum(e.sets(True) for e in entries if e.day == day)


# Who gives up a set first when a muscle is over: accessories, then secondaries, then main lifts.
_SHED_ORDER = {Role.accessory: 0, Role.core: 0, Role.secondary: 1, Role.main: 2}
# An accessory may be trimmed away entirely (a week already full of presses needs no extra fly).
# Nothing is left at one set (policy.MIN_SETS): an accessory at two goes whole, the others stop at two.
_MIN_SETS = {Role.accessory: 0, Role.core: 2, Role.secondary: 2, Role.main: 2}


def _least(e: Entry, band: Band) -> int:
    return 0 if band.lean and e.role is Role.secondary else _MIN_SETS[e.role]


def _take(e: Entry, band: Band) -> None:
    if _least(e, band) == 0 and e.sets(False) <= 2:
        e.delta = -e.high  # leaves the day whole, its peak week too
    else:
        e.delta -= 1


def _shed(entries: list[Entry], muscle: Muscle | None, day: int | None, band: Band) -> bool:
    """Take one set from the best candidate; False when nobody can give one up."""
    floor = band.floor
    options = [e for e in entries if e.role in _SHED_ORDER and e.sets(False) > _least(e, band)
               and (day is None or e.day == day)
               and (muscle is None or any(m is muscle for m, _ in contributions(e.ex)))]
    if not options:
        return False
    low = totals(entries, False)
    # Rather not take a set that drops another major muscle under its floor.
    keeps_floors = [e for e in options if all(low.get(m, 0.0) - s >= floor for m, s in contributions(e.ex)
                                              if m in MAJOR_MUSCLES and m is not muscle)]
    options = keeps_floors or options
    share = {id(e): dict(contributions(e.ex)).get(muscle, 0.0) if muscle else 0.0 for e in options}
    # Asked-for work goes last; then direct work for the muscle goes before compounds that train
    # it on the side (a curl before a row when the biceps are over), isolation before main lifts.
    best = min(options, key=lambda e: (e.keep, contributions(e.ex)[0][0] is not muscle if muscle else False,
                                       _SHED_ORDER[e.role], -share[id(e)], -e.sets(True)))
    _take(best, band)
    return True


def _fits(entries: list[Entry], entry: Entry, band: Band) -> bool:
    """Would one more set of this entry keep every muscle and its session within bounds?"""
    most = band.max_sets if entry.most is None else min(band.max_sets, entry.most)
    if entry.sets(True) + 1 > most or day_sets(entries, entry.day) + 1 > band.session_cap:
        return False
    peak = totals(entries, True)
    return all(peak.get(m, 0.0) + share <= band.ceiling for m, share in contributions(entry.ex))


def balance(entries: list[Entry], band: Band, days: int, make: Make) -> list[Entry]:
    for _ in range(MAX_ROUNDS):
        over = sorted(((n - band.ceiling, m) for m, n in totals(entries, True).items() if n > band.ceiling),
                      reverse=True)
        # The muscle most over first; one that cannot give up a set does not stop the others.
        if not any(_shed(entries, m, None, band) for _, m in over):
            break
    for day in range(days):
        while day_sets(entries, day) > band.session_cap and _shed(entries, None, day, band):
            pass
    hopeless: set[Muscle] = set()
    for _ in range(MAX_ROUNDS):
        low = totals(entries, False)
        short = [m for m in MAJOR_MUSCLES if low.get(m, 0.0) < band.floor and m not in hopeless
                 and (band.owed is None or m in band.owed)]
        if not short:
            break
        muscle = short[0]
        share = {id(e): dict(contributions(e.ex)).get(muscle, 0.0) for e in entries}
        own = [e for e in entries if e.role is not Role.explosive and share[id(e)] > 0]
        grown = False
        for e in sorted(own, key=lambda e: (-share[id(e)], e.sets(True), e.day)):
            # A full session first makes room, from muscles with sets to spare.
            while day_sets(entries, e.day) + 1 > band.session_cap and _spare(entries, e.day, band):
                pass
            # A partner at its ceiling (the shoulders of a push-up) first gives up work that does not
            # train this muscle: a week of overhead presses must not keep the chest under its floor.
            while not _fits(entries, e, band) and _room_for(entries, e, muscle, band):
                pass
            if _fits(entries, e, band):
                e.delta += 1
                grown = True
                break
        if grown:
            continue
        added = _add(entries, muscle, band, days, make)
        if added is None:
            hopeless.add(muscle)  # nothing more fits: leave it as it is
            continue
        entries.append(added)
    return entries


def _room_for(entries: list[Entry], grown: Entry, muscle: Muscle, band: Band) -> bool:
    """One set taken from work that trains a muscle `grown` would push over the ceiling but not
    `muscle` itself, keeping every major muscle at its floor; False when there is none."""
    peak, low = totals(entries, True), totals(entries, False)
    full = {m for m, share in contributions(grown.ex) if m is not muscle and peak.get(m, 0.0) + share > band.ceiling}
    if not full:
        return False
    options = [e for e in entries if e is not grown and e.role in _SHED_ORDER and e.sets(False) > _least(e, band)
               and full & {m for m, _ in contributions(e.ex)} and muscle not in dict(contributions(e.ex))
               and all(low.get(m, 0.0) - s >= band.floor for m, s in contributions(e.ex) if m in MAJOR_MUSCLES)]
    if not options:
        return False
    _take(min(options, key=lambda e: (e.keep, _SHED_ORDER[e.role], -e.sets(True))), band)
    return True


def _add(entries: list[Entry], muscle: Muscle, band: Band, days: int, make: Make) -> Entry | None:
    for day in sorted(range(days), key=lambda d: (day_sets(entries, d), d)):
        used = frozenset(e.ex.name for e in entries if e.day == day)
        entry = make(day, muscle, used)
        if entry is None:
            continue
        peak = totals(entries, True)
        if any(peak.get(m, 0.0) + entry.sets(True) * s > band.ceiling for m, s in contributions(entry.ex)):
            continue
        # A full session makes room: muscles with sets to spare give them up.
        while day_sets(entries, day) + entry.sets(True) > band.session_cap and _spare(entries, day, band):
            pass
        if day_sets(entries, day) + entry.sets(True) <= band.session_cap:
            return entry
    return None


def _spare(entries: list[Entry], day: int, band: Band) -> bool:
    low = totals(entries, False)
    options = [e for e in entries if e.day == day and e.role in _SHED_ORDER and e.sets(False) > _least(e, band)
               and all(low.get(m, 0.0) - share >= band.floor for m, share in contributions(e.ex)
                       if m in MAJOR_MUSCLES)]
    if not options:
        return False
    _take(min(options, key=lambda e: (_SHED_ORDER[e.role], e.keep, -e.sets(True))), band)
    return True


def whole_sets(entries: list[Entry], band: Band) -> list[Entry]:
    """No exercise is left at one set (policy.MIN_SETS): it gains a second where that fits the band and
    the session (or its muscle needs it), else it leaves the day."""
    for _ in range(MAX_ROUNDS):
        single = next((e for e in entries if e.sets(False) == 1), None)
        if single is None:
            break
        low = totals(entries, False)
        needed = any(low.get(m, 0.0) - share < band.floor for m, share in contributions(single.ex)
                     if m in MAJOR_MUSCLES)
        if _fits(entries, single, band) or needed:
            # A full session makes room from exercises with sets to spare (never down to one).
            while day_sets(entries, single.day) + 1 > band.session_cap:
                donors = [e for e in entries if e.day == single.day and e is not single and e.role in _SHED_ORDER
                          and e.sets(False) > max(2, _MIN_SETS[e.role])
                          and all(low.get(m, 0.0) - sh >= band.floor for m, sh in contributions(e.ex)
                                  if m in MAJOR_MUSCLES)]
                if not donors:
                    break
                min(donors, key=lambda e: (_SHED_ORDER[e.role], e.keep, -e.sets(True))).delta -= 1
            single.delta += 1
        else:
            single.delta -= 1
    return entries


__all__ = ["PATTERNS_FOR", "Band", "Entry", "balance", "whole_sets"]
