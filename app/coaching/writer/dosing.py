"""Doses: sets, reps, effort and rest for one exercise, from the goal, the level, its role in the
session, where the week sits in its block and the effort ceiling the person's situation sets."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from app.coaching.catalogue import LibraryExercise, heavy_with
from app.coaching.kinds import LOWER_BODY, Equipment, Load, Pattern, Unit
from app.coaching.policy import (
    BLOCK_STEP_PCT,
    EASY_BODYWEIGHT_MIN_REPS,
    HYPERTENSION_MIN_REPS,
    LOW_REPS_MAX,
    MIN_SETS,
    POST_VIRAL_VOLUME_SHARE,
    TOP_PCT,
)
from app.coaching.writer.periodization import WeekKind, WeekPlan
from app.coaching.writer.profile import Profile
from app.coaching.writer.splits import Role
from app.models import GoalCategory

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
UPPER = frozenset({Pattern.h_push, Pattern.v_push, Pattern.h_pull, Pattern.v_pull, Pattern.triceps, Pattern.biceps,
                   Pattern.delts, Pattern.chest_fly})
HARDER_NOTE = "Make it hard: a weight vest or a loaded backpack, or a slow three-second lowering."


def light(sets: int, kept: int) -> int:
    """Sets in a lighter week (deload, taper, test): one set is no dose, so an exercise keeps two
    (writer/lighter.py leaves one out where the week must be lighter still)."""
    return max(kept, min(sets, MIN_SETS))


def _reps(lo: int, hi: int, unit: Unit, level: int) -> int | str:
    if unit is Unit.hold:
        return f"{HOLD_SECONDS[level]}s"
    text = str(lo) if lo == hi else f"{lo}-{hi}"
    if unit is Unit.per_side:
        return f"{text} per side"
    return lo if lo == hi else text


def _low(reps: int | str) -> int:
    """The lowest rep count of a dose ("6-8" is 6; a hold or a time is not a rep count: 99)."""
    if isinstance(reps, int):
        return reps
    found = re.match(r"(\d+)(?:-\d+)?(?: per side)?$", reps)
    return int(found.group(1)) if found else 99


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
    if ex.pattern is Pattern.hinge and ex.load is Load.barbell:
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
        # A phase met again in a long plan is a step heavier (rule moving-percentages), never above the top.
        step = BLOCK_STEP_PCT * plan.wave
        pct = min(_pct(lo + step, hi + step, plan.ramp), TOP_PCT)
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
    if ex.pattern is Pattern.sprint:
        return Dose(sets + 1, 1, fast or "Maximal effort", 180, "Walk back and rest fully between reps.")
    if ex.pattern is Pattern.olympic:
        reps = 5 if "swing" in ex.tags else (3, 3, 2)[phase]
        load = ("Heavy bell, crisp hip snap" if "swing" in ex.tags else
                f"{_pct(60.0, 70.0, plan.ramp) + 5 * phase:g}% of your best {ex.name.lower()}, fast bar"
                if ex.load in PERCENT_LOADS else "A weight you could move 8 times, every rep fast")
        return Dose(sets, _reps(reps, reps, ex.unit, level), fast or load, 150, "Stop the set when speed drops.")
    reps = 3 if level == 0 else (5, 4, 3)[phase]
    if ex.pattern is Pattern.jump and profile.heavy:
        sets, reps = max(2, sets - 1), min(reps, 3)  # fewer landings for a heavier body
    landings = sets * reps * (2 if ex.unit is Unit.per_side else 1)
    note = f"About {landings} landings in total; land softly." if ex.pattern is Pattern.jump else ""
    return Dose(sets, _reps(reps, reps, ex.unit, level), fast or "Maximal intent, full recovery", 120, note)


def dose_recovery(ex: LibraryExercise) -> Dose:
    if ex.pattern is Pattern.conditioning:
        return Dose(2, "600s", "Easy, conversational pace", 60, "Two easy 10-minute bouts, 20 minutes in all.")
    return Dose(2, "30s" if ex.unit is Unit.hold else _reps(6, 8, ex.unit, 0), "Easy, pain-free range", 30)


def dose(profile: Profile, role: Role, ex: LibraryExercise, plan: WeekPlan, test_ok: bool = False,
         delta: int = 0) -> Dose:
    """The exercise's dose this week; delta is the volume balancer's set change for the block."""
    d = _dose(profile, role, ex, plan, test_ok, delta)
    if (profile.level > 0 and ex.load is Load.bodyweight and ex.tier == 1 and ex.pattern in UPPER
            and _low(d.reps) < EASY_BODYWEIGHT_MIN_REPS):
        d = replace(d, note=f"{d.note} {HARDER_NOTE}".strip())  # push-ups are easy for a trained lifter
    return d


def _dose(profile: Profile, role: Role, ex: LibraryExercise, plan: WeekPlan, test_ok: bool, delta: int) -> Dose:
    cap = profile.cap(plan)
    heavy = heavy_with(ex, profile.filters.equipment)
    if role is Role.recovery or ex.pattern is Pattern.conditioning:
        d = dose_recovery(ex)
        easy = plan.kind in (WeekKind.deload, WeekKind.taper, WeekKind.test)
        if not easy:
            return d
        # A bout of cardio or a mobility drill may be one; anything else keeps two or leaves the day.
        one = ex.pattern in (Pattern.conditioning, Pattern.mobility)
        return replace(d, sets=max(1, d.sets // 2) if one else light(d.sets, d.sets // 2))
    if role is Role.explosive or ex.pattern.explosive:
        d = dose_explosive(profile, ex, plan, cap)
    elif role is Role.core or ex.pattern in (Pattern.core, Pattern.carry):
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
    if "low_reps" in ex.tags and ex.unit is not Unit.hold and not ex.pattern.explosive:
        d = replace(d, reps=_reps(6, LOW_REPS_MAX, ex.unit, profile.level))  # a Nordic curl is a few slow reps
    if profile.paced:
        # A third less, but never one set: a paced week has fewer exercises before it has single sets
        # (the balancer's change is in paced sets already: it was made from these doses).
        d = replace(d, sets=max(MIN_SETS, math.floor(d.sets * POST_VIRAL_VOLUME_SHARE)))
    d = replace(d, sets=max(1, d.sets + delta))
    if profile.no_low_reps and not ex.pattern.explosive and _low(d.reps) < HYPERTENSION_MIN_REPS:
        d = replace(d, reps=_reps(HYPERTENSION_MIN_REPS, HYPERTENSION_MIN_REPS + 2, ex.unit, profile.level),
                    intensity=_rpe(6.5, 7.5, plan.ramp, cap))
    # Percentages of a 1RM only where one is measurable: barbell-type lifts for non-beginners.
    measurable = role is Role.main and profile.level > 0 and ex.load in PERCENT_LOADS and heavy
    if plan.kind is WeekKind.deload:
        floor = 2 if role is Role.main else 1
        return Dose(light(d.sets, max(floor, d.sets // 2)), d.reps, _deload_intensity(role, ex, measurable), d.rest,
                    "Deload: leave plenty in reserve.")
    if plan.kind is WeekKind.taper:
        return Dose(light(d.sets, round(d.sets * 0.6)), d.reps, d.intensity, d.rest, "Taper: fewer sets, same loads.")
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
    return Dose(light(d.sets, d.sets // 2), d.reps, d.intensity, d.rest, "Reduced volume for test week.")
