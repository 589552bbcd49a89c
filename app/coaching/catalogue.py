"""The exercise lexicon: every exercise either engine may prescribe, and what it is.

Each entry has its movement pattern, the equipment it needs, its main muscles, its load type,
how hard it is to learn (tier: the lowest level that gets it as a default choice), its landing
impact, and the flags the person's words can rule out (knees, spine, shoulders, deep knee bends,
spinal flexion, lying down). Aliases map the names an LLM writes ("DB bench", "RDLs") to an
entry, so the validator can place every exercise a program names, and reject one it cannot.

Selection (pick) never relaxes what the person ruled out: not the bans, not the equipment. It
substitutes a pattern or relaxes the tier instead, so "bad knees" can never end in depth jumps and
"only dumbbells" never ends in a barbell.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass


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


@dataclass(frozen=True, slots=True)
class LibraryExercise:
    name: str
    pattern: Pattern
    equipment: frozenset[Equipment]  # any one of these is enough
    tier: int  # 1 beginner, 2 intermediate, 3 advanced: the lowest level that gets it by default
    muscles: tuple[Muscle, ...]  # main muscles, the prime mover first
    load: Load
    heavy: bool  # can be loaded for sets of 1-6 (a barbell can; a goblet squat or a push-up cannot)
    compound: bool = True
    impact: Impact = Impact.none
    knee_friendly: bool = True
    spine_friendly: bool = True  # little axial load or shear: a sane default for a sore back
    shoulder_friendly: bool = True
    needs: frozenset[Equipment] = frozenset()  # also required, all of them (a bench, a bar)
    deep: bool = False  # a deep knee bend under load: what "no deep squats" rules out
    flexion: bool = False  # loaded or repeated spinal flexion: never for a disc
    lying: bool = False  # on the back or front: not in later pregnancy
    overhead: bool = False
    testable: bool = False  # a main lift whose 1RM may be tested
    stock: bool = True  # the built-in engine may choose it; False: known only so it can be judged
    unit: Unit = Unit.reps
    cue: str = ""
    aliases: tuple[str, ...] = ()


E = Equipment
BB, TB, DB, KB, BW = E.barbell, E.trap_bar, E.dumbbell, E.kettlebell, E.bodyweight
BAND, MACH, CAB, MB, BOX, SLED, BENCH, BAR = E.band, E.machine, E.cable, E.med_ball, E.box, E.sled, E.bench, E.bar
P = Pattern
U = Muscle

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
    eq = set(equipment)
    if eq & {BB, TB}:
        return Load.barbell
    if eq & {MACH, CAB, SLED}:
        return Load.machine
    if eq & {DB, KB, MB}:
        return Load.dumbbell
    if BAND in eq:
        return Load.band
    return Load.bodyweight


def _ex(name: str, pattern: Pattern, equipment: Iterable[Equipment], tier: int, *,
        muscles: Iterable[Muscle] | None = None, heavy: bool | None = None, compound: bool = True,
        impact: Impact = Impact.none, knee: bool = True, spine: bool = True, shoulder: bool = True,
        needs: Iterable[Equipment] = (), deep: bool = False, flexion: bool = False, lying: bool = False,
        overhead: bool = False, test: bool = False, stock: bool = True, unit: Unit = Unit.reps, cue: str = "",
        aliases: Iterable[str] = ()) -> LibraryExercise:
    eq = frozenset(equipment)
    load = load_of(pattern, eq)
    return LibraryExercise(
        name, pattern, eq, tier, tuple(DEFAULT_MUSCLES[pattern] if muscles is None else muscles), load,
        load in (Load.barbell, Load.machine) if heavy is None else heavy, compound, impact, knee, spine, shoulder,
        frozenset(needs), deep, flexion, lying, overhead, test, stock, unit, cue, tuple(aliases))


# Order matters: within a tier, earlier entries are preferred, so each pattern lists its canonical
# main lift first among the barbell lifts and the friendliest beginner option first among tier 1.
EXERCISES: tuple[LibraryExercise, ...] = (
    # squat
    _ex("Back squat", P.squat, [BB], 2, knee=False, spine=False, deep=True, test=True,
        aliases=["squat", "barbell squat", "high bar squat", "low bar squat", "barbell back squat"],
        cue="Brace before each descent and squat to the depth you can hold a neutral spine."),
    _ex("Front squat", P.squat, [BB], 3, knee=False, spine=False, deep=True, test=True,
        aliases=["barbell front squat"], cue="Elbows high, torso tall."),
    _ex("Box squat", P.squat, [BB], 2, spine=False, test=True, aliases=["barbell box squat"],
        cue="Sit back to a box at parallel, pause, drive up."),
    _ex("Paused back squat", P.squat, [BB], 3, knee=False, spine=False, deep=True, aliases=["pause squat"],
        cue="Two-second pause in the hole."),
    _ex("Belt squat", P.squat, [MACH], 2, cue="Loads the legs without loading the spine."),
    _ex("Heel-elevated dumbbell squat", P.squat, [DB], 2, knee=False, deep=True, aliases=["heel elevated squat"],
        cue="Heels on plates, knees travel."),
    _ex("Tempo goblet squat", P.squat, [DB, KB], 3, knee=False, deep=True, cue="Three seconds down, one-second pause."),
    _ex("Goblet squat", P.squat, [DB, KB], 1, knee=False, deep=True,
        aliases=["dumbbell goblet squat", "kettlebell goblet squat", "dumbbell squat"],
        cue="Hold the weight at the chest, elbows inside the knees."),
    _ex("Goblet box squat", P.squat, [DB, KB], 1, needs=[BENCH], aliases=["goblet squat to box",
        "goblet squat to bench"],
        cue="Touch a box or bench, stand tall."),
    _ex("Leg press", P.squat, [MACH], 1, aliases=["machine leg press", "45 degree leg press"],
        cue="Lower until the hips start to tuck, then press."),
    _ex("Bodyweight box squat", P.squat, [BW], 1,
        aliases=["bodyweight squat", "air squat", "chair squat", "sit to stand", "box squat to chair"],
        cue="Sit to a chair-height box and stand without rocking."),
    # hinge
    _ex("Conventional deadlift", P.hinge, [BB], 2, spine=False, test=True,
        aliases=["deadlift", "barbell deadlift"],
        cue="Bar over mid-foot, push the floor away, lock out with the glutes."),
    _ex("Romanian deadlift", P.hinge, [BB], 2, spine=False, muscles=[U.hamstrings, U.glutes],
        aliases=["rdl", "barbell romanian deadlift", "barbell rdl", "stiff leg deadlift"],
        cue="Soft knees, hips back until hamstrings stretch."),
    _ex("Trap-bar deadlift", P.hinge, [TB], 1, spine=False, test=True, muscles=[U.glutes, U.quads, U.hamstrings],
        aliases=["hex bar deadlift", "trap bar deadlift"], cue="Sit into the handles, chest up, stand tall."),
    _ex("Sumo deadlift", P.hinge, [BB], 2, spine=False, test=True, cue="Wide stance, knees out, chest tall."),
    _ex("Deficit deadlift", P.hinge, [BB], 3, spine=False, cue="Stand on a 2 to 5 cm plate."),
    _ex("Good morning", P.hinge, [BB], 3, spine=False, muscles=[U.hamstrings, U.glutes],
        aliases=["barbell good morning"], cue="Light load, hips back, neutral spine."),
    _ex("Jefferson curl", P.hinge, [BB, DB, KB], 3, spine=False, flexion=True, heavy=False, stock=False,
        muscles=[U.hamstrings], cue="Segmental spinal flexion under load."),
    _ex("Single-leg Romanian deadlift", P.hinge, [DB, KB], 2, unit=Unit.per_side, muscles=[U.hamstrings, U.glutes],
        aliases=["single leg rdl", "single leg deadlift"], cue="Reach the free leg back, hips square."),
    _ex("Dumbbell Romanian deadlift", P.hinge, [DB], 1, heavy=True, muscles=[U.hamstrings, U.glutes],
        aliases=["dumbbell rdl"], cue="Slide the weights down the thighs, hips back."),
    _ex("Kettlebell deadlift", P.hinge, [KB], 1, aliases=["kb deadlift", "dumbbell deadlift"],
        cue="Bell between the feet, hinge, stand tall."),
    _ex("Pull-through, cable or band", P.hinge, [CAB, BAND], 1, heavy=False,
        aliases=["cable pull through", "band pull through", "pull through"], cue="Hinge and snap the hips through."),
    _ex("45-degree back extension", P.hinge, [MACH], 1, heavy=False, aliases=["back extension", "hyperextension"],
        cue="Move from the hips, finish with the glutes."),
    # horizontal push
    _ex("Barbell bench press", P.h_push, [BB], 2, needs=[BENCH], shoulder=False, lying=True, test=True,
        aliases=["bench press", "bench", "flat bench press", "flat barbell bench press"],
        cue="Shoulder blades pinned, feet planted, touch low chest."),
    _ex("Close-grip bench press", P.h_push, [BB], 2, needs=[BENCH], lying=True, muscles=[U.triceps, U.chest],
        aliases=["close grip bench"], cue="Hands shoulder width, elbows tucked."),
    _ex("Incline barbell bench press", P.h_push, [BB], 2, needs=[BENCH], shoulder=False,
        aliases=["incline bench press", "incline barbell press"], cue="Bench at about 30 degrees."),
    _ex("Paused bench press", P.h_push, [BB], 3, needs=[BENCH], shoulder=False, lying=True,
        aliases=["pause bench"], cue="One-second pause on the chest."),
    _ex("Single-arm dumbbell floor press", P.h_push, [DB], 3, lying=True, heavy=True, unit=Unit.per_side,
        aliases=["dumbbell floor press", "floor press"], cue="Resist the twist."),
    _ex("Dumbbell bench press", P.h_push, [DB], 1, needs=[BENCH], heavy=True, lying=True,
        aliases=["db bench press", "flat dumbbell press", "dumbbell press", "dumbbell chest press"],
        cue="Lower under control to chest level."),
    _ex("Push-up", P.h_push, [BW], 1, aliases=["press up"],
        cue="Elevate the hands if needed to keep a straight body line."),
    _ex("Feet-elevated push-up", P.h_push, [BW], 2, stock=False, cue="Body in one line, chest to the floor."),
    _ex("Incline dumbbell press", P.h_push, [DB], 1, needs=[BENCH], heavy=True,
        aliases=["incline dumbbell bench press", "incline db press"], cue="Bench at about 30 degrees."),
    _ex("Machine chest press", P.h_push, [MACH], 1, aliases=["chest press", "seated chest press"],
        cue="Full stretch, smooth press."),
    _ex("Incline push-up", P.h_push, [BW], 1, aliases=["wall push up", "elevated push up", "bench push up"],
        cue="Hands on a wall, counter or bench: the higher, the easier."),
    _ex("Dip", P.h_push, [BW], 2, needs=[BAR], shoulder=False, muscles=[U.chest, U.triceps],
        aliases=["parallel bar dip", "chest dip"], cue="Lean slightly forward, shoulders down."),
    # horizontal pull
    _ex("Barbell bent-over row", P.h_pull, [BB], 2, spine=False,
        aliases=["barbell row", "bent over row", "bent over barbell row"],
        cue="Torso near 45 degrees, row to the belly."),
    _ex("Seal row", P.h_pull, [BB, DB], 2, needs=[BENCH], lying=True,
        cue="Chest supported on a high bench, no momentum."),
    _ex("Pendlay row", P.h_pull, [BB], 3, spine=False, cue="Dead stop on the floor every rep."),
    _ex("Chest-supported dumbbell row", P.h_pull, [DB], 1, needs=[BENCH], heavy=True,
        aliases=["chest supported row", "incline dumbbell row"],
        cue="Chest on an incline bench, squeeze the shoulder blades."),
    _ex("One-arm dumbbell row", P.h_pull, [DB], 1, heavy=True, unit=Unit.per_side,
        aliases=["dumbbell row", "single arm dumbbell row", "db row"], cue="Pull the elbow to the hip."),
    _ex("Seated cable row", P.h_pull, [CAB], 1, aliases=["cable row", "seated row"],
        cue="Tall chest, pause at the ribs."),
    _ex("Inverted row", P.h_pull, [BW], 1, needs=[BAR], aliases=["bodyweight row", "ring row"],
        cue="Under a sturdy bar, body straight."),
    _ex("Band row", P.h_pull, [BAND], 1, aliases=["resistance band row"], cue="Squeeze and pause each rep."),
    _ex("Doorframe row", P.h_pull, [BW], 1, aliases=["door frame row", "towel row"],
        cue="Hold a sturdy door frame, lean back and row yourself in."),
    # vertical push
    _ex("Standing overhead press", P.v_push, [BB], 2, spine=False, shoulder=False, overhead=True, test=True,
        aliases=["overhead press", "ohp", "military press", "barbell overhead press", "strict press", "shoulder press"],
        cue="Squeeze glutes, bar path close to the face."),
    _ex("Half-kneeling single-arm dumbbell press", P.v_push, [DB, KB], 2, heavy=True, shoulder=False,
        overhead=True, unit=Unit.per_side, aliases=["half kneeling press", "single arm dumbbell press"],
        cue="Ribs down, press in line with the ear."),
    _ex("Arnold press", P.v_push, [DB], 2, shoulder=False, overhead=True, cue="Rotate the palms as you press."),
    _ex("Seated dumbbell shoulder press", P.v_push, [DB], 1, needs=[BENCH], heavy=True, shoulder=False,
        overhead=True, aliases=["dumbbell shoulder press", "seated dumbbell press", "db shoulder press"],
        cue="Back supported, press without arching."),
    _ex("Machine shoulder press", P.v_push, [MACH], 1, shoulder=False, overhead=True,
        aliases=["shoulder press machine"], cue="Press without shrugging."),
    _ex("Landmine press", P.v_push, [BB], 1, heavy=True, muscles=[U.shoulders, U.chest, U.triceps],
        aliases=["single arm landmine press"], cue="Press up and forward, gentle on the shoulders."),
    _ex("Pike push-up", P.v_push, [BW], 1, shoulder=False, overhead=True,
        cue="Hips high, head travels in front of the hands."),
    # vertical pull
    _ex("Pull-up", P.v_pull, [BW], 2, needs=[BAR], heavy=True, shoulder=False, aliases=["pull up", "pullup"],
        cue="Full hang to chin over the bar."),
    _ex("Chin-up", P.v_pull, [BW], 2, needs=[BAR], heavy=True, shoulder=False, aliases=["chin up", "chinup"],
        cue="Palms facing you, chest to the bar."),
    _ex("Weighted pull-up", P.v_pull, [BW], 3, needs=[BAR], heavy=True, shoulder=False,
        cue="Add load only once 8 clean reps are easy."),
    _ex("Lat pulldown", P.v_pull, [CAB, MACH], 1, aliases=["lat pull down", "pulldown", "wide grip pulldown"],
        cue="Pull the bar to the upper chest, no swinging."),
    _ex("Band-assisted pull-up", P.v_pull, [BAND], 1, needs=[BAR], shoulder=False,
        aliases=["assisted pull up", "machine assisted pull up"], cue="Use the lightest band that allows full range."),
    _ex("Neutral-grip pulldown", P.v_pull, [CAB], 1, aliases=["close grip pulldown"],
        cue="Elbows drive down to the ribs."),
    _ex("Band lat pulldown", P.v_pull, [BAND], 1, aliases=["band pulldown"],
        cue="Anchor the band high, pull the elbows down to the ribs."),
    _ex("Dumbbell pullover", P.v_pull, [DB], 1, compound=False, lying=True, muscles=[U.back, U.chest],
        aliases=["pullover"], cue="Stretch the lats, ribs stay down."),
    # lunge / single leg
    _ex("Dumbbell reverse lunge", P.lunge, [DB, KB, BW], 1, heavy=True, unit=Unit.per_side,
        aliases=["reverse lunge", "lunge", "dumbbell lunge", "bodyweight reverse lunge"],
        cue="Step back, front shin stays near vertical."),
    _ex("Step-up", P.lunge, [DB, KB, BW], 1, unit=Unit.per_side, needs=[BENCH],
        aliases=["dumbbell step up", "box step up"], cue="Knee-height box or lower, no push from the back foot."),
    _ex("Split squat", P.lunge, [DB, KB, BW], 1, heavy=True, unit=Unit.per_side,
        aliases=["dumbbell split squat", "static lunge"], cue="Drop the back knee straight down."),
    _ex("Bulgarian split squat", P.lunge, [DB, KB, BW], 2, heavy=True, knee=False, deep=True, needs=[BENCH],
        unit=Unit.per_side, aliases=["rear foot elevated split squat", "rfess", "dumbbell bulgarian split squat"],
        cue="Back foot on a bench, lean slightly forward for glutes."),
    _ex("Walking lunge", P.lunge, [DB, KB, BW], 2, knee=False, unit=Unit.per_side,
        aliases=["dumbbell walking lunge"], cue="Long strides, soft knee touch."),
    _ex("Lateral lunge", P.lunge, [DB, KB, BW], 2, knee=False, unit=Unit.per_side, aliases=["side lunge"],
        cue="Sit into one hip."),
    _ex("Front-foot-elevated split squat", P.lunge, [DB, KB], 3, knee=False, deep=True, unit=Unit.per_side,
        cue="Front foot on a plate for more depth."),
    _ex("Barbell reverse lunge", P.lunge, [BB], 3, spine=False, unit=Unit.per_side,
        cue="Brace, step back softly."),
    # core and carries
    _ex("Dead bug", P.core, [BW], 1, compound=False, lying=True, unit=Unit.per_side,
        cue="Low back pressed to the floor."),
    _ex("Side plank", P.core, [BW], 1, compound=False, unit=Unit.hold, cue="Each side; hips high."),
    _ex("Bird dog", P.core, [BW], 1, compound=False, unit=Unit.per_side, cue="Reach long, hips level."),
    _ex("Pallof press", P.core, [BAND, CAB], 1, compound=False, unit=Unit.per_side, cue="Resist rotation."),
    _ex("Front plank", P.core, [BW], 1, compound=False, unit=Unit.hold, aliases=["plank", "forearm plank"],
        cue="Squeeze glutes, ribs down."),
    _ex("Hanging knee raise", P.core, [BW], 2, compound=False, needs=[BAR], flexion=True, shoulder=False,
        cue="Curl the pelvis up, no swinging."),
    _ex("Ab wheel rollout", P.core, [BW], 2, compound=False, spine=False, aliases=["ab rollout", "rollout"],
        cue="Only as far as the back stays flat."),
    _ex("Hanging leg raise", P.core, [BW], 3, compound=False, needs=[BAR], flexion=True, shoulder=False,
        aliases=["toes to bar"], cue="Slow lowering."),
    _ex("Sit-up", P.core, [BW], 1, compound=False, flexion=True, lying=True, stock=False, aliases=["crunch", "situp"],
        cue="Curl up one segment at a time."),
    _ex("Russian twist", P.core, [BW, DB, MB], 2, compound=False, flexion=True, stock=False,
        cue="Rotate from the ribs."),
    _ex("Cable crunch", P.core, [CAB], 2, compound=False, flexion=True, stock=False, cue="Curl the ribs to the hips."),
    _ex("Farmer's carry", P.carry, [DB, KB, TB], 1, unit=Unit.hold, aliases=["farmer carry", "farmers walk"],
        cue="Tall posture, short quick steps."),
    _ex("Suitcase carry", P.carry, [DB, KB], 1, unit=Unit.hold, cue="One side only; do not lean. Switch hands."),
    _ex("Front-rack kettlebell carry", P.carry, [KB], 2, unit=Unit.hold, cue="Elbows in, breathe behind the brace."),
    _ex("Overhead carry", P.carry, [DB, KB], 3, unit=Unit.hold, shoulder=False, overhead=True,
        cue="Lock the arm, ribs down."),
    # jumps: impact grades what a heavy body or a sore knee has to absorb
    _ex("Depth jump", P.jump, [BOX], 3, impact=Impact.high, knee=False, cue="Step off, rebound instantly.",
        aliases=["drop jump"]),
    _ex("Hurdle hop", P.jump, [BW], 3, impact=Impact.high, knee=False, cue="Quick ground contacts."),
    _ex("Broad jump", P.jump, [BW], 2, impact=Impact.high, knee=False, aliases=["standing long jump"],
        cue="Swing the arms, stick the landing."),
    _ex("Lateral bound", P.jump, [BW], 2, impact=Impact.high, knee=False, unit=Unit.per_side,
        aliases=["skater jump", "skater bound"], cue="Stick each landing for a second."),
    _ex("Seated box jump", P.jump, [BOX], 2, impact=Impact.low, knee=False, cue="From a seat, jump onto the box."),
    _ex("Countermovement jump", P.jump, [BW], 1, impact=Impact.moderate, knee=False,
        aliases=["vertical jump", "squat jump", "jump squat"], cue="Jump for maximum height."),
    _ex("Pogo hop", P.jump, [BW], 1, impact=Impact.moderate, knee=False, aliases=["pogo jump"],
        cue="Stiff ankles, quick bounces."),
    _ex("Box jump", P.jump, [BOX], 1, impact=Impact.low, knee=False, cue="Land softly on the box and step down."),
    _ex("Snap-down to stick", P.jump, [BW], 1, impact=Impact.low, knee=False,
        cue="Rise on the toes, snap into a quiet athletic landing."),
    # throws and upper-body plyometrics
    _ex("Medicine ball rotational throw", P.throw, [MB], 2, spine=False, unit=Unit.per_side,
        aliases=["rotational med ball throw"], cue="Power from the hips."),
    _ex("Medicine ball scoop toss", P.throw, [MB], 2, spine=False, cue="Load the hips and throw forward."),
    _ex("Plyometric push-up", P.throw, [BW], 2, shoulder=False, aliases=["clap push up", "explosive push up"],
        cue="Hands leave the floor, land softly."),
    _ex("Medicine ball overhead backward throw", P.throw, [MB], 3, spine=False, overhead=True, shoulder=False,
        cue="Hinge and throw up and back."),
    _ex("Medicine ball chest pass", P.throw, [MB], 1, aliases=["med ball chest pass", "chest pass"],
        cue="Throw hard into a wall, catch and reset."),
    _ex("Medicine ball overhead slam", P.throw, [MB], 1, spine=False, overhead=True, shoulder=False,
        aliases=["med ball slam", "ball slam", "medicine ball slam"], cue="Reach tall and slam with the whole body."),
    _ex("Explosive incline push-up", P.throw, [BW], 1, needs=[BENCH],
        cue="Hands on a bench, push as fast as possible."),
    # Olympic-lift derivatives and ballistics
    _ex("Hang power clean", P.olympic, [BB], 2, spine=False, aliases=["hang clean"],
        cue="From above the knee, jump and shrug, fast elbows."),
    _ex("Push press", P.olympic, [BB], 2, spine=False, overhead=True, shoulder=False,
        muscles=[U.shoulders, U.triceps, U.quads], cue="Short dip, violent drive, press to finish."),
    _ex("Jump shrug", P.olympic, [BB, TB], 2, spine=False, cue="Jump the bar up, no arm pull."),
    _ex("Power clean", P.olympic, [BB], 3, spine=False, test=True, aliases=["clean"],
        cue="From the floor, fast elbows."),
    _ex("Hang power snatch", P.olympic, [BB], 3, spine=False, overhead=True, shoulder=False,
        aliases=["power snatch", "snatch"], cue="Wide grip, punch to lockout."),
    _ex("Single-arm dumbbell snatch", P.olympic, [DB, KB], 2, spine=False, overhead=True, shoulder=False,
        unit=Unit.per_side, aliases=["dumbbell snatch", "kettlebell snatch"], cue="Floor to overhead in one move."),
    _ex("Kettlebell swing", P.olympic, [KB, DB], 1, spine=False, aliases=["kb swing", "russian swing"],
        cue="Hike, snap the hips, the bell floats."),
    # sprints: impact again decides who gets the track and who gets the bike
    _ex("Flying sprint", P.sprint, [BW], 2, impact=Impact.high, knee=False, aliases=["flying 20", "flying 10"],
        cue="20 m build-up, 10 to 20 m flat out."),
    _ex("Acceleration sprint", P.sprint, [BW], 1, impact=Impact.high, knee=False, aliases=["sprint", "sprints"],
        cue="10 to 20 m from a standing start."),
    _ex("Hill sprint", P.sprint, [BW], 1, impact=Impact.moderate, knee=False, cue="10 to 15 m up a moderate hill."),
    _ex("Sled push sprint", P.sprint, [SLED], 1, impact=Impact.low, aliases=["sled push", "prowler push"],
        cue="10 to 20 m, low body angle."),
    _ex("Air bike sprint", P.sprint, [MACH], 1, aliases=["bike sprint", "assault bike sprint"],
        cue="8 seconds all-out."),
    # isolation
    _ex("Incline dumbbell curl", P.biceps, [DB], 2, compound=False, needs=[BENCH], cue="Arms hang behind the body."),
    _ex("Dumbbell curl", P.biceps, [DB], 1, compound=False, aliases=["bicep curl", "biceps curl", "curl"],
        cue="No swinging, slow lowering."),
    _ex("Hammer curl", P.biceps, [DB], 1, compound=False, cue="Neutral grip."),
    _ex("Barbell curl", P.biceps, [BB], 1, compound=False, aliases=["ez bar curl"], cue="Elbows pinned."),
    _ex("Cable or band curl", P.biceps, [CAB, BAND], 1, compound=False, aliases=["cable curl", "band curl"],
        cue="Constant tension."),
    _ex("Skull crusher", P.triceps, [BB, DB], 2, compound=False, needs=[BENCH], lying=True, heavy=False,
        aliases=["lying triceps extension"], cue="Lower behind the head."),
    _ex("Triceps pushdown, cable or band", P.triceps, [CAB, BAND], 1, compound=False,
        aliases=["triceps pushdown", "tricep pushdown", "rope pushdown", "cable pushdown"], cue="Elbows stay still."),
    _ex("Overhead dumbbell triceps extension", P.triceps, [DB], 1, compound=False,
        aliases=["overhead triceps extension", "overhead tricep extension"], cue="Deep stretch."),
    _ex("Close-grip push-up", P.triceps, [BW], 1, compound=False, aliases=["diamond push up"],
        cue="Elbows brush the ribs."),
    _ex("Cable lateral raise", P.delts, [CAB], 2, compound=False, heavy=False, cue="Lead with the elbow."),
    _ex("Dumbbell lateral raise", P.delts, [DB], 1, compound=False, aliases=["lateral raise", "side raise"],
        cue="Raise to shoulder height, slow lowering."),
    _ex("Face pull", P.delts, [CAB, BAND], 1, compound=False, heavy=False, muscles=[U.shoulders, U.back],
        cue="Pull to the forehead, rotate out."),
    _ex("Rear-delt dumbbell fly", P.delts, [DB], 1, compound=False, needs=[BENCH], muscles=[U.shoulders, U.back],
        aliases=["rear delt fly", "reverse fly"], cue="Chest on an incline bench."),
    _ex("Band pull-apart", P.delts, [BAND], 1, compound=False, muscles=[U.shoulders, U.back],
        cue="Arms straight, squeeze the upper back."),
    _ex("Prone Y-T-W raise", P.delts, [BW], 1, compound=False, lying=True, muscles=[U.shoulders, U.back],
        aliases=["ytw", "y t w raise"], cue="Face down, thumbs up, lift with the shoulder blades."),
    _ex("Dumbbell fly", P.chest_fly, [DB], 1, compound=False, needs=[BENCH], lying=True,
        aliases=["dumbbell chest fly", "chest fly"], cue="Soft elbows, stretch, squeeze."),
    _ex("Cable fly", P.chest_fly, [CAB, BAND], 1, compound=False, heavy=False,
        aliases=["cable crossover", "band chest fly"], cue="Hug a big tree."),
    _ex("Machine fly", P.chest_fly, [MACH], 1, compound=False, heavy=False, aliases=["pec deck"],
        cue="Slow stretch, full squeeze."),
    _ex("Leg extension", P.quads, [MACH], 1, compound=False, heavy=False, knee=False,
        aliases=["quad extension", "knee extension"], cue="Pause at the top, slow lowering."),
    _ex("Wall sit", P.quads, [BW], 1, compound=False, unit=Unit.hold, cue="Thighs as low as is comfortable."),
    _ex("Nordic hamstring curl", P.hamstrings, [BW], 3, compound=False, heavy=True, aliases=["nordic curl"],
        cue="Lower as slowly as you can."),
    _ex("Lying leg curl", P.hamstrings, [MACH], 1, compound=False, lying=True, heavy=False,
        aliases=["leg curl", "hamstring curl"], cue="Hips pressed down."),
    _ex("Seated leg curl", P.hamstrings, [MACH], 1, compound=False, heavy=False, cue="Full range, slow lowering."),
    _ex("Sliding leg curl", P.hamstrings, [BW], 1, compound=False, lying=True, aliases=["slider leg curl"],
        cue="Hips up, heels slide on a towel."),
    _ex("Barbell hip thrust", P.glutes, [BB], 2, needs=[BENCH], aliases=["hip thrust"],
        cue="Shoulders on a bench, chin tucked, full lockout."),
    _ex("Single-leg hip thrust", P.glutes, [BW, DB], 2, compound=False, needs=[BENCH], unit=Unit.per_side,
        cue="Pause at the top."),
    _ex("Dumbbell hip thrust", P.glutes, [DB], 1, needs=[BENCH], cue="Dumbbell on the hips, pause at the top."),
    _ex("Glute bridge", P.glutes, [BW, DB], 1, compound=False, lying=True, aliases=["hip bridge"],
        cue="Drive through the heels, squeeze at the top."),
    _ex("Glute kickback, cable or band", P.glutes, [CAB, BAND], 1, compound=False, heavy=False,
        aliases=["glute kickback", "cable kickback"], cue="Hips square."),
    _ex("Standing calf raise", P.calves, [MACH, DB, BW], 1, compound=False, heavy=False, aliases=["calf raise"],
        cue="Full stretch, pause at the top."),
    _ex("Seated calf raise", P.calves, [MACH], 1, compound=False, heavy=False, cue="Slow lowering."),
    _ex("Single-leg calf raise", P.calves, [BW, DB], 1, compound=False, unit=Unit.per_side, cue="Off a step."),
    # recovery-day work
    _ex("World's greatest stretch", P.mobility, [BW], 1, compound=False, unit=Unit.per_side, cue="Slow and easy."),
    _ex("90/90 hip switch", P.mobility, [BW], 1, compound=False, unit=Unit.per_side, cue="Stay tall."),
    _ex("Thoracic open book", P.mobility, [BW], 1, compound=False, unit=Unit.per_side, cue="Follow the hand."),
    _ex("Cat-camel", P.mobility, [BW], 1, compound=False, aliases=["cat cow"], cue="Move one segment at a time."),
    _ex("Couch stretch", P.mobility, [BW], 1, compound=False, unit=Unit.hold, cue="Each side; squeeze the glute."),
    _ex("Arm swing", P.mobility, [BW], 1, compound=False, stock=False, aliases=["arm circle"],
        cue="Loose, easy swings."),
    _ex("Easy bike or brisk walk", P.conditioning, [BW, MACH], 1, compound=False,
        aliases=["brisk walk", "walk", "walking", "easy bike", "zone 2 cardio", "cardio", "light cardio",
        "easy cardio"],
        cue="Keep a pace where you can still talk."),
    _ex("Stationary bike, steady", P.conditioning, [MACH], 1, compound=False,
        aliases=["stationary bike", "bike", "cycling", "exercise bike", "recumbent bike"],
        cue="Steady pace, breathing hard enough that you would rather not sing."),
    _ex("Incline treadmill walk", P.conditioning, [MACH], 1, compound=False, aliases=["treadmill walk", "incline walk"],
        cue="A gradient you can sustain without holding the rails."),
    _ex("Elliptical, steady", P.conditioning, [MACH], 1, compound=False, aliases=["elliptical", "cross trainer"],
        cue="Smooth, even strides."),
    _ex("Rowing machine, easy pace", P.conditioning, [MACH], 1, aliases=["rowing machine", "rower", "row erg"],
        cue="Relaxed breathing throughout."),
)

_BY_NAME: dict[str, LibraryExercise] = {ex.name: ex for ex in EXERCISES}
_BY_PATTERN: dict[Pattern, tuple[LibraryExercise, ...]] = {
    p: tuple(ex for ex in EXERCISES if ex.pattern is p) for p in Pattern}

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
    Pattern.hinge: (Pattern.glutes,),
    Pattern.core: (Pattern.carry,),
    Pattern.carry: (Pattern.core,),
    Pattern.conditioning: (Pattern.mobility,),
}


# ---------------------------------------------------------------- names an LLM writes

_SYNONYMS = {"db": "dumbbell", "dbs": "dumbbell", "bb": "barbell", "kb": "kettlebell", "pullup": "pull up",
             "pushup": "push up", "chinup": "chin up", "situp": "sit up", "hex": "hex", "ez": "ez",
             "&": "and", "w": "with"}
_EQUIPMENT_WORDS = ("barbell", "dumbbell", "kettlebell", "cable", "machine", "band", "bodyweight", "weighted")


def _singular(word: str) -> str:
    if word == "ups":  # pull ups, push ups, sit ups
        return "up"
    if len(word) <= 3 or word.endswith("ss"):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("shes", "ches", "sses", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def normalize(name: str) -> str:
    """A name reduced to what identifies it: lower case, no punctuation, no plurals."""
    text = re.sub(r"\([^)]*\)", " ", name.lower())  # "Back squat (high bar)" is a back squat
    text = text.replace("'", "").replace("’", "")
    words = re.sub(r"[^a-z0-9&]+", " ", text).split()
    out: list[str] = []
    for word in words:
        out += _SYNONYMS.get(word, word).split()
    return " ".join(_singular(w) for w in out)


_INDEX: dict[str, LibraryExercise] = {}
for _entry in EXERCISES:
    for _key in (_entry.name, *_entry.aliases):
        _INDEX.setdefault(normalize(_key), _entry)


@functools.lru_cache(maxsize=4096)
def lookup(name: str) -> LibraryExercise | None:
    """The lexicon entry a written name means, or None when it names nothing we know."""
    key = normalize(name)
    if key in _INDEX:
        return _INDEX[key]
    words = key.split()
    # "Barbell back squat", "Dumbbell goblet squat": a leading equipment word the entry already implies.
    while words and words[0] in _EQUIPMENT_WORDS:
        words = words[1:]
        if " ".join(words) in _INDEX:
            return _INDEX[" ".join(words)]
    return None


def contributions(ex: LibraryExercise) -> tuple[tuple[Muscle, float], ...]:
    """Hard sets per set of this exercise, per muscle: the prime mover whole, other main muscles half.

    Trunk work, carries, easy days and power work count for nothing: they are not hard sets.
    """
    if ex.pattern in NON_VOLUME_PATTERNS:
        return ()
    return tuple((m, 1.0 if i == 0 else 0.5) for i, m in enumerate(ex.muscles))


# Where more work for a muscle comes from, best first.
PATTERNS_FOR: dict[Muscle, tuple[Pattern, ...]] = {
    Muscle.chest: (Pattern.h_push, Pattern.chest_fly), Muscle.back: (Pattern.h_pull, Pattern.v_pull),
    Muscle.shoulders: (Pattern.delts, Pattern.v_push), Muscle.quads: (Pattern.squat, Pattern.lunge, Pattern.quads),
    Muscle.glutes: (Pattern.glutes, Pattern.hinge, Pattern.lunge), Muscle.hamstrings: (Pattern.hamstrings,
    Pattern.hinge),
    Muscle.biceps: (Pattern.biceps,), Muscle.triceps: (Pattern.triceps,), Muscle.calves: (Pattern.calves,),
    Muscle.core: (Pattern.core,),
}


def by_name(name: str) -> LibraryExercise:
    return _BY_NAME[name]


def of_pattern(pattern: Pattern) -> tuple[LibraryExercise, ...]:
    return _BY_PATTERN[pattern]


# ---------------------------------------------------------------- what a person rules out


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


def rules_out(ex: LibraryExercise, movement: Movement) -> bool:
    name = ex.name.lower()
    match movement:
        case Movement.squat:
            return ex.pattern is P.squat
        case Movement.deep_squat:
            return ex.deep
        case Movement.lunge:
            return ex.pattern is P.lunge
        case Movement.deadlift:
            return "deadlift" in name
        case Movement.jump:
            return ex.pattern is P.jump
        case Movement.sprint:
            return ex.pattern is P.sprint
        case Movement.olympic:
            return ex.pattern is P.olympic and ex.name != "Kettlebell swing"
        case Movement.overhead:
            return ex.overhead
        case Movement.bench_press:
            return "bench press" in name
        case Movement.pull_up:
            return "pull-up" in name or "chin-up" in name
        case Movement.spinal_flexion:
            return ex.flexion
        case Movement.axial_loading:
            return not ex.spine_friendly
        case Movement.knee_stress:
            return not ex.knee_friendly or ex.deep
        case Movement.shoulder_stress:
            return not ex.shoulder_friendly or ex.overhead
        case Movement.impact:
            return ex.impact >= Impact.moderate
        case Movement.high_impact:
            return ex.impact >= Impact.high
        case Movement.lying:
            return ex.lying
        case Movement.cardio:
            return ex.pattern is P.conditioning
    return False  # pragma: no cover - every member is matched above


def heavy_with(ex: LibraryExercise, equipment: Collection[Equipment]) -> bool:
    """Can it be loaded for 1-6 reps with this equipment? A split squat can with dumbbells, not without."""
    if not ex.heavy:
        return False
    loads = ex.equipment - {Equipment.bodyweight}
    return not loads or bool(loads & set(equipment))


def usable(ex: LibraryExercise, equipment: Collection[Equipment]) -> bool:
    """Can this be done with that equipment? Any one of its kinds, plus everything it needs."""
    return bool(ex.equipment & set(equipment)) and ex.needs <= set(equipment)


# ---------------------------------------------------------------- choosing


@dataclass(frozen=True, slots=True)
class Filters:
    """What one person may be given. Bans and equipment are never relaxed by selection."""

    max_tier: int = 3
    equipment: frozenset[Equipment] = GYM
    banned: frozenset[Movement] = frozenset()
    heavy_only: bool = False  # a main lift for strength or power: one that can be loaded for 1-6 reps

    def safe(self, ex: LibraryExercise) -> bool:
        return not any(rules_out(ex, m) for m in self.banned)

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
    allowed = [ex for ex in _BY_PATTERN[pattern] if ex.stock and filters.allows(ex)]
    order = {ex.name: i for i, ex in enumerate(_BY_PATTERN[pattern])}
    return tuple(sorted(allowed, key=lambda ex: (ex.name not in prefer, -min(ex.tier, 2), order[ex.name])))


def pick(pattern: Pattern, filters: Filters, *, offset: int = 0, prefer: frozenset[str] = frozenset(),
         exclude: Collection[str] = ()) -> LibraryExercise | None:
    """The offset-th choice for a pattern, skipping names already used that day.

    Tries the pattern, then at any tier, then without the heavy-only wish, then its substitutes.
    Bans and equipment hold throughout; None means nothing allowed exists for this slot.
    """
    any_tier = Filters(3, filters.equipment, filters.banned, filters.heavy_only)
    light = Filters(filters.max_tier, filters.equipment, filters.banned)
    subs = SUBSTITUTES.get(pattern, ())
    # A heavy main lift is worth a change of pattern (a split squat for a goblet squat) before
    # settling for a lift that cannot be loaded.
    attempts: list[tuple[Pattern, Filters]] = [(pattern, filters), (pattern, any_tier)]
    if filters.heavy_only:
        attempts += [(sub, flt) for sub in subs for flt in (filters, any_tier)]
    attempts += [(pattern, light), *((sub, light) for sub in subs)]
    for pat, flt in attempts:
        options = [ex for ex in ranked(pat, flt, prefer) if ex.name not in exclude]
        if options:
            return options[offset % len(options)]
    return None
