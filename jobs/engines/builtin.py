"""The built-in engine: an offline, deterministic strength coach.

It reads the request into a profile (goal, level, body size, what the person's words ask for),
picks a split from the days per week, lays the weeks out in blocks with deloads and a test week,
and doses every exercise from goal, level, role and where the week sits in its block.
The same request always gives the same program: there is no randomness anywhere.
"""

from __future__ import annotations

import asyncio
import enum
import re
from dataclasses import dataclass, field, replace

from pydantic import ValidationError

from app.models import Exercise, FitnessLevel, GenerateRequest, GoalCategory, ProgramContent, TrainingDay, TrainingWeek
from jobs.engines.base import EngineError, Generated, ProgressReporter
from jobs.engines.library import (
    DUMBBELLS_ONLY,
    FULL_A,
    FULL_B,
    GYM,
    HOME,
    POWER_WORK,
    SPLITS,
    A,
    C,
    DayTemplate,
    Equipment,
    Filters,
    Impact,
    LibraryExercise,
    Pattern,
    Role,
    S,
    Slot,
    Unit,
    pick,
)

P = Pattern
LEVEL_INDEX = {FitnessLevel.beginner: 0, FitnessLevel.intermediate: 1, FitnessLevel.advanced: 2}
MAX_PROGRESS_REPORTS_FOR_WEEKS = 10

KEYWORDS: dict[str, str] = {
    "knee": r"\bknees?\b|\bacl\b|menisc|patell",
    "back": r"\bback (pain|injur|issue|problem|hurt)|\b(lower|low|bad|sore) back\b|sciatica|\bdisc\b|herniat",
    "sprint": r"\brun|sprint|\bspeed\b|soccer|football|rugby|basketball",
    "jump": r"\bjump|vertical|\bdunk|basketball|volleyball",
    "glutes": r"glute|\bbooty\b|\bbutt\b",
    "arms": r"\barms?\b|bicep|tricep|\bguns\b",
    "bench": r"\bbench|powerlift",
    "squat": r"\bsquat|powerlift",
    "deadlift": r"deadlift|powerlift",
    "home": r"\bhome\b|no gym|without (a )?gym",
    "dumbbell": r"dumbbell|\bdbs?\b",
}
TAGS = {"knee": "Knee-Friendly", "back": "Back-Friendly", "home": "Home", "dumbbell": "Dumbbell",
        "arms": "Arms Emphasis", "glutes": "Glute Emphasis", "bench": "Bench Focus", "squat": "Squat Focus",
        "deadlift": "Deadlift Focus", "jump": "Jump Training", "sprint": "Speed Work"}


@dataclass(frozen=True, slots=True)
class Profile:
    request: GenerateRequest
    level: int  # 0 beginner, 1 intermediate, 2 advanced
    words: frozenset[str]  # keyword groups found in goal_raw
    heavy: bool  # over ~110 kg or BMI over 32: fewer, lower-impact landings
    tall: bool  # over 190 cm: longer levers, notes on range of motion and bar choice
    filters: Filters
    prefer: frozenset[str]
    # The exercises of each (day name, day number, block), chosen once per program: they only
    # change from block to block, and choosing them is ~40% of drafting a week.
    choices: dict[tuple[str, int, int], tuple[tuple[Role, LibraryExercise], ...]] = field(
        default_factory=dict, compare=False, repr=False)

    @property
    def goal(self) -> GoalCategory:
        return self.request.goal_category


def read_profile(request: GenerateRequest) -> Profile:
    text = request.goal_raw.lower()
    words = frozenset(key for key, rx in KEYWORDS.items() if re.search(rx, text))
    bmi = request.weight_kg / (request.height_cm / 100) ** 2
    heavy = request.weight_kg > 110 or bmi > 32
    level = LEVEL_INDEX[request.fitness_level]
    equipment = GYM
    if "dumbbell" in words:
        equipment = DUMBBELLS_ONLY | {Equipment.band} if "home" in words else DUMBBELLS_ONLY
    elif "home" in words:
        equipment = HOME
    max_impact = Impact.low if heavy or "knee" in words else Impact.high
    if level == 0 and max_impact > Impact.moderate:
        max_impact = Impact.moderate  # beginners learn to land before they bound or depth-jump
    filters = Filters(level + 1, equipment, max_impact, "knee" in words, "back" in words)
    prefer: set[str] = set()
    if "bench" in words:
        prefer.add("Barbell bench press")
    if "squat" in words:
        prefer.add("Back squat")
    if "deadlift" in words:
        prefer.add("Conventional deadlift")
    elif request.height_cm > 190:
        prefer.add("Trap-bar deadlift")  # long femurs and torso: a more upright pull
    if "glutes" in words:
        prefer |= {"Barbell hip thrust", "Bulgarian split squat", "Dumbbell hip thrust"}
    return Profile(request, level, words, heavy, request.height_cm > 190, filters, frozenset(prefer))


