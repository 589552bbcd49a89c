"""The built-in engine: an offline, deterministic strength coach.

It reads the request into a profile (goal, level, body size, and the constraints the person's words
set: bans, equipment, injuries, populations, an event), picks a split from the days per week, lays
the weeks out in blocks with deloads, a taper and a test week, and doses every exercise from goal,
level, role, where the week sits in its block and the effort ceiling the person's situation sets.
The same request always gives the same program: there is no randomness anywhere. Its output
passes checks.validate for every goal, level, days per week and duration (tests prove it).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace

from app.coaching.catalogue import TEST_ORDER, LibraryExercise, contributions, heavy_with, tagged
from app.coaching.kinds import DUMBBELLS_ONLY, HOME, Equipment, Load, Movement, Muscle, Pattern, Unit
from app.coaching.policy import (
    GENTLE_MAX_RPE,
    MAX_TESTS_PER_WEEK,
    SESSION_SETS,
    SUMMARY_WORDS,
    WEEKLY_SETS,
    weekly_floor,
)
from app.coaching.words import (
    Constraints,
    Emphasis,
    EventKind,
    Injury,
    Population,
    read_constraints,
)
from app.coaching.writer.selection import Filters, pick
from app.coaching.writer.splits import ONE_A, ONE_B, POWER_WORK, SPLITS, A, C, DayTemplate, Role, S, Slot
from app.coaching.writer.volume import PATTERNS_FOR, Band, Entry, balance
from app.models import Exercise, FitnessLevel, GenerateRequest, GoalCategory, ProgramContent, TrainingDay, TrainingWeek

P = Pattern
LEVEL_INDEX = {FitnessLevel.beginner: 0, FitnessLevel.intermediate: 1, FitnessLevel.advanced: 2}
MAX_PROGRESS_REPORTS_FOR_WEEKS = 10
LOWER_BODY = frozenset({P.squat, P.lunge, P.hinge, P.glutes, P.calves, P.quads})


@dataclass(frozen=True, slots=True)
class Profile:
    request: GenerateRequest
    constraints: Constraints
    level: int  # 0 beginner, 1 intermediate, 2 advanced
    heavy: bool  # over ~110 kg or BMI over 32: fewer, lower-impact landings
    tall: bool  # over 190 cm: longer levers, notes on range of motion and bar choice
    filters: Filters
    prefer: frozenset[str]
    # The exercises of each (day name, day number, block), chosen once per program: they only
    # change from block to block, and choosing them is ~40% of drafting a week.
    choices: dict[tuple[str, int, int], tuple[tuple[Role, LibraryExercise], ...]] = field(
        default_factory=dict, compare=False, repr=False)
    balanced: dict[tuple[int, tuple[str, ...]], list[tuple[tuple[Role, LibraryExercise, int], ...]]] = field(
        default_factory=dict, compare=False, repr=False)

    @property
    def goal(self) -> GoalCategory:
        return self.request.goal_category

    @property
    def emphasis(self) -> frozenset[Emphasis]:
        return frozenset(self.constraints.emphasis)

    def cap(self, plan: WeekPlan) -> float | None:
        """The highest RPE this week may hold, or None for no ceiling beyond the goal's own."""
        if plan.number <= self.constraints.gentle_weeks:
            return GENTLE_MAX_RPE
        return self.constraints.max_rpe


def read_profile(request: GenerateRequest, constraints: Constraints | None = None) -> Profile:
    c = read_constraints(request) if constraints is None else constraints
    bmi = request.weight_kg / (request.height_cm / 100) ** 2
    heavy = request.weight_kg > 110 or bmi > 32
    level = LEVEL_INDEX[request.fitness_level]
    banned = set(c.banned)
    if heavy:
        banned.add(Movement.impact)  # a heavier body absorbs every landing: keep them low
    if level == 0:
        banned.add(Movement.high_impact)  # beginners learn to land before they bound or depth-jump
    # Someone who should check with a doctor first gets the simplest, most supported variations.
    tier = 1 if c.caution else level + 1
    filters = Filters(tier, frozenset(c.equipment), frozenset(banned))
    prefer: set[str] = set()
    if Emphasis.bench in c.emphasis:
        prefer |= tagged("for_bench_emphasis")
    if Emphasis.squat in c.emphasis:
        prefer |= tagged("for_squat_emphasis")
    if Emphasis.deadlift in c.emphasis:
        prefer |= tagged("for_deadlift_emphasis")
    elif request.height_cm > 190:
        prefer |= tagged("for_tall_lifters")  # long femurs and torso: a more upright pull
    if Emphasis.glutes in c.emphasis:
        prefer |= tagged("for_glute_emphasis")
    return Profile(request, c, level, heavy, request.height_cm > 190, filters, frozenset(prefer))


# ---------------------------------------------------------------- weeks and blocks


class WeekKind(enum.Enum):
    load = "load"
    deload = "deload"
    taper = "taper"
    test = "test"


MAX_BLOCK_WEEKS = 4
PHASES = ("Accumulation", "Intensification", "Realization")


