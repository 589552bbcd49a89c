"""The plan: the small first answer of a stepwise generation (DESIGN §5b), and what code checks
in it before any block is written.

A plan names the program, says it in a sentence a voice can speak, splits the training week,
lays the weeks out in blocks (which weeks, their focus, where deloads fall) and states what the
person's own words change, as structured constraints. Its size does not grow with the days or
the exercises, so it arrives in a few seconds whatever the program's length.
"""

from __future__ import annotations

import itertools
import re

import jiter
from pydantic import BaseModel, Field, ValidationError

from app.coaching.profile import Area, Condition, ConditionKind, Injury, Profile, Side, Status
from app.events import PlanBlockData, PlanDayData, PlanStep
from app.models import FitnessLevel, GenerateRequest, TrainingWeek

MAX_BLOCK_WEEKS = 6
MAX_BLOCKS = 26
DELOAD_FROM_WEEKS = 6
SUMMARY_WORDS = 60
MARKUP = re.compile(r"[*#_`\[\]|<>]|^\s*[-•]\s", re.MULTILINE)


class PlanDay(BaseModel):
    day: int = Field(ge=1, le=7)
    name: str = Field(min_length=1, max_length=120, description="What the day trains, e.g. 'Upper A' or 'Legs'.")


class PlanBlock(BaseModel):
    weeks: str = Field(pattern=r"^\d{1,2}(-\d{1,2})?$", description='The block\'s weeks, e.g. "1-4" (or "5" alone).')
    focus: str = Field(max_length=120, description="What the block is for, e.g. 'Accumulation: volume at RPE 7'.")

    @property
    def first_week(self) -> int:
        return int(self.weeks.split("-")[0])

    @property
    def last_week(self) -> int:
        return int(self.weeks.split("-")[-1])

    @property
    def length(self) -> int:
        return self.last_week - self.first_week + 1

    @property
    def span(self) -> str:
        return f"week {self.first_week}" if self.length == 1 else f"weeks {self.first_week}-{self.last_week}"


class HeardInjury(BaseModel):
    area: Area
    side: Side | None
    status: Status = Field(description="current (hurts now), recovering (healing, in rehab) or past (healed).")
    words: str = Field(max_length=200, description="The person's words it came from.")


class HeardCondition(BaseModel):
    kind: ConditionKind
    words: str = Field(max_length=200, description="The person's words it came from.")


class Heard(BaseModel):
    """What the model read in the person's words, in the profile's terms (app/coaching/profile.py):
    a second reading beside the offline reader's, merged with it on the cautious side
    (reader.merge_heard). No bounds in the schema: a value out of the profile's range is dropped
    here rather than failing the plan."""

    injuries: list[HeardInjury] = Field(max_length=10)
    conditions: list[HeardCondition] = Field(max_length=10)
    age: int | None = Field(description="Their age, if their words say it.")
    minutes_per_session: int | None = Field(description="Minutes a session, if their words say it.")

    def profile(self) -> Profile:
        def fits(value: int | None, low: int, high: int) -> int | None:
            return value if value is not None and low <= value <= high else None

        def words(text: str) -> str | None:
            return " ".join(text.replace("\x00", " ").split())[:200] or None

        return Profile(
            injuries=[Injury(area=i.area, side=i.side, status=i.status, words=words(i.words)) for i in self.injuries],
            conditions=[Condition(kind=c.kind, words=words(c.words)) for c in self.conditions],
            age=fits(self.age, 10, 100), minutes_per_session=fits(self.minutes_per_session, 10, 240))


NOTHING_HEARD: dict[str, object] = {"injuries": [], "conditions": [], "age": None, "minutes_per_session": None}


def nothing_heard() -> Heard:
    return Heard.model_validate(NOTHING_HEARD)


class HeardProgram(BaseModel):
    """The one-call strategy's answer: what the model heard, first, then the program (ProgramContent's
    fields; app.models), which is read from the same text without it."""

    heard: Heard = Field(default_factory=nothing_heard,
                         description="What the person's own words say, in the profile's terms.")
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(max_length=2000)
    summary: str = Field(max_length=600, description="Speakable, at most 60 words.")
    weeks: list[TrainingWeek] = Field(min_length=1, max_length=52)


class Constraints(BaseModel):
    """What the person's own words change, read once in the plan and honoured by every block."""

    avoid: list[str] = Field(max_length=20, description="Movements or exercises their words rule out.")
    equipment: list[str] = Field(max_length=20, description="The only equipment they have; empty: a full gym.")
    cautions: list[str] = Field(max_length=10, description="Injuries, conditions or life stages that cap effort.")
    event: str = Field(max_length=200, description="What the program peaks for (a meet, a season); empty if none.")


