"""What an exercise needs, as written, against the equipment a person listed (issue 25, item 6).

The catalogue records an exercise's equipment as kinds any one of which is enough, plus what it
also needs, all of it (a bench, a pull-up bar): "Dumbbell reverse lunge" can be done with
dumbbells, a kettlebell or the body alone. A name as written says more: "dumbbell lunge" asks for
a dumbbell, and someone with only their body weight cannot do it as written. So a name is judged
by the equipment it states (names.read), within the entry's kinds, and the writer writes each
exercise under a name the person's equipment can do ("Bodyweight reverse lunge").

The profile's list is the person's: empty means a full gym (no list to judge against); the body is
always there.
"""

from __future__ import annotations

from collections.abc import Collection

from app.coaching.adapter import EQUIPMENT
from app.coaching.catalogue import LibraryExercise
from app.coaching.kinds import Equipment
from app.coaching.names import read
from app.coaching.profile import Profile


def listed(profile: Profile | None) -> frozenset[Equipment] | None:
    """The equipment a profile lists, in the catalogue's kinds with the body added; None: no list."""
    if profile is None or not profile.equipment:
        return None
    return frozenset({Equipment.bodyweight, *(kind for name in profile.equipment for kind in EQUIPMENT[name])})


def needs_as_written(entry: LibraryExercise, written: str) -> tuple[frozenset[Equipment], frozenset[Equipment]]:
    """(any one of these, all of these): what the exercise needs, written under this name."""
    stated = read(written).equipment & entry.equipment
    return (stated or entry.equipment), entry.needs


def missing(entry: LibraryExercise, written: str, have: Collection[Equipment]) -> str | None:
    """What the person lacks to do this as written, in words; None when they have it all."""
    any_of, all_of = needs_as_written(entry, written)
    lacking = sorted(all_of - set(have))
    parts = [] if any_of & set(have) else [" or ".join(sorted(any_of))]
    parts += [str(kind) for kind in lacking]
    return " and ".join(f"a {part}" for part in parts) or None


def written_name(entry: LibraryExercise, have: Collection[Equipment]) -> str:
    """The entry's name, or when it states equipment the person lacks, the alias they can do: one
    that names a load they have ("Kettlebell snatch"), else a generic one when they can still load
    it, else its bodyweight one ("Bodyweight reverse lunge")."""
    if missing(entry, entry.name, have) is None:
        return entry.name
    loads = (entry.equipment - {Equipment.bodyweight}) & set(have)

    def rank(alias: str) -> int:
        stated = read(alias).equipment
        if stated & loads:
            return 0
        if not stated:
            return 1 if loads else 2
        return 2 if loads else 1  # the body alone: its bodyweight name before a generic one

    options = sorted((a for a in entry.aliases if missing(entry, a, have) is None), key=rank)
    return options[0][:1].upper() + options[0][1:] if options else entry.name
