"""Work that loads an injured area, dosed light (rule injury-area): what the catalogue calls gentle for
the area (`gentle` in data/exercises.toml), at RPE 7 at most, 10 reps or more and in a pain-free range,
as a physiotherapist would keep it. The writer, the balance work and a revision's swaps dose it so."""

from __future__ import annotations

from collections.abc import Collection

from app.coaching.catalogue import LibraryExercise
from app.coaching.health import AREA_WORDS
from app.coaching.kinds import BodyArea
from app.coaching.policy import INJURED_AREA_MAX_RPE, INJURED_AREA_MIN_REPS


def gentle_dose(ex: LibraryExercise, spared: Collection[BodyArea], later: bool = False) -> tuple[str, str, str] | None:
    """The reps, effort and lead note of work that loads an injured area, or None when it loads none.
    Light work progresses by reps at the same light effort, as a physiotherapist progresses it: the
    low end of its range early in a block, the high end `later` (from the block's middle)."""
    injured = sorted(ex.stresses & set(spared))
    if not injured:
        return None
    where = " and ".join(AREA_WORDS[a] for a in injured)  # "wrist", not "wrist hand"
    return (_light_reps(ex, later), f"RPE {INJURED_AREA_MAX_RPE:g}, pain-free range",
            f"Gentle for your {where}: light, in a pain-free range only; leave it out if it hurts.")


def _light_reps(ex: LibraryExercise, later: bool) -> str:
    low, high = INJURED_AREA_MIN_REPS + 2 * later, INJURED_AREA_MIN_REPS + 2 + 3 * later
    return f"{low}-{high} per side" if ex.unit.name == "per_side" else f"{low}-{high}"