class Plan(BaseModel):
    """The fields in the order the model writes them: what the person hears first comes first,
    and the description last, so the blocks can start while it is still being written."""

    # First, so everything after it is written for what it heard; a plan stored before it existed
    # reads as having heard nothing.
    heard: Heard = Field(default_factory=nothing_heard,
                         description="What the person's own words say, in the profile's terms.")
    name: str = Field(min_length=1, max_length=120)
    summary: str = Field(max_length=600, description="Speakable, at most 60 words.")
    blocks: list[PlanBlock] = Field(min_length=1, max_length=MAX_BLOCKS)
    deload_weeks: list[int] = Field(max_length=26, description="Program week numbers of the deload weeks.")
    split: list[PlanDay] = Field(min_length=1, max_length=7)
    constraints: Constraints
    description: str = Field(max_length=2000)

    def block_of_week(self, week: int) -> int | None:
        return next((i for i, b in enumerate(self.blocks) if b.first_week <= week <= b.last_week), None)

    def deloads_in(self, index: int) -> list[int]:
        block = self.blocks[index]
        return sorted(w for w in set(self.deload_weeks) if block.first_week <= w <= block.last_week)

    def public(self) -> PlanStep:
        """What the `plan` event shows: no constraints, indexed blocks; the description may still be
        being written when the event goes out (the status response has it once it is)."""
        return PlanStep(name=self.name, summary=self.summary,
                        split=[PlanDayData(day=d.day, name=d.name) for d in self.split],
                        blocks=[PlanBlockData(index=i, weeks=[b.first_week, b.last_week], focus=b.focus,
                                              deload_weeks=self.deloads_in(i)) for i, b in enumerate(self.blocks)])


class HeadWatcher:
    """Watches a streaming plan for the moment everything but its description is written: the
    description is the last field, so its key starting means the rest is complete. Parsing the
    partial JSON only then (once) keeps this linear in the answer's length."""

    KEY = '"description"'

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._tail = ""
        self.head: Plan | None = None

    def feed(self, delta: str) -> Plan | None:
        """The plan without its description, the first time it is complete; else None."""
        if self.head is not None:
            return None
        self._parts.append(delta)
        window = self._tail + delta
        self._tail = window[-(len(self.KEY) - 1):]
        if self.KEY not in window:  # a key, never string content: quotes in strings are escaped
            return None
        try:
            partial = jiter.from_json("".join(self._parts).encode(), partial_mode="trailing-strings")
        except ValueError:
            return None
        if not isinstance(partial, dict):
            return None
        try:
            self.head = Plan.model_validate({**partial, "description": ""})
        except ValidationError:
            return None
        return self.head


def parse_plan(text: str) -> tuple[Plan | None, list[str]]:
    try:
        return Plan.model_validate_json(text), []
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if any(e["type"] == "json_invalid" for e in errors):
            return None, [f"the plan is not valid JSON ({errors[0]['msg']})"]
        return None, [f"plan.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors]


def plan_problems(plan: Plan, request: GenerateRequest) -> list[str]:
    """The plan's structure against the request. Every block is written from it, so it must be
    right before any block is asked for."""
    problems: list[str] = []
    days, weeks = request.days_per_week, request.duration_weeks
    numbers = [d.day for d in plan.split]
    if numbers != list(range(1, days + 1)):
        problems.append(f"the split must list training days 1 to {days} in order, got {numbers}")
    expected = 1
    for i, block in enumerate(plan.blocks):
        where = f"block {i + 1} ({block.span})"
        if block.first_week != expected:
            problems.append(f"{where} must start at week {expected}: blocks cover weeks 1 to {weeks} "
                            "in order, without gaps or overlaps")
        if block.last_week < block.first_week:
            problems.append(f"{where} ends before it starts")
        elif block.length > MAX_BLOCK_WEEKS:
            problems.append(f"{where} is {block.length} weeks long; a block is at most {MAX_BLOCK_WEEKS} weeks")
        expected = block.last_week + 1
    outside = sorted(w for w in set(plan.deload_weeks) if not 1 <= w <= weeks)
    if outside:
        problems.append(f"deload weeks {outside} are outside the program's weeks 1 to {weeks}")
    if plan.blocks and plan.blocks[-1].last_week != weeks:
        problems.append(f"the blocks end at week {plan.blocks[-1].last_week}; the program has {weeks} weeks")
    problems += _deload_problems(plan, request)
    words = len(plan.summary.split())
    if words > SUMMARY_WORDS:
        problems.append(f"the summary has {words} words; it is spoken, so at most {SUMMARY_WORDS}")
    if MARKUP.search(plan.summary):
        problems.append("the summary is spoken: plain sentences, no lists or markup")
    return problems


def _deload_problems(plan: Plan, request: GenerateRequest) -> list[str]:
    weeks = request.duration_weeks
    deloads = sorted(set(plan.deload_weeks))
    problems: list[str] = []
    if weeks < DELOAD_FROM_WEEKS and deloads:
        problems.append(f"a {weeks}-week program is too short for a deload week")
    if 1 in deloads:
        problems.append("week 1 cannot be a deload week")
    if any(b - a == 1 for a, b in itertools.pairwise(deloads)):
        problems.append(f"deload weeks {deloads} include two in a row")
    if weeks >= DELOAD_FROM_WEEKS and request.fitness_level is not FitnessLevel.beginner and not deloads:
        problems.append(f"a {weeks}-week program for an {request.fitness_level.value} lifter needs at least "
                        "one deload week")
    if len(deloads) > max(1, weeks // 3):
        problems.append(f"too many deload weeks ({len(deloads)} of {weeks})")
    return problems
