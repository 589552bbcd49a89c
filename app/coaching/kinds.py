"""The coaching vocabulary: movement patterns, equipment, muscles, load types, impact, units, and
the movements a person can rule out. Every other coaching module speaks in these terms.
"""

from __future__ import annotations

import enum
from collections.abc import Collection


class Pattern(enum.StrEnum):
    squat = "squat"
    hinge = "hinge"
    h_push = "horizontal push"
    h_pull = "horizontal pull"
    v_push = "vertical push"
    v_pull = "vertical pull"
    lunge = "lunge / single leg"
    core = "core"
    carry = "carry"
    jump = "jump"
    throw = "medicine-ball throw / upper-body plyometric"
    olympic = "Olympic-lift derivative / ballistic"
    sprint = "sprint"
    biceps = "biceps"
    triceps = "triceps"
    delts = "shoulders"
    chest_fly = "chest fly"
    quads = "quad isolation"
    hamstrings = "hamstring curl"
    glutes = "glutes"
    calves = "calves"
    mobility = "mobility"
    conditioning = "conditioning"

    @property
    def explosive(self) -> bool:
        return self in EXPLOSIVE_PATTERNS


EXPLOSIVE_PATTERNS = frozenset({Pattern.jump, Pattern.throw, Pattern.olympic, Pattern.sprint})
LOWER_BODY = frozenset({Pattern.squat, Pattern.lunge, Pattern.hinge, Pattern.glutes, Pattern.calves, Pattern.quads})
# Patterns whose sets are not "hard sets" for a muscle: trunk, carries, easy days and power work.
NON_VOLUME_PATTERNS = frozenset({Pattern.core, Pattern.carry, Pattern.mobility, Pattern.conditioning,
                                 *EXPLOSIVE_PATTERNS})


class Equipment(enum.StrEnum):
    barbell = "barbell"
    trap_bar = "trap bar"
    dumbbell = "dumbbell"
    kettlebell = "kettlebell"
    bodyweight = "bodyweight"
    band = "band"
    machine = "machine"
    cable = "cable"
    med_ball = "medicine ball"
    box = "plyo box"
    sled = "sled"
    bench = "bench"
    bar = "pull-up bar"
    rack = "squat rack"  # a barbell squat or bench press starts from one (or from stands)


class Muscle(enum.StrEnum):
    chest = "chest"
    back = "back"
    shoulders = "shoulders"
    biceps = "biceps"
    triceps = "triceps"
    quads = "quads"
    glutes = "glutes"
    hamstrings = "hamstrings"
    calves = "calves"
    core = "core"


# Every week must train these; the weekly set bands apply to them.
MAJOR_MUSCLES = (Muscle.chest, Muscle.back, Muscle.shoulders, Muscle.quads, Muscle.glutes, Muscle.hamstrings)


class BodyArea(enum.StrEnum):
    """Where an injury is, and where an exercise puts its load: a current injury keeps out what stresses it."""

    neck = "neck"
    shoulder = "shoulder"
    elbow = "elbow"
    wrist_hand = "wrist_hand"
    upper_back = "upper_back"
    lower_back = "lower_back"
    hip = "hip"
    knee = "knee"
    ankle_foot = "ankle_foot"


class Load(enum.StrEnum):
    """How an exercise is loaded: decides which rep schemes and intensities make sense."""

    barbell = "barbell"
    dumbbell = "dumbbell"
    bodyweight = "bodyweight"
    machine = "machine"
    band = "band"
    cardio = "cardio"


class Impact(enum.IntEnum):
    """Landing impact per rep: what matters for heavy bodies and sore joints."""

    none = 0
    low = 1
    moderate = 2
    high = 3


class Unit(enum.StrEnum):
    reps = "reps"
    per_side = "per side"
    hold = "hold"


GYM: frozenset[Equipment] = frozenset(Equipment)
HOME: frozenset[Equipment] = frozenset(
    {Equipment.bodyweight, Equipment.dumbbell, Equipment.kettlebell, Equipment.band})
DUMBBELLS_ONLY: frozenset[Equipment] = frozenset({Equipment.bodyweight, Equipment.dumbbell})



class Movement(enum.StrEnum):
    """What the person's words (or their injury, or their situation) rule out."""

    squat = "squats"
    deep_squat = "deep squats and deep knee bends"
    lunge = "lunges"
    deadlift = "deadlifts"
    jump = "jumps"
    sprint = "sprints"
    olympic = "Olympic lifts"
    overhead = "overhead work"
    bench_press = "bench pressing"
    pull_up = "pull-ups"
    spinal_flexion = "loaded spinal flexion"
    axial_loading = "heavy spinal loading"
    knee_stress = "knee-stressing work"
    shoulder_stress = "shoulder-stressing work"
    impact = "impact and landings"
    high_impact = "high-impact landings"
    lying = "lying on the back or front"
    cardio = "cardio"


P = Pattern
U = Muscle

# The muscles an exercise of each pattern trains when its catalogue entry names none.
DEFAULT_MUSCLES: dict[Pattern, tuple[Muscle, ...]] = {
    P.squat: (U.quads, U.glutes), P.hinge: (U.glutes, U.hamstrings), P.h_push: (U.chest, U.triceps, U.shoulders),
    P.h_pull: (U.back, U.biceps), P.v_push: (U.shoulders, U.triceps), P.v_pull: (U.back, U.biceps),
    P.lunge: (U.quads, U.glutes), P.core: (U.core,), P.carry: (U.core,), P.jump: (U.quads, U.glutes, U.calves),
    P.throw: (U.chest, U.shoulders, U.core), P.olympic: (U.glutes, U.hamstrings, U.back),
    P.sprint: (U.hamstrings, U.glutes, U.calves), P.biceps: (U.biceps,), P.triceps: (U.triceps,),
    P.delts: (U.shoulders,), P.chest_fly: (U.chest,), P.quads: (U.quads,), P.hamstrings: (U.hamstrings,),
    P.glutes: (U.glutes, U.hamstrings), P.calves: (U.calves,), P.mobility: (), P.conditioning: (),
}


def load_of(pattern: Pattern, equipment: Collection[Equipment]) -> Load:
    if pattern is P.conditioning:
        return Load.cardio
    E, eq = Equipment, set(equipment)
    if eq & {E.barbell, E.trap_bar}:
        return Load.barbell
    if eq & {E.machine, E.cable, E.sled}:
        return Load.machine
    if eq & {E.dumbbell, E.kettlebell, E.med_ball}:
        return Load.dumbbell
    if E.band in eq:
        return Load.band
    return Load.bodyweight


# Where more work for a muscle comes from, best first.
PATTERNS_FOR: dict[Muscle, tuple[Pattern, ...]] = {
    Muscle.chest: (Pattern.h_push, Pattern.chest_fly), Muscle.back: (Pattern.h_pull, Pattern.v_pull),
    Muscle.shoulders: (Pattern.delts, Pattern.v_push), Muscle.quads: (Pattern.squat, Pattern.lunge, Pattern.quads),
    Muscle.glutes: (Pattern.glutes, Pattern.hinge, Pattern.lunge), Muscle.hamstrings: (Pattern.hamstrings,
    Pattern.hinge),
    Muscle.biceps: (Pattern.biceps,), Muscle.triceps: (Pattern.triceps,), Muscle.calves: (Pattern.calves,),
    Muscle.core: (Pattern.core,),
}
