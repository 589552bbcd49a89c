"""Sessions: which exercises each day holds (from the split's templates, the person's emphasis and
what they may do), balanced so each muscle's weekly sets fall in its band, and the week built."""

from __future__ import annotations

import math
from dataclasses import replace

from app.coaching.catalogue import TEST_ORDER, LibraryExercise, contributions, of_pattern, trainable
from app.coaching.kinds import MAJOR_MUSCLES, Movement, Muscle, Pattern
from app.coaching.names import lookup
from app.coaching.policy import (
    INJURED_AREA_MAX_SETS,
    MAX_TESTS_PER_WEEK,
    MIN_SETS,
    POST_VIRAL_VOLUME_SHARE,
    SESSION_SETS,
    STRENGTH_PATTERNS,
    WEEKLY_SETS,
    YOUTH_SPORT_VOLUME_SHARE,
    band_floor,
    session_sets_in,
)
from app.coaching.safety import PINS_NOTE, needs_pins
from app.coaching.sport import lifts_owed
from app.coaching.warmup import warm_up_line
from app.coaching.words import (
    Emphasis,
    Injury,
)
from app.coaching.writer.balance import balance_work
from app.coaching.writer.dosing import dose
from app.coaching.writer.emphasis import shift, targets
from app.coaching.writer.fitting import MIN_EXERCISES, fit_week, minutes_of, one_lead_when_short
from app.coaching.writer.gentle import gentle_dose
from app.coaching.writer.periodization import WeekKind, WeekPlan, week_focus
from app.coaching.writer.profile import Profile
from app.coaching.writer.selection import SPARING, pick
from app.coaching.writer.splits import ONE_A, ONE_B, POWER_WORK, SPLITS, A, C, DayTemplate, Role, S, Slot
from app.coaching.writer.sport import sport_week
from app.coaching.writer.volume import PATTERNS_FOR, Band, Entry, balance, whole_sets
from app.coaching.writer.wording import clip
from app.models import Exercise, GoalCategory, TrainingDay, TrainingWeek

# ---------------------------------------------------------------- sessions

# Where an injury leaves slots nothing (a sore wrist and elbow: no pressing or pulling), at most this
# many fillers of each kind (trunk, carries, mobility, cardio) a day: a day of five trunk exercises
# is no coach's day.
MAX_SPARING_OF_A_KIND = 2


