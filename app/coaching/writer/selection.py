"""Choosing exercises for a slot: what one person may be given, best default first.

Selection never relaxes what the person ruled out: not the bans, not the equipment. It substitutes
a pattern or relaxes the tier instead, so "bad knees" can never end in depth jumps and "only
dumbbells" never ends in a barbell.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass, replace

from app.coaching.catalogue import LibraryExercise, heavy_with, of_pattern, rules_out, usable
from app.coaching.kinds import GYM, BodyArea, Equipment, Movement, Pattern

# When nothing allowed fits a pattern (e.g. jumps for sore knees, pull-ups without a bar), fall
# back to these, in order.
SUBSTITUTES: dict[Pattern, tuple[Pattern, ...]] = {
    Pattern.olympic: (Pattern.jump, Pattern.throw),
    Pattern.jump: (Pattern.throw, Pattern.olympic),
    Pattern.sprint: (Pattern.jump, Pattern.throw, Pattern.olympic),
    Pattern.throw: (Pattern.olympic, Pattern.jump),
    Pattern.v_pull: (Pattern.h_pull,),
    Pattern.h_pull: (Pattern.v_pull,),
    Pattern.v_push: (Pattern.h_push,),
    Pattern.h_push: (Pattern.v_push,),
    Pattern.squat: (Pattern.lunge,),
    Pattern.lunge: (Pattern.squat,),
    # A hinge that cannot be loaded heavily (one kettlebell) gives a strength day's heavy slot to
    # single-leg work, which a bell makes hard; glutes first for everything else.
    Pattern.hinge: (Pattern.glutes, Pattern.lunge),
    Pattern.core: (Pattern.carry,),
    Pattern.carry: (Pattern.core,),
    Pattern.conditioning: (Pattern.mobility,),
}
SPARING = (Pattern.core, Pattern.carry, Pattern.mobility, Pattern.conditioning)


@dataclass(frozen=True, slots=True)
class Filters:
    """What one person may be given. Bans and equipment are never relaxed by selection."""

    max_tier: int = 3
    equipment: frozenset[Equipment] = GYM
    banned: frozenset[Movement] = frozenset()
    heavy_only: bool = False  # a main lift for strength or power: one that can be loaded for 1-6 reps
    spared: frozenset[BodyArea] = frozenset()  # a current or recovering injury's areas: nothing that loads them

    def safe(self, ex: LibraryExercise) -> bool:
        # An injured area may still be trained by the work the catalogue calls gentle for it, light
        # (writer/sessions.py doses it so; rule injury-area holds it to that).
        return not any(rules_out(ex, m) for m in self.banned) and not (ex.stresses - ex.gentle) & self.spared

    def allows(self, ex: LibraryExercise) -> bool:
        return (self.safe(ex) and ex.tier <= self.max_tier and usable(ex, self.equipment)
                and (not self.heavy_only or heavy_with(ex, self.equipment)))


# Memoised: a program asks the same few questions hundreds of times (every slot of every day of
# every week), and the answers depend only on the library, which never changes.
@functools.lru_cache(maxsize=8192)
def ranked(pattern: Pattern, filters: Filters, prefer: frozenset[str] = frozenset()) -> tuple[LibraryExercise, ...]:
    """Allowed exercises of a pattern, best default first.

    Preferred names (from the person's own words) come first; then the most demanding variant the
    level allows, so an advanced lifter gets the barbell lift and a beginner the goblet version.
    Tiers above 2 are only variations, never an advanced lifter's default main lift.
    """
    allowed = [ex for ex in of_pattern(pattern) if ex.stock and filters.allows(ex)]
    order = {ex.name: i for i, ex in enumerate(of_pattern(pattern))}
    return tuple(sorted(allowed, key=lambda ex: (ex.name not in prefer, -min(ex.tier, 2), order[ex.name])))


def pick(pattern: Pattern, filters: Filters, *, offset: int = 0, prefer: frozenset[str] = frozenset(),
         exclude: Collection[str] = ()) -> LibraryExercise | None:
    """The offset-th choice for a pattern, skipping names already used that day.

    Tries the pattern, then at any tier, then without the heavy-only wish, then its substitutes.
    Bans and equipment hold throughout; None means nothing allowed exists for this slot.
    """
    any_tier = replace(filters, max_tier=3)
    light = replace(filters, heavy_only=False)
    subs = SUBSTITUTES.get(pattern, ())
    # A heavy main lift is worth a change of pattern (a split squat for a goblet squat) before
    # settling for a lift that cannot be loaded.
    attempts: list[tuple[Pattern, Filters]] = [(pattern, filters), (pattern, any_tier)]
    if filters.heavy_only:
        attempts += [(sub, flt) for sub in subs for flt in (filters, any_tier)]
    attempts += [(pattern, light), *((sub, light) for sub in subs)]
    if filters.spared:
        # An injury can leave a pattern nothing (a sore shoulder: no pressing or pulling at all):
        # the slot goes to work that spares the area rather than to nothing.
        attempts += [(fallback, light) for fallback in SPARING]
    for pat, flt in attempts:
        options = [ex for ex in ranked(pat, flt, prefer) if ex.name not in exclude]
        if options:
            return options[offset % len(options)]
    return None
