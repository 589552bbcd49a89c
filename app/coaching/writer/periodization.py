"""The weeks laid out: blocks of load weeks with deloads, a taper before an event, and a test week,
each week with its phase and where it sits in its block."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from app.coaching.policy import YOUTH_AGE
from app.coaching.sport import taper_week
from app.coaching.words import (
    EventKind,
)
from app.coaching.writer.profile import Profile
from app.models import GoalCategory

# ---------------------------------------------------------------- weeks and blocks


class WeekKind(enum.Enum):
    load = "load"
    deload = "deload"
    taper = "taper"
    test = "test"


MAX_BLOCK_WEEKS = 4
PHASES = ("Accumulation", "Intensification", "Realization")
# A beginner hears what a block is for, not a coach's jargon (rule plain-names).
BEGINNER_PHASES = ("Foundation block {n} (learn the lifts)", "Build block {n} (add load)",
                   "Peak block {n} (your heaviest weeks)")


@dataclass(frozen=True, slots=True)
class WeekPlan:
    number: int
    kind: WeekKind
    block: int  # index of the loading block this week belongs to (or just finished)
    pos: int  # position among the block's loading weeks
    length: int  # loading weeks in the block
    phase: int = 0  # index into PHASES: the last block before a test or event is the heaviest
    wave: int = 0  # how many earlier blocks had this phase: each pass through it is a step heavier

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
    # The week the taper ends in: the event's, when its date is known (app/coaching/sport.py).
    event = taper_week(profile.request.profile, n, c.event is not None)
    every = deload_every(n, profile.level, profile.goal)
    # A test of maxima ends strength and power programs, never for someone who should start gently.
    # Nor for someone under 18: technique first, no maximal singles (the NSCA's youth position).
    youth = c.age is not None and c.age < YOUTH_AGE
    tests = (profile.goal is not GoalCategory.hypertrophy and not c.caution and not c.injuries and not youth
             and not profile.filters.spared
             and (event is not None or (profile.level > 0 and n >= 6)))
    kinds: list[WeekKind] = []
    for w in range(1, n + 1):
        if w == event:
            kinds.append(WeekKind.test if tests else WeekKind.taper)
        elif event is not None and w == event - 1:
            kinds.append(WeekKind.taper)
        elif event is None and tests and w == n:
            kinds.append(WeekKind.test)
        # Before an event the last loading block runs straight into the taper: no deload in it; after
        # a mid-program event a new block starts light, which is the rest a deload would give.
        elif every and w % every == 0 and not (event is not None and event - 2 <= w <= event + 1) and w < n:
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
    # Before a test or an event, phases count back from it, so the last block before it is the
    # heaviest (Realization) and comes right before the taper or test; otherwise, and after a
    # mid-program event, they start from the lightest.
    blocks = max((p.block for p in raw), default=0) + 1
    peak = next((p.block for p in reversed(raw) if p.kind in (WeekKind.test, WeekKind.taper)), None)
    if peak is None:
        phases = [b % len(PHASES) for b in range(blocks)]
    else:
        phases = [(2 - (peak - b)) % len(PHASES) if b <= peak else (b - peak - 1) % len(PHASES)
                  for b in range(blocks)]
        if peak > 0 and phases[0] == 2:
            phases[0] = 0  # the heaviest block never opens a program: build a base first
        elif peak == 0:
            phases[0] = 1  # one block before a test or event: heavy, but not the heaviest from week 1
    return with_phases(raw, phases)


def with_phases(plans: list[WeekPlan], phases: list[int]) -> list[WeekPlan]:
    """The weeks with their block's phase, and its wave: a phase met again (a long plan's second
    foundation block) is a step heavier, so no block repeats the percentages of one before it."""
    waves = [phases[:b].count(p) for b, p in enumerate(phases)]
    return [replace(p, phase=phases[p.block], wave=waves[p.block]) for p in plans]


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
    block = (BEGINNER_PHASES[plan.phase].format(n=plan.block + 1) if profile.level == 0
             else f"{PHASES[plan.phase]} block {plan.block + 1}")
    return f"{block}, week {plan.pos + 1} of {plan.length}: {target}."