@dataclass(frozen=True, slots=True)
class WeekPlan:
    number: int
    kind: WeekKind
    block: int  # index of the loading block this week belongs to (or just finished)
    pos: int  # position among the block's loading weeks
    length: int  # loading weeks in the block
    phase: int = 0  # index into PHASES: the last block before a test or event is the heaviest

    @property
    def ramp(self) -> float:
        """0.0 at a block's first week, 1.0 at its last: how far intensity has climbed."""
        if self.kind is not WeekKind.load:
            return 1.0 if self.kind is WeekKind.taper else 0.5
        return self.pos / (self.length - 1) if self.length > 1 else 0.5


def deload_every(weeks: int, level: int, goal: GoalCategory) -> int:
    """How often a deload comes round; 0 means never.

    Short programs (under 6 weeks) never need one. Beginners progress linearly and recover fast, so
    they get none, except in programs of 12 weeks or more, where a lighter week every sixth week
    absorbs accumulated fatigue and missed sessions. Intermediates deload every 4th week; advanced
    lifters every 4th on heavy strength and power work and every 5th on hypertrophy, where loads are lighter.
    """
    if weeks < 6 or (level == 0 and weeks < 12):
        return 0
    if level == 0:
        return 6
    if level == 2 and goal is GoalCategory.hypertrophy:
        return 5
    return 4


def week_kinds(profile: Profile) -> list[WeekKind]:
    n = profile.request.duration_weeks
    c = profile.constraints
    event = c.event is not None and n >= 3
    every = deload_every(n, profile.level, profile.goal)
    # A test of maxima ends strength and power programs, never for someone who should start gently.
    tests = (profile.goal is not GoalCategory.hypertrophy and not c.caution and not c.injuries
             and (event or (profile.level > 0 and n >= 6)))
    kinds: list[WeekKind] = []
    for w in range(1, n + 1):
        if event and w == n:
            kinds.append(WeekKind.test if tests else WeekKind.taper)
        elif event and w == n - 1:
            kinds.append(WeekKind.taper)
        elif not event and tests and w == n:
            kinds.append(WeekKind.test)
        # Before an event the last loading block runs straight into the taper: no deload in it.
        elif every and w % every == 0 and not (event and w >= n - 2) and w < n:
            kinds.append(WeekKind.deload)
        else:
            kinds.append(WeekKind.load)
    return kinds