# ---------------------------------------------------------------- weeks and blocks


class WeekKind(enum.Enum):
    load = "load"
    deload = "deload"
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

    @property
    def ramp(self) -> float:
        """0.0 at a block's first week, 1.0 at its last: how far intensity has climbed."""
        return self.pos / (self.length - 1) if self.length > 1 else 0.5

    @property
    def phase(self) -> int:
        return 2 if self.kind is WeekKind.test else self.block % len(PHASES)


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


def plan_weeks(profile: Profile) -> list[WeekPlan]:
    n = profile.request.duration_weeks
    every = deload_every(n, profile.level, profile.goal)
    tests = profile.goal is not GoalCategory.hypertrophy and profile.level > 0 and n >= 6
    kinds = [WeekKind.test if tests and w == n else
             WeekKind.deload if every and w % every == 0 else WeekKind.load for w in range(1, n + 1)]
    plans: list[WeekPlan] = []
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
            plans += [WeekPlan(i + 1, WeekKind.load, block, i - at, length) for i in range(at, at + length)]
            at += length
            block += 1
        if w < n:
            last = plans[-1] if plans else WeekPlan(0, WeekKind.load, 0, 0, 1)
            plans.append(WeekPlan(w + 1, kinds[w], last.block, 0, last.length))
            w += 1
    return plans


def week_focus(plan: WeekPlan, goal: GoalCategory) -> str:
    if plan.kind is WeekKind.deload:
        return ("Deload week: about 40 percent fewer sets and lighter loads so fatigue clears "
                "before the next block.")
    if plan.kind is WeekKind.test:
        extra = " and test your best jump or throw" if goal is GoalCategory.power else ""
        return f"Test week: low volume, work up to heavy singles on the main lifts{extra}."
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
BARBELLS = frozenset({Equipment.barbell, Equipment.trap_bar, Equipment.machine})


def _reps(lo: int, hi: int, unit: Unit, level: int) -> int | str:
    if unit is Unit.hold:
        return f"{HOLD_SECONDS[level]}s"
    text = str(lo) if lo == hi else f"{lo}-{hi}"
    if unit is Unit.per_side:
        return f"{text} per side"
    return lo if lo == hi else text


def _rpe(lo: float, hi: float, ramp: float) -> str:
    value = round((lo + (hi - lo) * ramp) * 2) / 2
    return f"RPE {value:g}"


def _pct(lo: float, hi: float, ramp: float) -> float:
    return round((lo + (hi - lo) * ramp) / 2.5) * 2.5


# Main-lift schemes per phase: (reps, % 1RM at block start, % 1RM at block end).
STRENGTH_MAIN = ((5, 72.5, 80.0), (3, 80.0, 87.5), (2, 85.0, 92.5))
POWER_MAIN = ((5, 75.0, 80.0), (3, 80.0, 87.5), (2, 85.0, 90.0))
HYPERTROPHY_REPS = {Role.main: ((10, 12), (8, 10), (6, 8)), Role.secondary: ((10, 12), (8, 12), (8, 10)),
                    Role.accessory: ((12, 15), (10, 12), (8, 12))}


def dose_hypertrophy(role: Role, ex: LibraryExercise, level: int, plan: WeekPlan) -> Dose:
    lo, hi = (8, 12) if level == 0 and role is not Role.accessory else HYPERTROPHY_REPS[role][plan.phase]
    sets = SETS[role][level] + (1 if level > 0 and plan.ramp >= 0.5 and role is not Role.main else 0)
    top = 8.0 if level == 0 else 9.0
    rest = {Role.main: 120, Role.secondary: 90}.get(role, 60)
    return Dose(sets, _reps(lo, hi, ex.unit, level), _rpe(7.0, top, plan.ramp), rest,
                "Stop one or two reps short of failure." if role is Role.main else "")