def session_size(profile: Profile, extra: int, minutes: int | None = None, leads: int = 0) -> int:
    if minutes is not None:  # a short session holds fewer exercises (about three sets each), explosive work beside
        # One session a week is the whole week: it keeps a fifth exercise, for the shoulders.
        least = MIN_EXERCISES + leads + (profile.request.days_per_week == 1)
        return min(session_size(profile, extra), max(least, session_sets_in(minutes, profile.goal.value) // 3))
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
    if lower and Emphasis.jump in emphasis and Pattern.jump not in explosive:
        explosive.insert(0, Pattern.jump)
    if lower and Emphasis.sprint in emphasis and letter != "A" and Pattern.sprint not in explosive:
        explosive.append(Pattern.sprint)
    inserts: list[tuple[int, Slot]] = []
    if Emphasis.arms in emphasis and upper:
        # One extra arm exercise per upper day, biceps and triceps in turn: arms grow from the rows
        # and presses too, and a week of double arm work would crowd out the rest.
        inserts.append((3, Slot(A, Pattern.biceps if index % 2 == 0 else Pattern.triceps, index)))
    if Emphasis.glutes in emphasis and lower:
        inserts.append((2, Slot(A, Pattern.glutes, index)))
    # A lift the person wants to improve appears on every day it fits, once: a second deadlift
    # variant on a day that already hinges is fatigue, not emphasis.
    present = {slot.pattern for slot in slots[:session_size(profile, 0)]}
    if Emphasis.bench in emphasis and kind in ("full", "upper", "push") and Pattern.h_push not in present:
        inserts.append((2, Slot(S, Pattern.h_push)))
    if Emphasis.squat in emphasis and lower and Pattern.squat not in present:
        inserts.append((1, Slot(S, Pattern.squat)))
    if Emphasis.deadlift in emphasis and lower and Pattern.hinge not in present:
        inserts.append((2, Slot(S, Pattern.hinge)))
    if Emphasis.sprint in emphasis and lower:
        inserts.append((3, Slot(A, Pattern.hamstrings, 2)))  # Nordic-style curls guard sprinting hamstrings
    if Injury.back in profile.constraints.injuries:
        inserts.append((2, Slot(C, Pattern.core)))  # a sore back gets core work it cannot skip
    for pos, slot in sorted(inserts, key=lambda item: -item[0]):
        slots.insert(pos, slot)
    # The day's position offsets explosive picks, so each session of the week throws or jumps differently.
    lead = [Slot(Role.explosive, p, index) for p in explosive]
    return lead[:1] + slots[:1] + lead[1:] + slots[1:], max(len(lead) - 1, 0) + len(inserts)


def profile_notes(profile: Profile, ex: LibraryExercise) -> list[str]:
    notes: list[str] = []
    injuries = profile.constraints.injuries
    if profile.tall and ex.pattern is Pattern.squat:
        notes.append("Tall lifter: a slightly wider stance or small plates under the heels keep you upright.")
    if profile.tall and ex.pattern is Pattern.hinge:
        notes.append("Tall lifter: pull from low blocks or use the trap bar if you cannot reach the start "
                     "with a neutral spine; own the range you use.")
    if Injury.knee in injuries and ex.pattern in (Pattern.squat, Pattern.lunge):
        notes.append("Stay pain-free: stop the set if knee pain goes above 3 out of 10.")
    if Injury.back in injuries and ex.pattern in (Pattern.squat, Pattern.hinge, Pattern.carry, Pattern.h_pull):
        notes.append("Brace first; stop if pain spreads into a leg.")
    if Injury.shoulder in injuries and ex.pattern in (Pattern.h_push, Pattern.v_pull, Pattern.h_pull):
        notes.append("Work in a pain-free range; stop if the shoulder pinches.")
    if profile.heavy and ex.pattern in (Pattern.jump, Pattern.sprint):
        notes.append("Low-impact choice to spare the joints.")
    return notes


def choose_exercises(profile: Profile, template: DayTemplate, number: int, block: int
                     ) -> tuple[tuple[Role, LibraryExercise], ...]:
    if template.kind == "recovery":
        slots = list(template.slots)
    else:
        slots, extra = one_lead_when_short(profile, *with_emphasis(template, profile, number - 1))
        leads = sum(1 for slot in slots if slot.role is Role.explosive)
        slots = slots[: session_size(profile, extra, minutes_of(profile), leads)]
        if profile.constraints.weight_loss and Movement.cardio not in profile.constraints.banned:
            slots.append(Slot(Role.recovery, Pattern.conditioning, number - 1))  # aerobic work every training day
    # Recovery days stay easy whatever the level: only beginner-tier movements.
    filters = replace(profile.filters, max_tier=1) if template.kind == "recovery" else profile.filters
    # Strength and power build each day on a lift that can be loaded heavily.
    heavy_main = profile.goal is not GoalCategory.hypertrophy
    used: set[str] = set()
    chosen: list[tuple[Role, LibraryExercise]] = []
    for n, slot in enumerate(slots):
        # The person's favourites only claim a slot's first choice, and once chosen they stay.
        prefer = profile.prefer if slot.offset == 0 else frozenset()
        flt = replace(filters, heavy_only=True) if heavy_main and slot.role is Role.main else filters
        offset = slot.offset
        if profile.always and profile.always & {e.name for e in of_pattern(slot.pattern) if flt.allows(e)} - used:
            prefer, offset = profile.always, 0
        ex = pick(slot.pattern, flt, offset=offset, prefer=prefer, exclude=used)
        # Accessories rotate each block for a fresh stimulus; main lifts stay put so progress is measurable.
        rotates = slot.role in (A, C) or (slot.role is S and profile.goal is GoalCategory.hypertrophy)
        if rotates and block and not (ex and ex.name in prefer):
            ex = pick(slot.pattern, flt, offset=slot.offset + block, prefer=prefer, exclude=used)
        if ex is not None and ex.pattern in SPARING and slot.pattern not in SPARING and (
                sum(1 for _, c in chosen if c.pattern is ex.pattern)
                + sum(1 for later in slots[n + 1:] if later.pattern is ex.pattern)) >= MAX_SPARING_OF_A_KIND:
            continue  # an injury left the slot nothing: a shorter day, not a fifth trunk exercise
        if ex is not None:
            used.add(ex.name)
            chosen.append((slot.role, ex))
    chosen.sort(key=lambda item: item[0])
    return tuple(chosen)


def _exercise(profile: Profile, role: Role, ex: LibraryExercise, plan: WeekPlan, test_ok: bool,
              delta: int, least: int = 0) -> Exercise | None:
    d = dose(profile, role, ex, plan, test_ok, delta)
    if d.sets < least:
        d = replace(d, sets=least)  # the only work of its muscle this week keeps two sets
    if d.sets <= 0:
        return None  # a lighter week leaves it out rather than give it one set
    lead = {Role.main: "Main lift.", Role.explosive: "Explosive: full speed, full rest."}.get(role, "")
    gentle = gentle_dose(ex, profile.filters.spared, later=plan.ramp >= 0.5)
    if gentle is not None:  # gentle work for an injured area: light, high reps, pain-free range (rule injury-area)
        reps, light, lead = gentle
        d = replace(d, sets=min(d.sets, INJURED_AREA_MAX_SETS), reps=reps,
                    intensity=d.intensity if plan.kind is WeekKind.deload else light)
    out = Exercise(name=ex.name, sets=min(d.sets, 12), reps=d.reps, intensity=d.intensity, rest_seconds=d.rest,
                   notes="")
    pins = PINS_NOTE if needs_pins(out, ex) else ""  # right after the lead: never clipped away
    out.notes = clip(" ".join(part for part in (lead, pins, d.note, ex.cue, *profile_notes(profile, ex)) if part), 300)
    return out


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
    # Every goal keeps each major muscle inside its level's band (rules weekly-volume and muscle-band).
    minutes = minutes_of(profile)
    floor = band_floor(level, days, minutes, profile.goal)
    high = WEEKLY_SETS[level][1]
    if profile.paced:  # post-viral fatigue: a third less, the floor too
        high, floor = math.floor(high * POST_VIRAL_VOLUME_SHARE), max(1, math.floor(floor * POST_VIRAL_VOLUME_SHARE))
    if profile.youth_sport:  # under 18 beside a sport: a quarter below the level's most
        high = min(high, math.floor(high * YOUTH_SPORT_VOLUME_SHARE))
    cap = SESSION_SETS[level]
    if minutes is not None:  # a short session holds fewer sets
        cap = min(cap, session_sets_in(minutes, profile.goal.value))
    # Around an injury a muscle is owed its floor only if work for it leaves the injured areas alone
    # (the rules' count, catalogue.trainable): light work for a sore shoulder is not the chest's dose.
    f = profile.filters
    owed = frozenset(m for m in MAJOR_MUSCLES if trainable(m, f.equipment, f.banned, f.spared)) if f.spared else None
    return Band(floor, high, cap, 4 if profile.level == 0 else 6, lean=profile.paced, owed=owed)


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
                     delta=int(keep), keep=keep,
                     most=INJURED_AREA_MAX_SETS if ex.stresses & profile.filters.spared else None)

    entries = [entry(i, role, ex) for i, t in enumerate(templates)
               for role, ex in chosen_for(profile, t, i + 1, block)]

    def make(day: int, muscle: Muscle, used: frozenset[str]) -> Entry | None:
        if templates[day].kind == "recovery":
            return None
        for pattern in PATTERNS_FOR[muscle]:
            ex = pick(pattern, profile.filters, exclude=used)
            if ex is not None and contributions(ex) and contributions(ex)[0][0] is muscle:
                return entry(day, Role.accessory, ex)
            if ex is not None and muscle is Muscle.core:
                return entry(day, Role.core, ex)  # trunk work counts no hard sets: asked for, it is added
        return None

    band = band_for(profile)
    balance(entries, band, len(templates), make)
    if profile.muscles_named:
        shift(entries, targets(profile, band), band, len(templates), make)
    whole_sets(entries, band)
    days: list[Chosen] = []
    for i in range(len(templates)):
        mine = sorted((e for e in entries if e.day == i and e.sets(False) > 0), key=lambda e: e.role)
        days.append(tuple((e.role, e.ex, e.delta) for e in mine))
    profile.balanced[key] = days
    return days


def _day_name(profile: Profile, name: str, chosen: Chosen) -> str:
    """The template's name, unless an injury changed what the day is: no squat, hinge, lunge, press or
    pull left (a sore shoulder's upper days: core, carries and arm work), or only light ones around
    the injured area (a sore wrist's band presses and rows). Then the name says so, not "bench and row"."""
    spared = profile.filters.spared
    lifts = [ex for _, ex, _ in chosen if ex.pattern in STRENGTH_PATTERNS]
    if not spared or any(not ex.stresses & spared for ex in lifts):
        return name
    what = "light work around the injury" if lifts else "accessories and core, sparing the injury"
    return f"{name.split(':')[0]}: {what}"


def build_week(profile: Profile, plan: WeekPlan) -> TrainingWeek:
    templates, _ = SPLITS[profile.request.days_per_week]
    if len(templates) == 1:
        templates = (ONE_A if plan.number % 2 else ONE_B,)  # one day a week alternates A and B
    balanced = balanced_week(profile, templates, plan.block)
    # At most three maximal singles a week, on the lifts that matter most: a meet's three first.
    mains = {ex.name for chosen in balanced for role, ex, _ in chosen if role is Role.main and ex.testable}
    if lifts_owed(profile.request.profile, profile.filters.spared):
        mains = set()  # a weightlifter's test week tests the snatch and the clean and jerk (writer/sport.py)
    testing = set(sorted(mains, key=lambda n: (TEST_ORDER.index(n) if n in TEST_ORDER else 99, n))
                  [:MAX_TESTS_PER_WEEK])
    tested: set[str] = set()
    days: list[TrainingDay] = []
    roles: list[list[Role]] = []
    dropped: list[tuple[int, Role, LibraryExercise, int]] = []
    for i, (template, chosen) in enumerate(zip(templates, balanced, strict=True)):
        number = i + 1
        exercises, kept = [], []
        for role, ex, delta in chosen:
            test_ok = role is Role.main and ex.name in testing and ex.name not in tested
            exercise = _exercise(profile, role, ex, plan, test_ok, delta)
            if exercise is None:
                dropped.append((i, role, ex, delta))  # a lighter week leaves it out rather than give it one set
                continue
            if exercise.reps == 1 and "single" in exercise.intensity:
                tested.add(ex.name)
            exercises.append(exercise)
            kept.append(role)
        days.append(TrainingDay(day=number, name=_day_name(profile, template.name, chosen), exercises=exercises))
        roles.append(kept)
    _keep_every_muscle(profile, plan, days, roles, dropped)
    balance_work(profile, days, roles)
    sport_week(profile, plan, templates, days, roles)
    # The profile's equipment list and minutes (nothing without a profile).
    fit_week(profile, days, roles, plan.kind is WeekKind.deload)
    for day, template in zip(days, templates, strict=True):
        first = day.exercises[0]
        day.warm_up = warm_up_line(first.name, lookup(first.name), easy=template.kind == "recovery")
    return TrainingWeek(week=plan.number, focus=clip(week_focus(plan, profile), 200),
                        deload=plan.kind is WeekKind.deload, days=days)


def _keep_every_muscle(profile: Profile, plan: WeekPlan, days: list[TrainingDay], roles: list[list[Role]],
                       dropped: list[tuple[int, Role, LibraryExercise, int]]) -> None:
    """A test or taper week that left out an exercise (rather than give it one set) keeps two sets of
    it where nothing else that week trains its prime mover: every muscle is trained every week. A
    deload may leave it out (it is the week off)."""
    if plan.kind is WeekKind.deload:
        return
    trained = {m for d in days for e in d.exercises if (entry := lookup(e.name)) is not None for m in entry.muscles}
    for i, role, ex, delta in dropped:
        c = contributions(ex)
        if not c or c[0][0] in trained:
            continue
        exercise = _exercise(profile, role, ex, plan, False, delta, least=MIN_SETS)
        if exercise is not None:
            days[i].exercises.append(exercise)
            roles[i].append(role)
            trained |= set(ex.muscles)