def plan_weeks(profile: Profile) -> list[WeekPlan]:
    kinds = week_kinds(profile)
    n = len(kinds)
    raw: list[WeekPlan] = []
    block, w = 0, 0
    while w < n:
        start = w
        while w < n and kinds[w] is WeekKind.load:
            w += 1
        # Long runs of loading weeks (beginners, who rarely deload) still move in blocks of at most
        # four weeks, so intensity visibly climbs and resets instead of creeping over months.
        chunks = -(-(w - start) // MAX_BLOCK_WEEKS)
        at = start
        for c in range(chunks):
            length = (w - start) // chunks + (1 if c < (w - start) % chunks else 0)
            raw += [WeekPlan(i + 1, WeekKind.load, block, i - at, length) for i in range(at, at + length)]
            at += length
            block += 1
        while w < n and kinds[w] is not WeekKind.load:
            last = raw[-1] if raw else WeekPlan(0, WeekKind.load, 0, 0, 1)
            raw.append(WeekPlan(w + 1, kinds[w], last.block, 0, last.length))
            w += 1
    # Before a test or an event, phases count back from the end, so the last block is the heaviest
    # (Realization) and comes right before the taper or test; otherwise they start from the lightest.
    blocks = max((p.block for p in raw), default=0) + 1
    if kinds and kinds[-1] in (WeekKind.test, WeekKind.taper):
        phases = [(2 - (blocks - 1 - b)) % len(PHASES) for b in range(blocks)]
        if blocks > 1 and phases[0] == 2:
            phases[0] = 0  # the heaviest block never opens a program: build a base first
    else:
        phases = [b % len(PHASES) for b in range(blocks)]
    return [replace(p, phase=phases[p.block]) for p in raw]


def week_focus(plan: WeekPlan, profile: Profile) -> str:
    goal, event = profile.goal, profile.constraints.event
    if plan.kind is WeekKind.deload:
        return ("Deload week: about half the sets and lighter loads so fatigue clears "
                "before the next block.")
    if plan.kind is WeekKind.taper:
        ahead = f" before {event.value}" if event else ""
        return f"Taper{ahead}: fewer sets, loads stay heavy, so you arrive fresh and strong."
    if plan.kind is WeekKind.test:
        extra = " and test your best jump or throw" if goal is GoalCategory.power else ""
        what = "Meet week" if event is EventKind.meet else "Test week"
        return f"{what}: low volume, work up to heavy singles on the main lifts{extra}."
    if plan.number <= profile.constraints.gentle_weeks:
        return "Gentle start: learn the movements, nothing harder than a 7 out of 10."
    target = {GoalCategory.hypertrophy: "add reps or a set while staying close to failure",
              GoalCategory.strength: "load on the main lifts climbs each week",
              GoalCategory.power: "move fast, then lift heavy; loads climb each week"}[goal]
    return f"{PHASES[plan.phase]} block {plan.block + 1}, week {plan.pos + 1} of {plan.length}: {target}."


# ---------------------------------------------------------------- dosing


@dataclass(frozen=True, slots=True)
class Dose:
    sets: int
    reps: int | str
    intensity: str
    rest: int
    note: str = ""


SETS = {Role.explosive: (3, 4, 5), Role.main: (3, 4, 5), Role.secondary: (3, 3, 4),
        Role.accessory: (2, 3, 3), Role.core: (2, 3, 3), Role.recovery: (2, 2, 2)}
HOLD_SECONDS = (20, 30, 40)
PERCENT_LOADS = frozenset({Load.barbell, Load.machine})


def _reps(lo: int, hi: int, unit: Unit, level: int) -> int | str:
    if unit is Unit.hold:
        return f"{HOLD_SECONDS[level]}s"
    text = str(lo) if lo == hi else f"{lo}-{hi}"
    if unit is Unit.per_side:
        return f"{text} per side"
    return lo if lo == hi else text


def _rpe(lo: float, hi: float, ramp: float, cap: float | None = None) -> str:
    value = round((lo + (hi - lo) * ramp) * 2) / 2
    if cap is not None:
        value = min(value, cap)
    return f"RPE {value:g}"


def _pct(lo: float, hi: float, ramp: float) -> float:
    return round((lo + (hi - lo) * ramp) / 2.5) * 2.5


# Main-lift schemes per phase: (reps, % 1RM at block start, % 1RM at block end).
STRENGTH_MAIN = ((5, 72.5, 80.0), (3, 80.0, 87.5), (2, 85.0, 92.5))
POWER_MAIN = ((5, 75.0, 80.0), (3, 80.0, 87.5), (2, 85.0, 90.0))
HYPERTROPHY_REPS = {Role.main: ((10, 12), (8, 10), (6, 8)), Role.secondary: ((10, 12), (8, 12), (8, 10)),
                    Role.accessory: ((12, 15), (10, 12), (8, 12))}


def dose_hypertrophy(role: Role, ex: LibraryExercise, level: int, plan: WeekPlan, cap: float | None) -> Dose:
    lo, hi = (8, 12) if level == 0 and role is not Role.accessory else HYPERTROPHY_REPS[role][plan.phase]
    if ex.pattern is P.hinge and ex.load is Load.barbell:
        lo, hi = 6, 8  # a barbell pull from the floor loses its form long before rep 12
    sets = SETS[role][level] + (1 if level > 0 and plan.ramp >= 0.5 and role is not Role.main else 0)
    top = 8.0 if level == 0 else 9.0
    rest = {Role.main: 120, Role.secondary: 90}.get(role, 60)
    return Dose(sets, _reps(lo, hi, ex.unit, level), _rpe(7.0, top, plan.ramp, cap), rest,
                "Stop one or two reps short of failure." if role is Role.main else "")


def dose_heavy(goal: GoalCategory, role: Role, ex: LibraryExercise, level: int, plan: WeekPlan,
               cap: float | None, heavy: bool) -> Dose:
    """Strength and power share their heavy work; power simply tops out a little lighter."""
    if role is Role.main:
        if not heavy:  # nothing heavier is allowed here: a harder set of 6-8 instead
            return Dose(SETS[role][level], _reps(6, 8, ex.unit, level), _rpe(6.5, 8.0, plan.ramp, cap), 150)
        if level == 0 or cap is not None:  # no known 1RM, or a ceiling to respect: effort guides
            return Dose(SETS[role][level], _reps(5, 5, ex.unit, level), _rpe(6.0, 8.0, plan.ramp, cap), 180,
                        "Add a little load each session while every rep stays crisp.")
        reps, lo, hi = (STRENGTH_MAIN if goal is GoalCategory.strength else POWER_MAIN)[plan.phase]
        pct = _pct(lo, hi, plan.ramp)
        # Percentages only make sense where a 1RM is measurable; dumbbell and bodyweight lifts use RPE.
        load = f"{pct:g}% 1RM" if ex.load in PERCENT_LOADS else f"RPE {round((pct - 45) / 5) / 2 + 4.5:g}"
        return Dose(SETS[role][level], _reps(reps, reps, ex.unit, level), load, 180 + 30 * plan.phase, "")
    if role is Role.secondary and heavy:
        return Dose(SETS[role][level], _reps(4, 6, ex.unit, level), _rpe(7.0, 8.5, plan.ramp, cap), 150)
    if role is Role.secondary:
        return Dose(SETS[role][level], _reps(6, 8, ex.unit, level), _rpe(7.0, 8.0, plan.ramp, cap), 120)
    return Dose(SETS[role][level], _reps(6, 10, ex.unit, level), _rpe(7.0, 8.0, plan.ramp, cap), 90)


def dose_explosive(profile: Profile, ex: LibraryExercise, plan: WeekPlan, cap: float | None) -> Dose:
    level, phase = profile.level, plan.phase
    sets = SETS[Role.explosive][level]
    fast = "Fast but controlled, RPE 7" if cap is not None else ""
    if ex.pattern is P.sprint:
        return Dose(sets + 1, 1, fast or "Maximal effort", 180, "Walk back and rest fully between reps.")
    if ex.pattern is P.olympic:
        reps = 5 if "swing" in ex.tags else (3, 3, 2)[phase]
        load = ("Heavy bell, crisp hip snap" if "swing" in ex.tags else
                f"{_pct(60.0, 70.0, plan.ramp) + 5 * phase:g}% of your best {ex.name.lower()}, fast bar"
                if ex.load in PERCENT_LOADS else "A weight you could move 8 times, every rep fast")
        return Dose(sets, _reps(reps, reps, ex.unit, level), fast or load, 150, "Stop the set when speed drops.")
    reps = 3 if level == 0 else (5, 4, 3)[phase]
    if ex.pattern is P.jump and profile.heavy:
        sets, reps = max(2, sets - 1), min(reps, 3)  # fewer landings for a heavier body
    landings = sets * reps * (2 if ex.unit is Unit.per_side else 1)
    note = f"About {landings} landings in total; land softly." if ex.pattern is P.jump else ""
    return Dose(sets, _reps(reps, reps, ex.unit, level), fast or "Maximal intent, full recovery", 120, note)


def dose_recovery(ex: LibraryExercise) -> Dose:
    if ex.pattern is P.conditioning:
        return Dose(2, "600s", "Easy, conversational pace", 60, "Two easy 10-minute bouts, 20 minutes in all.")
    return Dose(2, "30s" if ex.unit is Unit.hold else _reps(6, 8, ex.unit, 0), "Easy, pain-free range", 30)


def dose(profile: Profile, role: Role, ex: LibraryExercise, plan: WeekPlan, test_ok: bool = False,
         delta: int = 0) -> Dose:
    """The exercise's dose this week; delta is the volume balancer's set change for the block."""
    cap = profile.cap(plan)
    heavy = heavy_with(ex, profile.filters.equipment)
    if role is Role.recovery or ex.pattern is P.conditioning:
        d = dose_recovery(ex)
        light = plan.kind in (WeekKind.deload, WeekKind.taper, WeekKind.test)
        return replace(d, sets=max(1, d.sets // 2)) if light else d
    if role is Role.explosive or ex.pattern.explosive:
        d = dose_explosive(profile, ex, plan, cap)
    elif role is Role.core or ex.pattern in (P.core, P.carry):
        lo, hi = (8, 12) if ex.unit is not Unit.per_side else (6, 8)
        d = Dose(SETS[Role.core][profile.level], _reps(lo, hi, ex.unit, profile.level), "Controlled", 60)
    elif profile.goal is GoalCategory.hypertrophy:
        d = dose_hypertrophy(role, ex, profile.level, plan, cap)
    else:
        d = dose_heavy(profile.goal, role, ex, profile.level, plan, cap, heavy)
    unloaded = not heavy and ex.pattern in LOWER_BODY and role is not Role.core and not (
        ex.equipment - {Equipment.bodyweight}) & profile.filters.equipment
    if unloaded:
        # Without added load a squat or lunge is hard only in high reps: dose it that way.
        d = replace(d, reps=_reps(12, 15, ex.unit, profile.level), intensity=_rpe(7.0, 7.0, plan.ramp, cap))
    d = replace(d, sets=max(1, d.sets + delta))
    # Percentages of a 1RM only where one is measurable: barbell-type lifts for non-beginners.
    measurable = role is Role.main and profile.level > 0 and ex.load in PERCENT_LOADS and heavy
    if plan.kind is WeekKind.deload:
        floor = 2 if role is Role.main else 1
        return Dose(max(floor, d.sets // 2), d.reps, _deload_intensity(role, ex, measurable), d.rest,
                    "Deload: leave plenty in reserve.")
    if plan.kind is WeekKind.taper:
        return Dose(max(1, round(d.sets * 0.6)), d.reps, d.intensity, d.rest, "Taper: fewer sets, same loads.")
    if plan.kind is WeekKind.test:
        return _test_dose(role, ex, d, measurable and test_ok and ex.testable, heavy and not unloaded)
    return d


def _deload_intensity(role: Role, ex: LibraryExercise, measurable: bool) -> str:
    if role is Role.explosive or ex.pattern.explosive:
        return "Submaximal, crisp and easy"
    return "About 60% 1RM, easy bar speed" if measurable else "RPE 5 to 6"


def _test_dose(role: Role, ex: LibraryExercise, d: Dose, single: bool, heavy: bool) -> Dose:
    if role is Role.main and single:
        return Dose(3, 1, "Work up to a heavy single, about 92 to 97% 1RM", 300,
                    "Test day: two or three warm-up singles, then one best single.")
    if role is Role.main and heavy:
        return Dose(2, _reps(3, 5, ex.unit, 1), "RPE 8, heaviest clean set", 180, "Test day: note load and reps.")
    if role is Role.explosive or ex.pattern.explosive:
        return Dose(3, 1, "Maximal intent, measured", 180, "Test: record your best attempt.")
    return Dose(max(1, d.sets // 2), d.reps, d.intensity, d.rest, "Reduced volume for test week.")


# ---------------------------------------------------------------- sessions


def session_size(profile: Profile, extra: int) -> int:
    base = (4, 5, 6)[profile.level]
    if profile.goal is GoalCategory.hypertrophy:
        base += 1
    if profile.request.days_per_week <= 2:
        base += 1  # few sessions must each cover the whole body
    return base + extra


def with_emphasis(template: DayTemplate, profile: Profile, index: int) -> tuple[list[Slot], int]:
    """Priority-ordered slots for this person, and how many extra slots (explosive leads and
    emphasis inserts) the day gets on top of its usual size."""
    slots, letter = list(template.slots), template.name.split(":")[0][-1]
    emphasis, kind = profile.emphasis, template.kind
    lower = kind in ("full", "lower", "legs")
    upper = kind in ("full", "upper", "push", "pull")
    explosive: list[Pattern] = []
    if profile.goal is GoalCategory.power:
        explosive = list(POWER_WORK[template.name.split(":")[0]][: 1 if profile.level == 0 else 2])
    if lower and Emphasis.jump in emphasis and P.jump not in explosive:
        explosive.insert(0, P.jump)
    if lower and Emphasis.sprint in emphasis and letter != "A" and P.sprint not in explosive:
        explosive.append(P.sprint)
    inserts: list[tuple[int, Slot]] = []
    if Emphasis.arms in emphasis and upper:
        # One extra arm exercise per upper day, biceps and triceps in turn: arms grow from the rows
        # and presses too, and a week of double arm work would crowd out the rest.
        inserts.append((3, Slot(A, P.biceps if index % 2 == 0 else P.triceps, index)))
    if Emphasis.glutes in emphasis and lower:
        inserts.append((2, Slot(A, P.glutes, index)))
    # A lift the person wants to improve appears on every day it fits, once: a second deadlift
    # variant on a day that already hinges is fatigue, not emphasis.
    present = {slot.pattern for slot in slots[:session_size(profile, 0)]}
    if Emphasis.bench in emphasis and kind in ("full", "upper", "push") and P.h_push not in present:
        inserts.append((2, Slot(S, P.h_push)))
    if Emphasis.squat in emphasis and lower and P.squat not in present:
        inserts.append((1, Slot(S, P.squat)))
    if Emphasis.deadlift in emphasis and lower and P.hinge not in present:
        inserts.append((2, Slot(S, P.hinge)))
    if Emphasis.sprint in emphasis and lower:
        inserts.append((3, Slot(A, P.hamstrings, 2)))  # Nordic-style curls guard sprinting hamstrings
    if Injury.back in profile.constraints.injuries:
        inserts.append((2, Slot(C, P.core)))  # a sore back gets core work it cannot skip
    for pos, slot in sorted(inserts, key=lambda item: -item[0]):
        slots.insert(pos, slot)
    # The day's position offsets explosive picks, so each session of the week throws or jumps differently.
    lead = [Slot(Role.explosive, p, index) for p in explosive]
    return lead[:1] + slots[:1] + lead[1:] + slots[1:], max(len(lead) - 1, 0) + len(inserts)


def profile_notes(profile: Profile, ex: LibraryExercise) -> list[str]:
    notes: list[str] = []
    injuries = profile.constraints.injuries
    if profile.tall and ex.pattern is P.squat:
        notes.append("Tall lifter: a slightly wider stance or small plates under the heels keep you upright.")
    if profile.tall and ex.pattern is P.hinge:
        notes.append("Tall lifter: pull from low blocks or use the trap bar if you cannot reach the start "
                     "with a neutral spine; own the range you use.")
    if Injury.knee in injuries and ex.pattern in (P.squat, P.lunge):
        notes.append("Stay pain-free: stop the set if knee pain goes above 3 out of 10.")
    if Injury.back in injuries and ex.pattern in (P.squat, P.hinge, P.carry, P.h_pull):
        notes.append("Brace first; stop if pain spreads into a leg.")
    if Injury.shoulder in injuries and ex.pattern in (P.h_push, P.v_pull, P.h_pull):
        notes.append("Work in a pain-free range; stop if the shoulder pinches.")
    if profile.heavy and ex.pattern in (P.jump, P.sprint):
        notes.append("Low-impact choice to spare the joints.")
    return notes


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def choose_exercises(profile: Profile, template: DayTemplate, number: int, block: int
                     ) -> tuple[tuple[Role, LibraryExercise], ...]:
    if template.kind == "recovery":
        slots = list(template.slots)
    else:
        slots, extra = with_emphasis(template, profile, number - 1)
        slots = slots[: session_size(profile, extra)]
        if profile.constraints.weight_loss and Movement.cardio not in profile.constraints.banned:
            slots.append(Slot(Role.recovery, P.conditioning, number - 1))  # aerobic work every training day
    # Recovery days stay easy whatever the level: only beginner-tier movements.
    filters = replace(profile.filters, max_tier=1) if template.kind == "recovery" else profile.filters
    # Strength and power build each day on a lift that can be loaded heavily.
    heavy_main = profile.goal is not GoalCategory.hypertrophy
    used: set[str] = set()
    chosen: list[tuple[Role, LibraryExercise]] = []
    for slot in slots:
        # The person's favourites only claim a slot's first choice, and once chosen they stay.
        prefer = profile.prefer if slot.offset == 0 else frozenset()
        flt = replace(filters, heavy_only=True) if heavy_main and slot.role is Role.main else filters
        ex = pick(slot.pattern, flt, offset=slot.offset, prefer=prefer, exclude=used)
        # Accessories rotate each block for a fresh stimulus; main lifts stay put so progress is measurable.
        rotates = slot.role in (A, C) or (slot.role is S and profile.goal is GoalCategory.hypertrophy)
        if rotates and block and not (ex and ex.name in prefer):
            ex = pick(slot.pattern, flt, offset=slot.offset + block, prefer=prefer, exclude=used)
        if ex is not None:
            used.add(ex.name)
            chosen.append((slot.role, ex))
    chosen.sort(key=lambda item: item[0])
    return tuple(chosen)


def _exercise(profile: Profile, role: Role, ex: LibraryExercise, plan: WeekPlan, test_ok: bool,
              delta: int) -> Exercise:
    d = dose(profile, role, ex, plan, test_ok, delta)
    lead = {Role.main: "Main lift.", Role.explosive: "Explosive: full speed, full rest."}.get(role, "")
    text = " ".join(part for part in (lead, d.note, ex.cue, *profile_notes(profile, ex)) if part)
    return Exercise(name=ex.name, sets=min(d.sets, 12), reps=d.reps, intensity=d.intensity,
                    rest_seconds=d.rest, notes=_clip(text, 300))


EMPHASIS_MUSCLES = {Emphasis.arms: (Muscle.biceps, Muscle.triceps), Emphasis.glutes: (Muscle.glutes,),
                    Emphasis.bench: (Muscle.chest,), Emphasis.squat: (Muscle.quads,),
                    Emphasis.deadlift: (Muscle.glutes, Muscle.hamstrings)}
Chosen = tuple[tuple[Role, LibraryExercise, int], ...]  # role, exercise, set change


def chosen_for(profile: Profile, template: DayTemplate, number: int, block: int
               ) -> tuple[tuple[Role, LibraryExercise], ...]:
    key = (template.name, number, block)
    chosen = profile.choices.get(key)
    if chosen is None:
        chosen = profile.choices[key] = choose_exercises(profile, template, number, block)
    return chosen


def band_for(profile: Profile) -> Band:
    level, days = profile.request.fitness_level, profile.request.days_per_week
    # Hypertrophy needs the level's weekly floor; the other goals only need every major muscle trained.
    floor = weekly_floor(level, days) if profile.goal is GoalCategory.hypertrophy else 1
    return Band(floor, WEEKLY_SETS[level][1], SESSION_SETS[level], 4 if profile.level == 0 else 6)


def balanced_week(profile: Profile, templates: tuple[DayTemplate, ...], block: int) -> list[Chosen]:
    key = (block, tuple(t.name for t in templates))
    cached = profile.balanced.get(key)
    if cached is not None:
        return cached
    first = WeekPlan(99, WeekKind.load, block, 0, 2)  # a block's first and last loading weeks
    last = WeekPlan(99, WeekKind.load, block, 1, 2)

    emphasised = {m for e in profile.emphasis for m in EMPHASIS_MUSCLES.get(e, ())}

    def entry(day: int, role: Role, ex: LibraryExercise) -> Entry:
        keep = bool(contributions(ex)) and contributions(ex)[0][0] in emphasised
        # What the person asked to improve gets a set more, wherever it fits the band.
        return Entry(day, role, ex, dose(profile, role, ex, first).sets, dose(profile, role, ex, last).sets,
                     delta=int(keep), keep=keep)

    entries = [entry(i, role, ex) for i, t in enumerate(templates)
               for role, ex in chosen_for(profile, t, i + 1, block)]

    def make(day: int, muscle: Muscle, used: frozenset[str]) -> Entry | None:
        if templates[day].kind == "recovery":
            return None
        for pattern in PATTERNS_FOR[muscle]:
            ex = pick(pattern, profile.filters, exclude=used)
            if ex is not None and contributions(ex) and contributions(ex)[0][0] is muscle:
                return entry(day, Role.accessory, ex)
        return None

    balance(entries, band_for(profile), len(templates), make)
    days: list[Chosen] = []
    for i in range(len(templates)):
        mine = sorted((e for e in entries if e.day == i and e.sets(False) > 0), key=lambda e: e.role)
        days.append(tuple((e.role, e.ex, e.delta) for e in mine))
    profile.balanced[key] = days
    return days


def build_week(profile: Profile, plan: WeekPlan) -> TrainingWeek:
    templates, _ = SPLITS[profile.request.days_per_week]
    if len(templates) == 1:
        templates = (ONE_A if plan.number % 2 else ONE_B,)  # one day a week alternates A and B
    balanced = balanced_week(profile, templates, plan.block)
    # At most three maximal singles a week, on the lifts that matter most: a meet's three first.
    mains = {ex.name for chosen in balanced for role, ex, _ in chosen if role is Role.main and ex.testable}
    testing = set(sorted(mains, key=lambda n: (TEST_ORDER.index(n) if n in TEST_ORDER else 99, n))
                  [:MAX_TESTS_PER_WEEK])
    tested: set[str] = set()
    days: list[TrainingDay] = []
    for i, (template, chosen) in enumerate(zip(templates, balanced, strict=True)):
        number = i + 1
        exercises = []
        for role, ex, delta in chosen:
            test_ok = role is Role.main and ex.name in testing and ex.name not in tested
            exercise = _exercise(profile, role, ex, plan, test_ok, delta)
            if exercise.reps == 1 and "single" in exercise.intensity:
                tested.add(ex.name)
            exercises.append(exercise)
        days.append(TrainingDay(day=number, name=template.name, exercises=exercises))
    return TrainingWeek(week=plan.number, focus=_clip(week_focus(plan, profile), 200),
                        deload=plan.kind is WeekKind.deload, days=days)


# ---------------------------------------------------------------- words


SHORT_SPLITS = {1: "full body", 2: "full body", 3: "full body", 4: "upper and lower",
                5: "upper, lower, push, pull, legs", 6: "push, pull, legs twice",
                7: "five training days and two easy recovery days"}
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven")
ORDINALS = {4: "fourth", 5: "fifth", 6: "sixth"}
METHOD = {
    GoalCategory.hypertrophy: "Most work sits between six and fifteen reps, taken close to failure.",
    GoalCategory.strength: "Heavy compound lifts for one to six reps with long rests, heavier each block.",
    GoalCategory.power: "Fast, explosive work for a few reps with full rest, plus heavy lifting.",
}
EFFORT_SCALE = "Effort runs from one to ten; ten means not one more rep."
KIT = {Equipment.barbell: "a barbell", Equipment.trap_bar: "a trap bar", Equipment.dumbbell: "dumbbells",
       Equipment.kettlebell: "kettlebells", Equipment.band: "bands", Equipment.machine: "machines",
       Equipment.cable: "cables", Equipment.med_ball: "a medicine ball", Equipment.box: "a plyo box",
       Equipment.sled: "a sled", Equipment.bench: "a bench", Equipment.bar: "a pull-up bar",
       Equipment.bodyweight: "your body weight"}
BECAUSE = {Population.older: "your age", Population.pregnant: "your pregnancy",
           Population.postpartum: "your recovery after birth", Population.bmi_40: "your weight",
           Population.medical: "the medical condition you mentioned"}
EMPHASIS_WORDS = {Emphasis.arms: "arms", Emphasis.glutes: "glutes", Emphasis.bench: "bench press",
                  Emphasis.squat: "squat", Emphasis.deadlift: "deadlift", Emphasis.jump: "jumping",
                  Emphasis.sprint: "speed"}
EVENT_WORDS = {EventKind.meet: "your meet", EventKind.show: "your show", EventKind.season: "your season",
               EventKind.race: "your race", EventKind.test: "your test"}


def heard(profile: Profile) -> list[str]:
    """What the person told us changed, in our words: each sentence is true of the weeks by construction."""
    c = profile.constraints
    out: list[str] = []
    if Injury.knee in c.injuries:
        out.append("It spares your knees: no deep knee bends under load and no jumping.")
    if Injury.back in c.injuries:
        out.append("It spares your back: no heavy spinal loading and no crunching.")
    if Injury.shoulder in c.injuries:
        out.append("It spares your shoulder: no overhead pressing.")
    # What an injury sentence above already says is not said twice.
    covered = {Movement.deep_squat, Movement.jump, Movement.impact} if Injury.knee in c.injuries else set()
    covered |= {Movement.overhead} if Injury.shoulder in c.injuries else set()
    covered |= {Movement.spinal_flexion} if Injury.back in c.injuries else set()
    if Population.pregnant in c.populations:
        out.append("It avoids lying on your back, impact and crunches, and keeps every lift supported.")
    elif Population.postpartum in c.populations:
        out.append("It avoids impact and crunches while your core recovers.")
    elif Population.bmi_40 in c.populations:
        out.append("Everything is low-impact, to spare your joints.")
    elif Population.older in c.populations:
        out.append("It starts with supported lifts and keeps every landing soft.")
    named = [b.movement.value for b in c.bans if b.because == "you asked to leave them out"
             and b.movement not in covered]
    if named:
        out.append(f"As you asked, it leaves out {_join(named)}.")
    if not c.full_gym:
        kit = [KIT[e] for e in Equipment if e in c.equipment and e is not Equipment.bodyweight]
        out.append(f"It uses only what you have: {_join([*kit, 'your body weight'])}.")
    if c.emphasis:
        out.append(f"It gives extra work to your {_join([EMPHASIS_WORDS[e] for e in c.emphasis])}.")
    if c.weight_loss and Movement.cardio not in c.banned:
        out.append("Every training day ends with 20 minutes of easy cardio to help with weight loss.")
    if c.event is not None and profile.request.duration_weeks >= 3:
        out.append(f"It builds to {EVENT_WORDS[c.event]}, then tapers over the last two weeks.")
    return out


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def program_name(profile: Profile) -> str:
    c = profile.constraints
    base = f"{profile.request.duration_weeks}-Week {profile.goal.value.title()} Program"
    tags: list[str] = []
    if Injury.knee in c.injuries:
        tags.append("Knee-Friendly")
    if Injury.back in c.injuries:
        tags.append("Back-Friendly")
    if c.caution:
        tags.append("Gentle Start")
    if set(c.equipment) <= DUMBBELLS_ONLY | {Equipment.bench} and Equipment.dumbbell in c.equipment:
        tags.append("Dumbbell")
    elif set(c.equipment) == set(HOME):
        tags.append("Home")
    words = {Emphasis.arms: "Arms Emphasis", Emphasis.glutes: "Glute Emphasis", Emphasis.bench: "Bench Focus",
             Emphasis.squat: "Squat Focus", Emphasis.deadlift: "Deadlift Focus", Emphasis.jump: "Jump Training",
             Emphasis.sprint: "Speed Work"}
    tags += [words[e] for e in c.emphasis]
    return f"{base}: {' and '.join(tags[:2])}" if tags else base


def summary(profile: Profile, plans: list[WeekPlan]) -> str:
    r, c = profile.request, profile.constraints
    core = (f"Your {r.duration_weeks} week {r.goal_category.value} program trains {NUMBER_WORDS[r.days_per_week]} "
            f"day{'s' if r.days_per_week > 1 else ''} a week, {SHORT_SPLITS[r.days_per_week]}.")
    # In priority order: safety, the shape, what was heard, what effort means, then the method.
    wanted: list[str] = []
    if c.caution:
        wanted.append("Please check with your doctor before you start.")
    wanted.append(core)
    if profile.level == 0:
        wanted.append(EFFORT_SCALE)
    wanted += heard(profile)
    if c.caution:
        wanted.append("The first two weeks are gentle.")
    wanted.append(METHOD[r.goal_category])
    every = deload_every(r.duration_weeks, profile.level, r.goal_category)
    if any(p.kind is WeekKind.deload for p in plans) and every:
        wanted.append("Regular lighter weeks let you recover.")
    if plans and plans[-1].kind is WeekKind.test:
        wanted.append("The last week tests your new best.")
    kept: list[str] = []
    for sentence in wanted:
        if len(" ".join([*kept, sentence]).split()) <= SUMMARY_WORDS:
            kept.append(sentence)
    return " ".join(kept)


def description(profile: Profile, plans: list[WeekPlan]) -> str:
    r, c = profile.request, profile.constraints
    article = "a" if profile.level == 0 else "an"
    plural = "s" if r.days_per_week > 1 else ""
    opening = "An" if r.duration_weeks in (8, 11, 18) else "A"
    lines = [f"{opening} {r.duration_weeks}-week {r.goal_category.value} program for {article} "
             f"{r.fitness_level.value} lifter, {r.days_per_week} day{plural} a week: "
             f"{SPLITS[r.days_per_week][1]}.", METHOD[r.goal_category]]
    if c.caution:
        why = _join([BECAUSE[p] for p in c.populations])
        lines.append(f"Because of {why}, check with your doctor first. The first two weeks are gentle, and "
                     "nothing goes above an effort of 8 out of 10: never all-out, never a max test.")
    lines += heard(profile)
    deloads = sum(p.kind is WeekKind.deload for p in plans)
    if deloads:
        lines.append(f"Weeks run in blocks that build load, with {deloads} deload week"
                     f"{'s' if deloads > 1 else ''} to recover.")
    elif profile.level == 0:
        lines.append("As a beginner you progress linearly: add a little load or a rep each session.")
    if profile.level == 0:
        lines.append(EFFORT_SCALE.replace("Effort runs", "Effort (RPE) runs"))
    if any(p.kind is WeekKind.test for p in plans):
        lines.append("Percentages are of your current best single; the last week finds your new one.")
    if profile.heavy and any(ex.pattern is P.jump for days in profile.balanced.values()
                             for chosen in days for _, ex, _ in chosen):
        lines.append("Any jumping uses low-impact options with fewer landings.")
    if profile.tall:
        lines.append("At your height, bar choices and ranges of motion are set to keep long levers safe.")
    return _clip(" ".join(lines), 2000)


# ---------------------------------------------------------------- the engine


def build_program(request: GenerateRequest, constraints: Constraints | None = None) -> ProgramContent:
    """The whole program at once, without progress reports: what tests and the review use."""
    profile = read_profile(request, constraints)
    plans = plan_weeks(profile)
    weeks = [build_week(profile, plan) for plan in plans]
    return ProgramContent(name=program_name(profile), description=description(profile, plans),
                          summary=summary(profile, plans), weeks=weeks)