def dose_heavy(goal: GoalCategory, role: Role, ex: LibraryExercise, level: int, plan: WeekPlan) -> Dose:
    """Strength and power share their heavy work; power simply tops out a little lighter."""
    if role is Role.main:
        if level == 0:  # beginners rarely know a 1RM: effort guides, load rises session to session
            return Dose(3, _reps(5, 5, ex.unit, level), _rpe(6.0, 8.0, plan.ramp), 180,
                        "Add a little load each session while every rep stays crisp.")
        reps, lo, hi = (STRENGTH_MAIN if goal is GoalCategory.strength else POWER_MAIN)[plan.phase]
        pct = _pct(lo, hi, plan.ramp)
        # Percentages only make sense where a 1RM is measurable; dumbbell and bodyweight lifts use RPE.
        load = f"{pct:g}% 1RM" if ex.equipment & BARBELLS else f"RPE {round((pct - 45) / 5) / 2 + 4.5:g}"
        return Dose(SETS[role][level], _reps(reps, reps, ex.unit, level), load, 180 + 30 * plan.phase, "")
    if role is Role.secondary:
        return Dose(SETS[role][level], _reps(4, 6, ex.unit, level), _rpe(7.0, 8.5, plan.ramp), 150)
    return Dose(SETS[role][level], _reps(6, 10, ex.unit, level), _rpe(7.0, 8.0, plan.ramp), 90)


def dose_explosive(profile: Profile, ex: LibraryExercise, plan: WeekPlan) -> Dose:
    level, phase = profile.level, plan.phase
    sets = SETS[Role.explosive][level]
    if ex.pattern is P.sprint:
        return Dose(sets + 1, 1, "Maximal effort", 180, "Walk back and rest fully between reps.")
    if ex.pattern is P.olympic:
        reps = 5 if ex.name == "Kettlebell swing" else (3, 3, 2)[phase]
        load = "Heavy bell, crisp hip snap" if ex.name == "Kettlebell swing" else \
            f"{_pct(60.0, 70.0, plan.ramp) + 5 * phase:g}% of your best {ex.name.lower()}, fast bar"
        return Dose(sets, _reps(reps, reps, ex.unit, level), load, 150, "Stop the set when speed drops.")
    reps = 3 if level == 0 else (5, 4, 3)[phase]
    if ex.pattern is P.jump and profile.heavy:
        sets, reps = max(2, sets - 1), min(reps, 3)  # fewer landings for a heavier body
    landings = sets * reps * (2 if ex.unit is Unit.per_side else 1)
    note = f"About {landings} landings in total; land softly." if ex.pattern is P.jump else ""
    return Dose(sets, _reps(reps, reps, ex.unit, level), "Maximal intent, full recovery", 120, note)


def dose_recovery(ex: LibraryExercise) -> Dose:
    if ex.pattern is P.conditioning:
        return Dose(4, "300s", "Easy, conversational pace", 30, "Four easy rounds, 20 minutes in all.")
    return Dose(2, "30s" if ex.unit is Unit.hold else _reps(6, 8, ex.unit, 0), "Easy, pain-free range", 30)


def dose(profile: Profile, role: Role, ex: LibraryExercise, plan: WeekPlan) -> Dose:
    if role is Role.recovery:
        return dose_recovery(ex)
    if role is Role.explosive or ex.pattern.explosive:
        d = dose_explosive(profile, ex, plan)
    elif role is Role.core:
        lo, hi = (8, 12) if ex.unit is not Unit.per_side else (6, 8)
        d = Dose(SETS[role][profile.level], _reps(lo, hi, ex.unit, profile.level), "Controlled", 60)
    elif profile.goal is GoalCategory.hypertrophy:
        d = dose_hypertrophy(role, ex, profile.level, plan)
    else:
        d = dose_heavy(profile.goal, role, ex, profile.level, plan)
    # Percentages of a 1RM only where one is measurable: barbell-type lifts for non-beginners.
    measurable = role is Role.main and profile.level > 0 and bool(ex.equipment & BARBELLS)
    if plan.kind is WeekKind.deload:
        floor = 2 if role is Role.main else 1
        return Dose(max(floor, round(d.sets * 0.6)), d.reps, _deload_intensity(role, ex, measurable), d.rest,
                    "Deload: leave plenty in reserve.")
    if plan.kind is WeekKind.test:
        return _test_dose(role, ex, d, measurable)
    return d


