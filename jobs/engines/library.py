"""What the built-in engine programs from: exercises grouped by movement pattern, day templates, splits.

Every entry says what it needs (equipment), how hard it is to learn (tier: the lowest level that
gets it as a default choice), how much landing impact it has, and whether it is a sensible default
for sore knees or a sore back. Selection never relaxes those safety flags: it substitutes a pattern
or relaxes equipment and tier instead, so "bad knees" can never end in depth jumps.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import NamedTuple


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
    hamstrings = "hamstring curl"
    glutes = "glutes"
    calves = "calves"
    mobility = "mobility"
    conditioning = "conditioning"

    @property
    def explosive(self) -> bool:
        return self in EXPLOSIVE_PATTERNS


EXPLOSIVE_PATTERNS = frozenset({Pattern.jump, Pattern.throw, Pattern.olympic, Pattern.sprint})


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
    compound: bool = True
    impact: Impact = Impact.none
    knee_friendly: bool = True
    spine_friendly: bool = True  # little axial load or shear: a sane default for a sore back
    unit: Unit = Unit.reps
    cue: str = ""


@dataclass(frozen=True, slots=True)
class Filters:
    """What one person may be given. Safety fields are never relaxed by selection."""

    max_tier: int = 3
    equipment: frozenset[Equipment] = GYM
    max_impact: Impact = Impact.high
    knee_friendly_only: bool = False
    spine_friendly_only: bool = False

    def safe(self, ex: LibraryExercise) -> bool:
        return (ex.impact <= self.max_impact
                and (ex.knee_friendly or not self.knee_friendly_only)
                and (ex.spine_friendly or not self.spine_friendly_only))

    def allows(self, ex: LibraryExercise) -> bool:
        return self.safe(ex) and ex.tier <= self.max_tier and bool(ex.equipment & self.equipment)


E = Equipment
BB, TB, DB, KB, BW = E.barbell, E.trap_bar, E.dumbbell, E.kettlebell, E.bodyweight
BAND, MACH, CAB, MB, BOX, SLED = E.band, E.machine, E.cable, E.med_ball, E.box, E.sled


def _ex(name: str, pattern: Pattern, equipment: Iterable[Equipment], tier: int, *,
        compound: bool = True, impact: Impact = Impact.none, knee: bool = True, spine: bool = True,
        unit: Unit = Unit.reps, cue: str = "") -> LibraryExercise:
    return LibraryExercise(name, pattern, frozenset(equipment), tier, compound, impact, knee, spine, unit,
                           cue)


P = Pattern
# Order matters: within a tier, earlier entries are preferred, so each pattern lists its canonical
# main lift first among the barbell lifts and the friendliest beginner option first among tier 1.
EXERCISES: tuple[LibraryExercise, ...] = (
    # squat
    _ex("Back squat", P.squat, [BB], 2, knee=False, spine=False,
        cue="Brace before each descent and squat to the depth you can hold a neutral spine."),
    _ex("Front squat", P.squat, [BB], 3, knee=False, spine=False, cue="Elbows high, torso tall."),
    _ex("Box squat", P.squat, [BB], 2, spine=False, cue="Sit back to a box at parallel, pause, drive up."),
    _ex("Paused back squat", P.squat, [BB], 3, knee=False, spine=False, cue="Two-second pause in the hole."),
    _ex("Belt squat", P.squat, [MACH], 2, cue="Loads the legs without loading the spine."),
    _ex("Heel-elevated dumbbell squat", P.squat, [DB], 2, knee=False, cue="Heels on plates, knees travel."),
    _ex("Tempo goblet squat", P.squat, [DB, KB], 3, cue="Three seconds down, one-second pause."),
    _ex("Goblet squat", P.squat, [DB, KB], 1, cue="Hold the weight at the chest, elbows inside the knees."),
    _ex("Goblet box squat", P.squat, [DB, KB], 1, cue="Touch a box or bench, stand tall."),
    _ex("Leg press", P.squat, [MACH], 1, cue="Lower until the hips start to tuck, then press."),
    _ex("Bodyweight box squat", P.squat, [BW], 1, cue="Sit to a chair-height box and stand without rocking."),
    # hinge
    _ex("Conventional deadlift", P.hinge, [BB], 2, spine=False,
        cue="Bar over mid-foot, push the floor away, lock out with the glutes."),
    _ex("Romanian deadlift", P.hinge, [BB], 2, spine=False,
        cue="Soft knees, hips back until hamstrings stretch."),
    _ex("Trap-bar deadlift", P.hinge, [TB], 1, spine=False,
        cue="Sit into the handles, chest up, stand tall."),
    _ex("Deficit deadlift", P.hinge, [BB], 3, spine=False, cue="Stand on a 2 to 5 cm plate."),
    _ex("Good morning", P.hinge, [BB], 3, spine=False, cue="Light load, hips back, neutral spine."),
    _ex("Single-leg Romanian deadlift", P.hinge, [DB, KB], 2, unit=Unit.per_side,
        cue="Reach the free leg back, hips square."),
    _ex("Dumbbell Romanian deadlift", P.hinge, [DB], 1, cue="Slide the weights down the thighs, hips back."),
    _ex("Kettlebell deadlift", P.hinge, [KB], 1, cue="Bell between the feet, hinge, stand tall."),
    _ex("Pull-through, cable or band", P.hinge, [CAB, BAND], 1, cue="Hinge and snap the hips through."),
    _ex("45-degree back extension", P.hinge, [MACH], 1, cue="Move from the hips, finish with the glutes."),
    # horizontal push
    _ex("Barbell bench press", P.h_push, [BB], 2,
        cue="Shoulder blades pinned, feet planted, touch low chest."),
    _ex("Close-grip bench press", P.h_push, [BB], 2, cue="Hands shoulder width, elbows tucked."),
    _ex("Incline barbell bench press", P.h_push, [BB], 2, cue="Bench at about 30 degrees."),
    _ex("Paused bench press", P.h_push, [BB], 3, cue="One-second pause on the chest."),
    _ex("Single-arm dumbbell floor press", P.h_push, [DB], 2, unit=Unit.per_side, cue="Resist the twist."),
    _ex("Feet-elevated push-up", P.h_push, [BW], 2, cue="Body in one line, chest to the floor."),
    _ex("Dumbbell bench press", P.h_push, [DB], 1, cue="Lower under control to chest level."),
    _ex("Push-up", P.h_push, [BW], 1, cue="Elevate the hands if needed to keep a straight body line."),
    _ex("Incline dumbbell press", P.h_push, [DB], 1, cue="Bench at about 30 degrees."),
    _ex("Machine chest press", P.h_push, [MACH], 1, cue="Full stretch, smooth press."),
    # horizontal pull
    _ex("Barbell bent-over row", P.h_pull, [BB], 2, spine=False,
        cue="Torso near 45 degrees, row to the belly."),
    _ex("Seal row", P.h_pull, [BB, DB], 2, cue="Chest supported on a high bench, no momentum."),
    _ex("Pendlay row", P.h_pull, [BB], 3, spine=False, cue="Dead stop on the floor every rep."),
    _ex("Chest-supported dumbbell row", P.h_pull, [DB], 1,
        cue="Chest on an incline bench, squeeze the shoulder blades."),
    _ex("One-arm dumbbell row", P.h_pull, [DB], 1, unit=Unit.per_side, cue="Pull the elbow to the hip."),
    _ex("Seated cable row", P.h_pull, [CAB], 1, cue="Tall chest, pause at the ribs."),
    _ex("Inverted row", P.h_pull, [BW], 1, cue="Under a sturdy bar or table, body straight."),
    _ex("Band row", P.h_pull, [BAND], 1, cue="Squeeze and pause each rep."),
    # vertical push
    _ex("Standing overhead press", P.v_push, [BB], 2, spine=False,
        cue="Squeeze glutes, bar path close to the face."),
    _ex("Half-kneeling single-arm dumbbell press", P.v_push, [DB, KB], 2, unit=Unit.per_side,
        cue="Ribs down, press in line with the ear."),
    _ex("Arnold press", P.v_push, [DB], 2, cue="Rotate the palms as you press."),
    _ex("Seated dumbbell shoulder press", P.v_push, [DB], 1, cue="Back supported, press without arching."),
    _ex("Landmine press", P.v_push, [BB], 1, cue="Press up and forward, gentle on the shoulders."),
    _ex("Pike push-up", P.v_push, [BW], 1, cue="Hips high, head travels in front of the hands."),
    # vertical pull
    _ex("Pull-up", P.v_pull, [BW], 2, cue="Full hang to chin over the bar."),
    _ex("Chin-up", P.v_pull, [BW], 2, cue="Palms facing you, chest to the bar."),
    _ex("Weighted pull-up", P.v_pull, [BW], 3, cue="Add load only once 8 clean reps are easy."),
    _ex("Lat pulldown", P.v_pull, [CAB, MACH], 1, cue="Pull the bar to the upper chest, no swinging."),
    _ex("Band-assisted pull-up", P.v_pull, [BAND], 1, cue="Use the lightest band that allows full range."),
    _ex("Neutral-grip pulldown", P.v_pull, [CAB], 1, cue="Elbows drive down to the ribs."),
    _ex("Dumbbell pullover", P.v_pull, [DB], 1, compound=False, cue="Stretch the lats, ribs stay down."),
    # lunge / single leg
    _ex("Dumbbell reverse lunge", P.lunge, [DB, KB, BW], 1, unit=Unit.per_side,
        cue="Step back, front shin stays near vertical."),
    _ex("Step-up", P.lunge, [DB, KB, BW], 1, unit=Unit.per_side,
        cue="Knee-height box or lower, no push from the back foot."),
    _ex("Split squat", P.lunge, [DB, KB, BW], 1, unit=Unit.per_side, cue="Drop the back knee straight down."),
    _ex("Bulgarian split squat", P.lunge, [DB, KB, BW], 2, knee=False, unit=Unit.per_side,
        cue="Back foot on a bench, lean slightly forward for glutes."),
    _ex("Walking lunge", P.lunge, [DB, KB, BW], 2, knee=False, unit=Unit.per_side,
        cue="Long strides, soft knee touch."),
    _ex("Lateral lunge", P.lunge, [DB, KB, BW], 2, knee=False, unit=Unit.per_side, cue="Sit into one hip."),
    _ex("Front-foot-elevated split squat", P.lunge, [DB, KB], 3, knee=False, unit=Unit.per_side,
        cue="Front foot on a plate for more depth."),
    _ex("Barbell reverse lunge", P.lunge, [BB], 3, spine=False, unit=Unit.per_side,
        cue="Brace, step back softly."),
    # core and carries
    _ex("Dead bug", P.core, [BW], 1, compound=False, unit=Unit.per_side,
        cue="Low back pressed to the floor."),
    _ex("Side plank", P.core, [BW], 1, compound=False, unit=Unit.hold, cue="Each side; hips high."),
    _ex("Bird dog", P.core, [BW], 1, compound=False, unit=Unit.per_side, cue="Reach long, hips level."),
    _ex("Pallof press", P.core, [BAND, CAB], 1, compound=False, unit=Unit.per_side, cue="Resist rotation."),
    _ex("Front plank", P.core, [BW], 1, compound=False, unit=Unit.hold, cue="Squeeze glutes, ribs down."),
    _ex("Hanging knee raise", P.core, [BW], 2, compound=False, cue="Curl the pelvis up, no swinging."),
    _ex("Ab wheel rollout", P.core, [BW], 2, compound=False, spine=False,
        cue="Only as far as the back stays flat."),
    _ex("Hanging leg raise", P.core, [BW], 3, compound=False, cue="Slow lowering."),
    _ex("Farmer's carry", P.carry, [DB, KB, TB], 1, unit=Unit.hold, cue="Tall posture, short quick steps."),
    _ex("Suitcase carry", P.carry, [DB, KB], 1, unit=Unit.hold,
        cue="One side only; do not lean. Switch hands."),
    _ex("Front-rack kettlebell carry", P.carry, [KB], 2, unit=Unit.hold,
        cue="Elbows in, breathe behind the brace."),
    _ex("Overhead carry", P.carry, [DB, KB], 3, unit=Unit.hold, cue="Lock the arm, ribs down."),
    # jumps: impact grades what a heavy body or a sore knee has to absorb
    _ex("Depth jump", P.jump, [BOX], 3, impact=Impact.high, knee=False, cue="Step off, rebound instantly."),
    _ex("Hurdle hop", P.jump, [BW], 3, impact=Impact.high, knee=False, cue="Quick ground contacts."),
    _ex("Broad jump", P.jump, [BW], 2, impact=Impact.high, knee=False,
        cue="Swing the arms, stick the landing."),
    _ex("Lateral bound", P.jump, [BW], 2, impact=Impact.high, knee=False, unit=Unit.per_side,
        cue="Stick each landing for a second."),
    _ex("Seated box jump", P.jump, [BOX], 2, impact=Impact.low, knee=False,
        cue="From a seat, jump onto the box."),
    _ex("Countermovement jump", P.jump, [BW], 1, impact=Impact.moderate, knee=False,
        cue="Jump for maximum height."),
    _ex("Pogo hop", P.jump, [BW], 1, impact=Impact.moderate, knee=False, cue="Stiff ankles, quick bounces."),
    _ex("Box jump", P.jump, [BOX], 1, impact=Impact.low, knee=False,
        cue="Land softly on the box and step down."),
    _ex("Snap-down to stick", P.jump, [BW], 1, impact=Impact.low, knee=False,
        cue="Rise on the toes, snap into a quiet athletic landing."),
    # throws and upper-body plyometrics
    _ex("Medicine ball rotational throw", P.throw, [MB], 2, spine=False, unit=Unit.per_side,
        cue="Power from the hips."),
    _ex("Medicine ball scoop toss", P.throw, [MB], 2, spine=False, cue="Load the hips and throw forward."),
    _ex("Plyometric push-up", P.throw, [BW], 2, cue="Hands leave the floor, land softly."),
    _ex("Medicine ball overhead backward throw", P.throw, [MB], 3, spine=False,
        cue="Hinge and throw up and back."),
    _ex("Medicine ball chest pass", P.throw, [MB], 1, cue="Throw hard into a wall, catch and reset."),
    _ex("Medicine ball overhead slam", P.throw, [MB], 1, spine=False,
        cue="Reach tall and slam with the whole body."),
    _ex("Explosive incline push-up", P.throw, [BW], 1, cue="Hands on a bench, push as fast as possible."),
    # Olympic-lift derivatives and ballistics
    _ex("Hang power clean", P.olympic, [BB], 2, spine=False,
        cue="From above the knee, jump and shrug, fast elbows."),
    _ex("Push press", P.olympic, [BB], 2, spine=False, cue="Short dip, violent drive, press to finish."),
    _ex("Jump shrug", P.olympic, [BB, TB], 2, spine=False, cue="Jump the bar up, no arm pull."),
    _ex("Power clean", P.olympic, [BB], 3, spine=False, cue="From the floor, fast elbows."),
    _ex("Hang power snatch", P.olympic, [BB], 3, spine=False, cue="Wide grip, punch to lockout."),
    _ex("Single-arm dumbbell snatch", P.olympic, [DB, KB], 2, spine=False, unit=Unit.per_side,
        cue="Floor to overhead in one move."),
    _ex("Kettlebell swing", P.olympic, [KB, DB], 1, spine=False, cue="Hike, snap the hips, the bell floats."),
    # sprints: impact again decides who gets the track and who gets the bike
    _ex("Flying sprint", P.sprint, [BW], 2, impact=Impact.high, knee=False,
        cue="20 m build-up, 10 to 20 m flat out."),
    _ex("Acceleration sprint", P.sprint, [BW], 1, impact=Impact.high, knee=False,
        cue="10 to 20 m from a standing start."),
    _ex("Hill sprint", P.sprint, [BW], 1, impact=Impact.moderate, knee=False,
        cue="10 to 15 m up a moderate hill."),
    _ex("Sled push sprint", P.sprint, [SLED], 1, impact=Impact.low, cue="10 to 20 m, low body angle."),
    _ex("Air bike sprint", P.sprint, [MACH], 1, cue="8 seconds all-out."),
    # isolation
    _ex("Incline dumbbell curl", P.biceps, [DB], 2, compound=False, cue="Arms hang behind the body."),
    _ex("Dumbbell curl", P.biceps, [DB], 1, compound=False, cue="No swinging, slow lowering."),
    _ex("Hammer curl", P.biceps, [DB], 1, compound=False, cue="Neutral grip."),
    _ex("Barbell curl", P.biceps, [BB], 1, compound=False, cue="Elbows pinned."),
    _ex("Cable or band curl", P.biceps, [CAB, BAND], 1, compound=False, cue="Constant tension."),
    _ex("Skull crusher", P.triceps, [BB, DB], 2, compound=False, cue="Lower behind the head."),
    _ex("Triceps pushdown, cable or band", P.triceps, [CAB, BAND], 1, compound=False, cue="Elbows stay still."),
    _ex("Overhead dumbbell triceps extension", P.triceps, [DB], 1, compound=False, cue="Deep stretch."),
    _ex("Close-grip push-up", P.triceps, [BW], 1, compound=False, cue="Elbows brush the ribs."),
    _ex("Cable lateral raise", P.delts, [CAB], 2, compound=False, cue="Lead with the elbow."),
    _ex("Dumbbell lateral raise", P.delts, [DB], 1, compound=False,
        cue="Raise to shoulder height, slow lowering."),
    _ex("Face pull", P.delts, [CAB, BAND], 1, compound=False, cue="Pull to the forehead, rotate out."),
    _ex("Rear-delt dumbbell fly", P.delts, [DB], 1, compound=False, cue="Chest on an incline bench."),
    _ex("Band pull-apart", P.delts, [BAND], 1, compound=False, cue="Arms straight, squeeze the upper back."),
    _ex("Nordic hamstring curl", P.hamstrings, [BW], 3, compound=False, cue="Lower as slowly as you can."),
    _ex("Lying leg curl", P.hamstrings, [MACH], 1, compound=False, cue="Hips pressed down."),
    _ex("Seated leg curl", P.hamstrings, [MACH], 1, compound=False, cue="Full range, slow lowering."),
    _ex("Sliding leg curl", P.hamstrings, [BW], 1, compound=False, cue="Hips up, heels slide on a towel."),
    _ex("Barbell hip thrust", P.glutes, [BB], 2, cue="Shoulders on a bench, chin tucked, full lockout."),
    _ex("Single-leg hip thrust", P.glutes, [BW, DB], 2, compound=False, unit=Unit.per_side,
        cue="Pause at the top."),
    _ex("Dumbbell hip thrust", P.glutes, [DB], 1, cue="Dumbbell on the hips, pause at the top."),
    _ex("Glute bridge", P.glutes, [BW], 1, compound=False,
        cue="Drive through the heels, squeeze at the top."),
    _ex("Glute kickback, cable or band", P.glutes, [CAB, BAND], 1, compound=False, cue="Hips square."),
    _ex("Standing calf raise", P.calves, [MACH, DB, BW], 1, compound=False,
        cue="Full stretch, pause at the top."),
    _ex("Seated calf raise", P.calves, [MACH], 1, compound=False, cue="Slow lowering."),
    _ex("Single-leg calf raise", P.calves, [BW, DB], 1, compound=False, unit=Unit.per_side,
        cue="Off a step."),
    # recovery-day work
    _ex("World's greatest stretch", P.mobility, [BW], 1, compound=False, unit=Unit.per_side,
        cue="Slow and easy."),
    _ex("90/90 hip switch", P.mobility, [BW], 1, compound=False, unit=Unit.per_side, cue="Stay tall."),
    _ex("Thoracic open book", P.mobility, [BW], 1, compound=False, unit=Unit.per_side,
        cue="Follow the hand."),
    _ex("Cat-camel", P.mobility, [BW], 1, compound=False, cue="Move one segment at a time."),
    _ex("Couch stretch", P.mobility, [BW], 1, compound=False, unit=Unit.hold,
        cue="Each side; squeeze the glute."),
    _ex("Easy bike or brisk walk", P.conditioning, [BW, MACH], 1, compound=False,
        cue="Keep a pace where you can still talk."),
    _ex("Rowing machine, easy pace", P.conditioning, [MACH], 1, cue="Relaxed breathing throughout."),
)

_BY_NAME: dict[str, LibraryExercise] = {ex.name: ex for ex in EXERCISES}
_BY_PATTERN: dict[Pattern, tuple[LibraryExercise, ...]] = {
    p: tuple(ex for ex in EXERCISES if ex.pattern is p) for p in Pattern}

# When nothing safe fits a pattern (e.g. jumps for sore knees), fall back to these, in order.
SUBSTITUTES: dict[Pattern, tuple[Pattern, ...]] = {
    Pattern.olympic: (Pattern.jump, Pattern.throw),
    Pattern.jump: (Pattern.throw,),
    Pattern.sprint: (Pattern.jump, Pattern.throw),
}


def by_name(name: str) -> LibraryExercise:
    return _BY_NAME[name]


def of_pattern(pattern: Pattern) -> tuple[LibraryExercise, ...]:
    return _BY_PATTERN[pattern]


# Memoised: a program asks the same few questions hundreds of times (every slot of every day of
# every week), and the answers depend only on the library, which never changes. The keys are few:
# a handful of filter sets per person, ~25 patterns, and favourites from a fixed keyword list.
@functools.lru_cache(maxsize=4096)
def ranked(pattern: Pattern, filters: Filters, prefer: frozenset[str] = frozenset()) -> tuple[LibraryExercise, ...]:
    """Allowed exercises of a pattern, best default first.

    Preferred names (from the person's own words) come first; then the most demanding variant the
    level allows, so an advanced lifter gets the barbell lift and a beginner the goblet version.
    Tiers above 2 are only variations, never an advanced lifter's default main lift.
    """
    allowed = [ex for ex in _BY_PATTERN[pattern] if filters.allows(ex)]
    order = {ex.name: i for i, ex in enumerate(_BY_PATTERN[pattern])}
    return tuple(sorted(allowed, key=lambda ex: (ex.name not in prefer, -min(ex.tier, 2), order[ex.name])))


def pick(pattern: Pattern, filters: Filters, *, offset: int = 0, prefer: frozenset[str] = frozenset(),
         exclude: Collection[str] = ()) -> LibraryExercise | None:
    """The offset-th choice for a pattern, skipping names already used that day.

    Tries the pattern itself, then its substitutes, then the pattern with any equipment, then at any
    tier. The safety filters hold throughout; None means nothing safe exists for this slot.
    """
    attempts: list[tuple[Pattern, Filters]] = [(pattern, filters)]
    attempts += [(sub, filters) for sub in SUBSTITUTES.get(pattern, ())]
    wider = Filters(filters.max_tier, GYM, filters.max_impact, filters.knee_friendly_only,
                    filters.spine_friendly_only)
    attempts += [(pattern, wider), (pattern, Filters(3, GYM, wider.max_impact, wider.knee_friendly_only,
                                                     wider.spine_friendly_only))]
    for pat, flt in attempts:
        options = [ex for ex in ranked(pat, flt, prefer) if ex.name not in exclude]
        if options:
            return options[offset % len(options)]
    return None


# ---------------------------------------------------------------- sessions and splits


class Role(enum.IntEnum):
    """Also the order exercises appear in a session: fast, fresh work first."""

    explosive = 0
    main = 1
    secondary = 2
    accessory = 3
    core = 4
    recovery = 5


class Slot(NamedTuple):
    role: Role
    pattern: Pattern
    offset: int = 0  # which candidate: lets day B pick a different variation than day A


M, S, A, C = Role.main, Role.secondary, Role.accessory, Role.core


@dataclass(frozen=True, slots=True)
class DayTemplate:
    name: str
    kind: str  # "full", "upper", "lower", "push", "pull", "legs" or "recovery": decides emphasis inserts
    slots: tuple[Slot, ...]  # in priority order: lower levels keep only the first few


def _day(name: str, kind: str, *slots: tuple[Role, Pattern] | tuple[Role, Pattern, int]) -> DayTemplate:
    return DayTemplate(name, kind, tuple(Slot(*s) for s in slots))


FULL_A = _day("Full Body A: squat focus", "full", (M, P.squat), (S, P.h_push, 1), (S, P.h_pull),
              (S, P.hinge, 1), (C, P.core), (A, P.lunge), (A, P.delts), (A, P.triceps), (C, P.carry))
FULL_B = _day("Full Body B: hinge focus", "full", (M, P.hinge), (S, P.v_push), (S, P.v_pull),
              (S, P.squat, 1), (C, P.core, 1), (A, P.lunge, 1), (A, P.biceps), (A, P.hamstrings),
              (C, P.carry))
FULL_C = _day("Full Body C: press focus", "full", (M, P.h_push), (S, P.lunge), (S, P.h_pull, 1),
              (S, P.hinge, 2), (C, P.core, 2), (A, P.glutes), (A, P.v_pull, 1), (A, P.delts, 1),
              (C, P.carry, 1))
UPPER_A = _day("Upper A: bench and row", "upper", (M, P.h_push), (S, P.h_pull), (S, P.v_push, 1),
               (S, P.v_pull), (A, P.triceps), (A, P.biceps), (A, P.delts), (C, P.core))
LOWER_A = _day("Lower A: squat focus", "lower", (M, P.squat), (S, P.hinge, 1), (A, P.lunge),
               (A, P.hamstrings), (C, P.core), (A, P.calves), (C, P.carry))
UPPER_B = _day("Upper B: press and pull-up", "upper", (M, P.v_push), (S, P.v_pull, 1), (S, P.h_push, 1),
               (S, P.h_pull, 1), (A, P.delts, 1), (A, P.biceps, 1), (A, P.triceps, 1), (C, P.core, 1))
LOWER_B = _day("Lower B: hinge focus", "lower", (M, P.hinge), (S, P.squat, 1), (A, P.lunge, 1),
               (A, P.glutes), (C, P.core, 1), (A, P.calves, 1), (C, P.carry))
PUSH_A = _day("Push A: chest focus", "push", (M, P.h_push), (S, P.v_push, 1), (S, P.h_push, 2),
              (A, P.delts), (A, P.triceps), (A, P.triceps, 1), (C, P.core))
PULL_A = _day("Pull A: deadlift focus", "pull", (M, P.hinge), (S, P.v_pull), (S, P.h_pull),
              (A, P.delts, 2), (A, P.biceps), (A, P.biceps, 1), (C, P.carry))
LEGS_A = _day("Legs A: squat focus", "legs", (M, P.squat), (S, P.hinge, 1), (A, P.lunge),
              (A, P.hamstrings), (A, P.calves), (C, P.core), (A, P.glutes))
PUSH_B = _day("Push B: overhead focus", "push", (M, P.v_push), (S, P.h_push, 1), (S, P.h_push, 2),
              (A, P.delts), (A, P.triceps, 1), (C, P.core, 1))
PULL_B = _day("Pull B: row focus", "pull", (M, P.h_pull), (S, P.v_pull, 1), (S, P.h_pull, 2),
              (A, P.delts, 1), (A, P.biceps, 1), (A, P.hinge, 3), (C, P.core, 2))
LEGS_B = _day("Legs B: single-leg and posterior chain", "legs", (M, P.squat, 1), (S, P.hinge, 4),
              (A, P.lunge, 1), (A, P.glutes), (A, P.hamstrings, 1), (A, P.calves, 1), (C, P.carry))
RECOVERY = _day("Active Recovery: mobility and easy conditioning", "recovery",
                (Role.recovery, P.mobility), (Role.recovery, P.mobility, 1), (Role.recovery, P.conditioning),
                (Role.recovery, P.mobility, 2), (Role.recovery, P.core, 2))

SPLITS: dict[int, tuple[tuple[DayTemplate, ...], str]] = {
    1: ((FULL_A,), "one full body session, alternating two versions week to week"),
    2: ((FULL_A, FULL_B), "two full body sessions"),
    3: ((FULL_A, FULL_B, FULL_C), "three full body sessions"),
    4: ((UPPER_A, LOWER_A, UPPER_B, LOWER_B), "an upper and lower split"),
    5: ((UPPER_A, LOWER_A, PUSH_B, PULL_A, LEGS_B), "upper and lower days plus push, pull and legs"),
    6: ((PUSH_A, PULL_A, LEGS_A, PUSH_B, PULL_B, LEGS_B), "push, pull and legs, twice through"),
    # Recovery sits mid-week so the two push, pull, legs rounds are separated by an easy day.
    7: ((PUSH_A, PULL_A, LEGS_A, RECOVERY, PUSH_B, PULL_B, LEGS_B),
        "push, pull and legs twice, with an active recovery day between the rounds"),
}

# Power sessions open with explosive work matched to the day: legs jump and lift fast, upper days throw.
POWER_WORK: dict[str, tuple[Pattern, ...]] = {
    "Full Body A": (P.jump, P.throw), "Full Body B": (P.olympic, P.jump),
    "Full Body C": (P.sprint, P.throw), "Upper A": (P.throw,), "Upper B": (P.throw,),
    "Lower A": (P.olympic, P.jump), "Lower B": (P.jump, P.sprint),
    "Push A": (P.throw,), "Push B": (P.throw, P.olympic), "Pull A": (P.olympic,), "Pull B": (P.throw,),
    "Legs A": (P.jump, P.olympic), "Legs B": (P.jump, P.sprint),
}
