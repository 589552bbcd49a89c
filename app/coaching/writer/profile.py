"""The person as the writer sees them: goal, level, body size, what their words set, and the
exercises they may be given (filters) or would rather have (preferences)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.coaching import health
from app.coaching.catalogue import LibraryExercise, tagged
from app.coaching.emphasis import de_emphasised, emphasised
from app.coaching.kinds import Movement, Pattern
from app.coaching.policy import (
    GENTLE_MAX_RPE,
    HEAVY_PULL_KG,
    INJURY_MAX_RPE,
    OLDER_ADULT_AGE,
    POST_VIRAL_MAX_DAYS,
    YOUTH_AGE,
    YOUTH_SPORT_MAX_DAYS,
)
from app.coaching.sport import NO_LANDINGS
from app.coaching.words import (
    Constraints,
    Emphasis,
    read_constraints,
)
from app.coaching.writer.selection import Filters
from app.coaching.writer.splits import Role
from app.models import FitnessLevel, GenerateRequest, GoalCategory

if TYPE_CHECKING:  # a week's plan needs the profile to be made; the profile only reads its number
    from app.coaching.writer.periodization import WeekPlan

P = Pattern
LEVEL_INDEX = {FitnessLevel.beginner: 0, FitnessLevel.intermediate: 1, FitnessLevel.advanced: 2}


@dataclass(frozen=True, slots=True)
class Profile:
    request: GenerateRequest
    constraints: Constraints
    level: int  # 0 beginner, 1 intermediate, 2 advanced
    heavy: bool  # over ~110 kg or BMI over 32: fewer, lower-impact landings
    tall: bool  # over 190 cm: longer levers, notes on range of motion and bar choice
    filters: Filters
    prefer: frozenset[str]
    conditions: frozenset[str] = frozenset()  # the profile's condition kinds (app/coaching/health.py)
    # Chosen first in every slot of their pattern, whatever the slot's offset: from 65, a push-up from
    # a bench and a band press rather than the floor or upside down.
    always: frozenset[str] = frozenset()
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
        """What the words ask to improve; when the profile names muscle groups, they (not the words'
        arms or glutes) set the muscles' sets (writer/emphasis.py), and the lifts and sport stay."""
        found = frozenset(self.constraints.emphasis)
        return found - {Emphasis.arms, Emphasis.glutes} if self.muscles_named else found

    @property
    def muscles_named(self) -> bool:
        return bool(emphasised(self.request.profile) or de_emphasised(self.request.profile))

    def cap(self, plan: WeekPlan) -> float | None:
        """The highest RPE this week may hold, or None for no ceiling beyond the goal's own."""
        if plan.number <= self.constraints.gentle_weeks:
            return GENTLE_MAX_RPE
        cap = self.constraints.max_rpe
        if self.filters.spared and (cap is None or cap > INJURY_MAX_RPE):
            return INJURY_MAX_RPE  # an injury anywhere: never all-out
        return cap

    @property
    def paced(self) -> bool:
        """Post-viral fatigue: less work, fewer sessions, symptom-led progression."""
        return "post_viral_fatigue" in self.conditions

    @property
    def youth_sport(self) -> bool:
        """Under 18 with a sport: lifting leaves room for it (NSCA youth position)."""
        return youth_sport(self.request, self.constraints)

    @property
    def no_low_reps(self) -> bool:
        """High blood pressure: no heavy singles, every loaded set six reps or more."""
        return "hypertension" in self.conditions


def youth_sport(request: GenerateRequest, c: Constraints) -> bool:
    return c.age is not None and c.age < YOUTH_AGE and request.profile is not None and request.profile.sport is not None


def read_profile(request: GenerateRequest, constraints: Constraints | None = None) -> Profile:
    c = read_constraints(request) if constraints is None else constraints
    conditions = health.condition_kinds(request.profile)
    if "post_viral_fatigue" in conditions and request.days_per_week > POST_VIRAL_MAX_DAYS:
        request = request.model_copy(update={"days_per_week": POST_VIRAL_MAX_DAYS})  # rest days are part of it
    if youth_sport(request, c) and request.days_per_week > YOUTH_SPORT_MAX_DAYS:
        request = request.model_copy(update={"days_per_week": YOUTH_SPORT_MAX_DAYS})  # the sport has the other days
    bmi = request.weight_kg / (request.height_cm / 100) ** 2
    heavy = request.weight_kg > 110 or bmi > 32
    level = LEVEL_INDEX[request.fitness_level]
    banned = set(c.banned)
    if heavy:
        banned.add(Movement.impact)  # a heavier body absorbs every landing: keep them low
    if "osteoporosis" in conditions:
        banned |= {Movement.spinal_flexion, Movement.high_impact}
    if conditions & NO_LANDINGS:
        banned |= {Movement.impact, Movement.jump}  # a jump is a landing, whatever box it lands on
    if level == 0 and request.weight_kg >= HEAVY_PULL_KG:
        banned.add(Movement.pull_up)  # even band-assisted, a pull-up lifts most of a heavy body: pull a cable
    if level == 0 or (c.age is not None and c.age >= OLDER_ADULT_AGE):
        # Beginners learn to land before they bound or depth-jump; from 65, nothing lands from a height.
        banned.add(Movement.high_impact)
    # Someone who should check with a doctor first gets the simplest, most supported variations.
    tier = 1 if c.caution else level + 1
    filters = Filters(tier, frozenset(c.equipment), frozenset(banned), spared=health.spared(request.profile))
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
    always = tagged("for_older_adults") if c.age is not None and c.age >= OLDER_ADULT_AGE else frozenset()
    return Profile(request, c, level, heavy, request.height_cm > 190, filters, frozenset(prefer), conditions,
                   always=always)