def _deload_intensity(role: Role, ex: LibraryExercise, measurable: bool) -> str:
    if role is Role.explosive or ex.pattern.explosive:
        return "Submaximal, crisp and easy"
    return "About 60% 1RM, easy bar speed" if measurable else "RPE 5 to 6"


def _test_dose(role: Role, ex: LibraryExercise, d: Dose, measurable: bool) -> Dose:
    if role is Role.main and measurable:
        return Dose(4, 1, "Work up to a heavy single, about 92 to 97% 1RM", 300,
                    "Test day: two or three warm-up singles, then one best single.")
    if role is Role.main:
        return Dose(3, _reps(3, 5, ex.unit, 1), "RPE 9, heaviest clean set", 180, "Test day: note load and reps.")
    if role is Role.explosive or ex.pattern.explosive:
        return Dose(3, 1, "Maximal, measured", 180, "Test: record your best attempt.")
    return Dose(max(1, d.sets - 1), d.reps, d.intensity, d.rest, "Reduced volume for test week.")


# ---------------------------------------------------------------- sessions


def session_size(profile: Profile, extra: int) -> int:
    base = (4, 5, 6)[profile.level]
    if profile.goal is GoalCategory.hypertrophy:
        base += 1
    if profile.request.days_per_week <= 2:
        base += 1  # few sessions must each cover the whole body
    return base + extra


def with_emphasis(template: DayTemplate, profile: Profile, index: int) -> tuple[list[Slot], int]:
    """Priority-ordered slots for this person, and how many explosive slots lead the day."""
    slots, letter = list(template.slots), template.name.split(":")[0][-1]
    words, kind = profile.words, template.kind
    lower = kind in ("full", "lower", "legs")
    upper = kind in ("full", "upper", "push", "pull")
    explosive: list[Pattern] = []
    if profile.goal is GoalCategory.power:
        explosive = list(POWER_WORK[template.name.split(":")[0]][: 1 if profile.level == 0 else 2])
    if lower and "jump" in words and P.jump not in explosive:
        explosive.insert(0, P.jump)
    if lower and "sprint" in words and letter != "A" and P.sprint not in explosive:
        explosive.append(P.sprint)
    inserts: list[tuple[int, Slot]] = []
    if "arms" in words and upper:
        inserts += [(3, Slot(A, P.biceps, index)), (3, Slot(A, P.triceps, index))]
    if "glutes" in words and lower:
        inserts.append((2, Slot(A, P.glutes, index)))
    if "bench" in words and kind in ("full", "upper", "push") and slots[0].pattern is not P.h_push:
        inserts.append((2, Slot(S, P.h_push, 1)))
    if "squat" in words and lower and slots[0].pattern is not P.squat:
        inserts.append((1, Slot(S, P.squat, 2)))
    if "deadlift" in words and lower and slots[0].pattern is not P.hinge:
        inserts.append((2, Slot(S, P.hinge, 2)))
    if "sprint" in words and lower:
        inserts.append((3, Slot(A, P.hamstrings, 2)))  # Nordic-style curls guard sprinting hamstrings
    if "back" in words:
        inserts.append((2, Slot(C, P.core)))  # a sore back gets core work it cannot skip
    for pos, slot in sorted(inserts, key=lambda item: -item[0]):
        slots.insert(pos, slot)
    # The day's position offsets explosive picks, so each session of the week throws or jumps differently.
    lead = [Slot(Role.explosive, p, index) for p in explosive]
    return lead[:1] + slots[:1] + lead[1:] + slots[1:], len(lead)


def profile_notes(profile: Profile, ex: LibraryExercise) -> list[str]:
    notes: list[str] = []
    if profile.tall and ex.pattern is P.squat:
        notes.append("Tall lifter: a slightly wider stance or small plates under the heels keep you upright.")
    if profile.tall and ex.pattern is P.hinge:
        notes.append("Tall lifter: pull from low blocks or use the trap bar if you cannot reach the start "
                     "with a neutral spine; own the range you use.")
    if "knee" in profile.words and ex.pattern in (P.squat, P.lunge):
        notes.append("Stay pain-free: stop the set if knee pain goes above 3 out of 10.")
    if "back" in profile.words and ex.pattern in (P.squat, P.hinge, P.carry, P.h_pull):
        notes.append("Brace first; stop if pain spreads into a leg.")
    if profile.heavy and ex.pattern in (P.jump, P.sprint):
        notes.append("Low-impact choice to spare the joints.")
    return notes


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def build_day(profile: Profile, template: DayTemplate, number: int, plan: WeekPlan) -> TrainingDay:
    key = (template.name, number, plan.block)
    chosen = profile.choices.get(key)
    if chosen is None:
        chosen = profile.choices[key] = choose_exercises(profile, template, number, plan.block)
    exercises = [_exercise(profile, role, ex, plan) for role, ex in chosen]
    return TrainingDay(day=number, name=template.name, exercises=exercises)


