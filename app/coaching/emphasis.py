"""What the profile's emphasis and de-emphasis mean in muscles (issue 25), for the writer and the rules.

The profile names nine muscle groups; "arms" is the biceps and the triceps. A muscle both emphasised
and de-emphasised is emphasised (the person asked for it). The core's work (planks, carries) is not
counted as hard sets anywhere else, so its measure here is the sets of trunk work a week.
"""

from __future__ import annotations

from app.coaching.kinds import Muscle, Pattern
from app.coaching.profile import MuscleGroup, Profile

GROUP_MUSCLES: dict[MuscleGroup, tuple[Muscle, ...]] = {
    "chest": (Muscle.chest,), "back": (Muscle.back,), "shoulders": (Muscle.shoulders,),
    "arms": (Muscle.biceps, Muscle.triceps), "quads": (Muscle.quads,), "glutes": (Muscle.glutes,),
    "hamstrings": (Muscle.hamstrings,), "calves": (Muscle.calves,), "core": (Muscle.core,),
}
TRUNK_PATTERNS = frozenset({Pattern.core, Pattern.carry})


def emphasised(profile: Profile | None) -> tuple[Muscle, ...]:
    if profile is None:
        return ()
    return tuple(dict.fromkeys(m for g in profile.emphasis for m in GROUP_MUSCLES[g]))


def de_emphasised(profile: Profile | None) -> tuple[Muscle, ...]:
    if profile is None:
        return ()
    more = set(emphasised(profile))
    return tuple(dict.fromkeys(m for g in profile.de_emphasis for m in GROUP_MUSCLES[g] if m not in more))
