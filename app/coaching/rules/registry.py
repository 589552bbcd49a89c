"""The validator's registry: one function per rule, each with a stable id, as Django's system checks.

A rule is a function of one `Subject` (the program, the request and what the person's words set,
and the program walked once) that returns the violations of its rule. `@rule(Rule.x)` registers
it; `validate` runs every registered rule in order; `check` runs one alone, which is how each rule
is tested. The messages go back to the model in a repair turn and, if that fails too, to the user,
so each says where, what and why.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app.coaching.kinds import BodyArea
from app.coaching.policy import YOUTH_AGE
from app.coaching.rules.walk import Walk
from app.coaching.words import Constraints
from app.models import GenerateRequest, ProgramContent


class Rule(enum.StrEnum):
    """The rules' stable ids, in the order violations are listed."""

    shape = "shape"
    dose = "dose"
    effort_scale = "effort-scale"
    unknown_exercise = "unknown-exercise"
    percent_1rm = "percent-1rm"
    load_type = "load-type"
    max_test = "max-test"
    banned_movement = "banned-movement"
    equipment = "equipment"
    equipment_list = "equipment-list"
    effort_cap = "effort-cap"
    gentle_start = "gentle-start"
    youth = "youth"
    older_adult = "older-adult"
    injury_area = "injury-area"
    post_viral = "post-viral"
    blood_pressure = "blood-pressure"
    condition_movements = "condition-movements"
    sport_work = "sport-work"
    weightlifting = "weightlifting"
    safety_pins = "safety-pins"
    warm_up = "warm-up"
    plain_names = "plain-names"
    single_set = "single-set"
    bodyweight_fit = "bodyweight-fit"
    low_reps = "low-reps"
    session_volume = "session-volume"
    session_length = "session-length"
    weekly_volume = "weekly-volume"
    muscle_band = "muscle-band"
    muscle_coverage = "muscle-coverage"
    emphasis = "emphasis"
    recovery = "recovery"
    strength_fit = "strength-fit"
    power_fit = "power-fit"
    hypertrophy_fit = "hypertrophy-fit"
    landings = "landings"
    deload = "deload"
    identical_weeks = "identical-weeks"
    moving_percentages = "moving-percentages"
    taper = "taper"
    aerobic = "aerobic"
    summary_length = "summary-length"
    summary_markup = "summary-markup"
    verbatim = "verbatim"
    rpe_explained = "rpe-explained"
    doctor_first = "doctor-first"
    claims = "claims"
    injury_words = "injury-words"
    clinician = "clinician"
    condition_words = "condition-words"


# The rules about the program's words (name, description, summary), not its weeks: in the
# stepwise engine those words come from the plan, so no block's repair can fix them.
WORDS_RULES = frozenset({Rule.summary_length, Rule.summary_markup, Rule.verbatim, Rule.rpe_explained,
                         Rule.doctor_first, Rule.claims, Rule.injury_words, Rule.clinician, Rule.condition_words,
                         Rule.plain_names})


@dataclass(frozen=True, slots=True)
class Violation:
    rule: Rule
    message: str

    def __str__(self) -> str:
        return f"{self.message} [rule: {self.rule}]"


@dataclass(frozen=True, slots=True)
class Subject:
    """What every rule looks at: the program, for this request and person."""

    program: ProgramContent
    request: GenerateRequest
    constraints: Constraints
    walk: Walk

    @property
    def spared(self) -> frozenset[BodyArea]:
        """The body areas a current or recovering injury in the profile spares (issue 25)."""
        p = self.request.profile
        return frozenset(BodyArea(i.area) for i in p.injuries if i.status != "past") if p else frozenset()

    @property
    def conditions(self) -> frozenset[str]:
        p = self.request.profile
        return frozenset(c.kind for c in p.conditions) if p else frozenset()


def youth_sport(s: Subject) -> bool:
    """Under 18 with a sport in the profile: lifting leaves room for the sport (rule youth)."""
    p, age = s.request.profile, s.constraints.age
    return p is not None and p.sport is not None and age is not None and age < YOUTH_AGE


Check = Callable[[Subject], Iterable[str]]
REGISTRY: dict[Rule, Check] = {}


def rule(rule_id: Rule) -> Callable[[Check], Check]:
    """Register a function as the check of one rule: it yields that rule's messages."""

    def register(check: Check) -> Check:
        if rule_id in REGISTRY:
            raise ValueError(f"rule {rule_id} is registered twice")
        REGISTRY[rule_id] = check
        return check

    return register


def check(rule_id: Rule, subject: Subject) -> list[Violation]:
    """One rule alone."""
    return [Violation(rule_id, message) for message in REGISTRY[rule_id](subject)]


def run_all(subject: Subject) -> list[Violation]:
    """Every registered rule, in the order `Rule` lists them (so violations read in a stable order)."""
    return [v for rule_id in Rule if rule_id in REGISTRY for v in check(rule_id, subject)]