def choose_exercises(profile: Profile, template: DayTemplate, number: int, block: int
                     ) -> tuple[tuple[Role, LibraryExercise], ...]:
    if template.kind == "recovery":
        slots, lead = list(template.slots), 0
    else:
        slots, lead = with_emphasis(template, profile, number - 1)
        slots = slots[: session_size(profile, max(lead - 1, 0))]
    # Recovery days stay easy whatever the level: only beginner-tier movements.
    filters = replace(profile.filters, max_tier=1) if template.kind == "recovery" else profile.filters
    used: set[str] = set()
    chosen: list[tuple[Role, LibraryExercise]] = []
    for slot in slots:
        # The person's favourites only claim a slot's first choice, and once chosen they stay.
        prefer = profile.prefer if slot.offset == 0 else frozenset()
        ex = pick(slot.pattern, filters, offset=slot.offset, prefer=prefer, exclude=used)
        # Accessories rotate each block for a fresh stimulus; main lifts stay put so progress is measurable.
        rotates = slot.role in (A, C) or (slot.role is S and profile.goal is GoalCategory.hypertrophy)
        if rotates and block and not (ex and ex.name in prefer):
            ex = pick(slot.pattern, filters, offset=slot.offset + block, prefer=prefer, exclude=used)
        if ex is not None:
            used.add(ex.name)
            chosen.append((slot.role, ex))
    chosen.sort(key=lambda item: item[0])
    return tuple(chosen)


def _exercise(profile: Profile, role: Role, ex: LibraryExercise, plan: WeekPlan) -> Exercise:
    d = dose(profile, role, ex, plan)
    lead = {Role.main: "Main lift.", Role.explosive: "Explosive: full speed, full rest."}.get(role, "")
    text = " ".join(part for part in (lead, d.note, ex.cue, *profile_notes(profile, ex)) if part)
    return Exercise(name=ex.name, sets=min(d.sets, 12), reps=d.reps, intensity=d.intensity,
                    rest_seconds=d.rest, notes=_clip(text, 300))


def build_week(profile: Profile, plan: WeekPlan) -> TrainingWeek:
    templates, _ = SPLITS[profile.request.days_per_week]
    if len(templates) == 1:
        templates = (FULL_A if plan.number % 2 else FULL_B,)  # one day a week alternates A and B
    days = [build_day(profile, t, i + 1, plan) for i, t in enumerate(templates)]
    return TrainingWeek(week=plan.number, focus=_clip(week_focus(plan, profile.goal), 200),
                        deload=plan.kind is WeekKind.deload, days=days)


# ---------------------------------------------------------------- words


SUMMARY_WORDS = 60
SHORT_SPLITS = {1: "full body", 2: "full body", 3: "full body", 4: "upper and lower",
                5: "upper, lower, push, pull, legs", 6: "push, pull, legs twice",
                7: "push, pull, legs twice plus a recovery day"}
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven")
ORDINALS = {4: "fourth", 5: "fifth", 6: "sixth"}
METHOD = {
    GoalCategory.hypertrophy: "Most work sits between six and fifteen reps, taken close to failure.",
    GoalCategory.strength: "Heavy compound lifts for one to six reps with long rests, heavier each block.",
    GoalCategory.power: "Jumps, throws and fast lifts for a few reps with full rest, plus heavy lifting.",
}


# Gym shorthand a text-to-speech voice would mangle, spelled out before other symbols are dropped.
SPOKEN = ((r"\b1\s?RM\b", "one rep max"), (r"\bRPE\b", "effort"), (r"%", " percent"), (r"&", " and "),
          (r"#(?=\d)", "number "), (r"(?<=\d)\s?kgs?\b", " kilos"), (r"(?<=\d)\s?lbs?\b", " pounds"),
          (r"(?<=\d)/(?=\d)", " or "))


def speakable(text: str, max_words: int) -> str:
    """The person's words, with nothing a voice would stumble on."""
    for pattern, spoken in SPOKEN:
        text = re.sub(pattern, spoken, text, flags=re.IGNORECASE)
    words = re.sub(r"[^A-Za-z0-9' ]+", " ", text).split()
    return " ".join(words[:max_words])


