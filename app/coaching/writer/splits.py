"""Sessions and splits for the built-in engine: which patterns each day trains, in what order.

A day is a priority-ordered list of slots (role, pattern); lower levels keep only the first few.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NamedTuple

from app.coaching.kinds import Pattern

P = Pattern


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


FULL_A = _day("Full Body A: squat focus", "full", (M, P.squat), (S, P.h_push, 2), (S, P.h_pull),
              (S, P.hinge, 1), (C, P.core), (A, P.lunge), (A, P.delts), (A, P.triceps), (C, P.carry))
FULL_B = _day("Full Body B: hinge focus", "full", (M, P.hinge), (S, P.v_push), (S, P.v_pull),
              (S, P.squat, 1), (C, P.core, 1), (A, P.lunge, 1), (A, P.biceps), (A, P.hamstrings),
              (C, P.carry))
FULL_C = _day("Full Body C: press focus", "full", (M, P.h_push), (S, P.lunge), (S, P.h_pull, 1),
              (S, P.hinge, 2), (C, P.core, 2), (A, P.glutes), (A, P.v_pull, 1), (A, P.delts, 1),
              (C, P.carry, 1))
# One session a week must train every major muscle on its own, in both of its versions.
ONE_A = _day("Full Body A: squat focus", "full", (M, P.squat), (S, P.h_push), (S, P.h_pull), (S, P.hinge, 1),
             (A, P.delts), (A, P.hamstrings), (C, P.core), (A, P.lunge), (A, P.triceps))
ONE_B = _day("Full Body B: hinge focus", "full", (M, P.hinge), (S, P.h_push, 2), (S, P.v_pull), (S, P.squat, 1),
             (A, P.delts, 1), (A, P.hamstrings, 1), (C, P.core, 1), (A, P.lunge, 1), (A, P.biceps))
UPPER_A = _day("Upper A: bench and row", "upper", (M, P.h_push), (S, P.h_pull), (S, P.v_push, 1),
               (S, P.v_pull), (A, P.triceps), (A, P.biceps), (A, P.delts), (C, P.core))
LOWER_A = _day("Lower A: squat focus", "lower", (M, P.squat), (S, P.hinge, 1), (A, P.lunge),
               (A, P.hamstrings), (C, P.core), (A, P.calves), (C, P.carry))
UPPER_B = _day("Upper B: press and pull-up", "upper", (M, P.v_push), (S, P.v_pull, 1), (S, P.h_push, 1),
               (S, P.h_pull, 1), (A, P.delts, 1), (A, P.biceps, 1), (A, P.triceps, 1), (C, P.core, 1))
LOWER_B = _day("Lower B: hinge focus", "lower", (M, P.hinge), (S, P.squat, 1), (A, P.lunge, 1),
               (A, P.glutes), (C, P.core, 1), (A, P.calves, 1), (C, P.carry))
# Seven days already pull from the floor on Pull A: Lower B hinges with a different lift.
LOWER_B7 = _day("Lower B: hinge focus", "lower", (M, P.hinge, 1), (S, P.squat, 1), (A, P.lunge, 1),
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
RECOVERY = _day("Active Recovery A: mobility and easy conditioning", "recovery",
                (Role.recovery, P.mobility), (Role.recovery, P.mobility, 1), (Role.recovery, P.conditioning),
                (Role.recovery, P.mobility, 2), (Role.recovery, P.core, 2))
RECOVERY_B = _day("Active Recovery B: easy aerobic work and mobility", "recovery",
                  (Role.recovery, P.conditioning, 1), (Role.recovery, P.mobility, 3), (Role.recovery, P.mobility, 4),
                  (Role.recovery, P.core, 3))

SPLITS: dict[int, tuple[tuple[DayTemplate, ...], str]] = {
    1: ((ONE_A,), "one full body session, alternating two versions week to week"),
    2: ((FULL_A, FULL_B), "two full body sessions"),
    3: ((FULL_A, FULL_B, FULL_C), "three full body sessions"),
    4: ((UPPER_A, LOWER_A, UPPER_B, LOWER_B), "an upper and lower split"),
    5: ((UPPER_A, LOWER_A, PUSH_B, PULL_A, LEGS_B), "upper and lower days plus push, pull and legs"),
    6: ((PUSH_A, PULL_A, LEGS_A, PUSH_B, PULL_B, LEGS_B), "push, pull and legs, twice through"),
    # Training every day, two of the days are easy: at most three hard days ever follow each
    # other, counting on into the next week (Saturday, Sunday off-hard, then Monday to Wednesday).
    7: ((PUSH_A, PULL_A, LEGS_A, RECOVERY, UPPER_B, LOWER_B7, RECOVERY_B),
        "push, pull and legs, then upper and lower, with two active recovery days"),
}

# Power sessions open with explosive work matched to the day: legs jump and lift fast, upper days throw.
POWER_WORK: dict[str, tuple[Pattern, ...]] = {
    "Full Body A": (P.jump, P.throw), "Full Body B": (P.olympic, P.jump),
    "Full Body C": (P.sprint, P.throw), "Upper A": (P.throw,), "Upper B": (P.throw,),
    "Lower A": (P.olympic, P.jump), "Lower B": (P.jump, P.sprint),
    "Push A": (P.throw,), "Push B": (P.throw, P.olympic), "Pull A": (P.olympic,), "Pull B": (P.throw,),
    "Legs A": (P.jump, P.olympic), "Legs B": (P.jump, P.sprint),
}