def program_name(profile: Profile) -> str:
    base = f"{profile.request.duration_weeks}-Week {profile.goal.value.title()} Program"
    tags = [TAGS[k] for k in TAGS if k in profile.words][:2]
    return f"{base}: {' and '.join(tags)}" if tags else base


def summary(profile: Profile, plans: list[WeekPlan]) -> str:
    r = profile.request
    parts = [f"Your {r.duration_weeks} week {r.goal_category.value} program trains {NUMBER_WORDS[r.days_per_week]} "
             f"day{'s' if r.days_per_week > 1 else ''} a week, {SHORT_SPLITS[r.days_per_week]}.",
             METHOD[r.goal_category]]
    every = deload_every(r.duration_weeks, profile.level, r.goal_category)
    if every:
        parts.append(f"Every {ORDINALS[every]} week is a lighter deload.")
    if plans and plans[-1].kind is WeekKind.test:
        parts.append("The last week is a test week.")
    text = " ".join(parts)
    # The person's own words go last and only as far as the 60-word budget allows.
    room = SUMMARY_WORDS - len(text.split()) - 6
    goal_words = speakable(r.goal_raw, min(room, 15))
    if room >= 3 and goal_words:
        text += f" It is built around your goal: {goal_words}."
    return " ".join(text.split()[:SUMMARY_WORDS])


def description(profile: Profile, plans: list[WeekPlan]) -> str:
    r = profile.request
    article = "a" if profile.level == 0 else "an"
    plural = "s" if r.days_per_week > 1 else ""
    opening = "An" if r.duration_weeks in (8, 11, 18) else "A"
    lines = [f"{opening} {r.duration_weeks}-week {r.goal_category.value} program for {article} "
             f"{r.fitness_level.value} lifter, {r.days_per_week} day{plural} a week: "
             f"{SPLITS[r.days_per_week][1]}.", METHOD[r.goal_category]]
    deloads = sum(p.kind is WeekKind.deload for p in plans)
    if deloads:
        lines.append(f"Weeks run in blocks that build load, with {deloads} deload week"
                     f"{'s' if deloads > 1 else ''} to recover.")
    elif profile.level == 0:
        lines.append("As a beginner you progress linearly: add a little load or a rep each session.")
    if profile.heavy:
        lines.append("Jump and sprint work uses low-impact options with fewer landings.")
    if profile.tall:
        lines.append("At your height, bar choices and ranges of motion are set to keep long levers safe.")
    adapted = [TAGS[k].lower() for k in TAGS if k in profile.words]
    if adapted:
        lines.append(f"Adapted for: {', '.join(adapted)}.")
    if r.goal_raw.strip():
        lines.append(f'In your words: "{_clip(" ".join(r.goal_raw.split()), 300)}".')
    return _clip(" ".join(lines), 2000)


# ---------------------------------------------------------------- the engine


class BuiltinEngine:
    name = "builtin"

    def __init__(self, week_delay: float = 0.0) -> None:
        self._week_delay = week_delay

    async def generate(self, request: GenerateRequest, report: ProgressReporter) -> Generated:
        profile = read_profile(request)
        plans = plan_weeks(profile)
        n = len(plans)
        await report(5, "planning", f"Planning {n} weeks with {SPLITS[request.days_per_week][1]}")
        # Long programs report every few weeks: each report is a database event and a NOTIFY.
        step = -(-n // MAX_PROGRESS_REPORTS_FOR_WEEKS)
        weeks: list[TrainingWeek] = []
        try:  # a bug here must fail the job clearly, not store junk
            for plan in plans:
                weeks.append(build_week(profile, plan))
                done = plan.number
                if done % step == 0 or done == n:
                    await report(10 + round(85 * done / n), "drafting", f"Drafted week {done} of {n}")
                # Always yield, so a long program never holds the event loop for its whole build.
                await asyncio.sleep(self._week_delay if done < n else 0)
            program = ProgramContent(name=program_name(profile), description=description(profile, plans),
                                     summary=summary(profile, plans), weeks=weeks)
        except ValidationError as exc:
            raise EngineError(f"The built-in engine produced an invalid program: {exc}") from exc
        await report(98, "finalizing", "Program ready")
        return Generated(program=program, engine=self.name, model=None, usage={})
