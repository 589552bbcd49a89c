"""A block: one call's answer for a run of weeks, and its expansion into full weeks.

A block lists each training day's exercises once, with a prescription per week of the block
("4x6-8 @ RPE 8", then "4x6-8 @ RPE 8.5"...): how coaches write a block, and a fraction of the
tokens of spelling out every week. Code expands it into the weeks -> days -> exercises that
`GET /api/programs/{id}` returns, so nothing changes for API clients.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from app.coaching.policy import UNSTATED_EFFORT
from app.coaching.prescription import read_row
from app.coaching.repairs import Fix
from app.models import WARMUP_CHARS, WARMUP_DESCRIPTION, ProgramContent
from jobs.engines.llm.plan import Plan, PlanBlock

REPS = re.compile(r"^\d{1,3}(-\d{1,3})?( ?(s|m|sec|yd|per side))?$")


class BlockExercise(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    rest_seconds: int = Field(ge=0, le=600)
    notes: str = Field(max_length=300)
    weeks: list[str] = Field(min_length=1, max_length=6, description=(
        'One prescription per week of the block, in order: "<sets>x<reps> @ <intensity>", '
        'e.g. "4x6-8 @ RPE 8", "5x3 @ 82.5% 1RM", "3x30s @ Controlled".'))


class BlockDay(BaseModel):
    """A training day of the plan's split (which names it), with its exercises."""

    day: int = Field(ge=1, le=7)
    warm_up: str = Field(default="", max_length=WARMUP_CHARS, description=WARMUP_DESCRIPTION)
    exercises: list[BlockExercise] = Field(min_length=1, max_length=15)


class Block(BaseModel):
    days: list[BlockDay] = Field(min_length=1, max_length=7)


def parse_block(text: str) -> tuple[Block | None, list[str]]:
    try:
        return Block.model_validate_json(text), []
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if any(e["type"] == "json_invalid" for e in errors):
            return None, [f"the block is not valid JSON ({errors[0]['msg']})"]
        return None, [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors]


def parse_row(row: str) -> tuple[int, int | str, str] | None:
    """'4x6-8 @ RPE 8' (or '4 x 6-8 RPE 8', '3 sets of 10 at 70% 1RM'...) as (sets, reps, intensity), or None."""
    read = read_row(row)
    if read is None or not REPS.match(str(read.reps)):
        return None
    return read.sets, read.reps, read.intensity


def tidy_block(block: Block) -> tuple[Block, list[Fix]]:
    """The block with every week's row in the form asked for: what code reads in another common
    format it rewrites (and records), before anything is judged."""
    fixes: list[Fix] = []
    tidy = block.model_copy(deep=True)
    for day in tidy.days:
        for ex in day.exercises:
            for k, row in enumerate(ex.weeks):
                read = read_row(row, UNSTATED_EFFORT)
                if read is not None and str(read) != row and REPS.match(str(read.reps)):
                    said = "" if read_row(row) is not None else " (no effort stated: a moderate one)"
                    fixes.append(Fix("prescription-format", f"day {day.day} {ex.name!r} row {k + 1}",
                                     f"{row!r} -> {str(read)!r}{said}"))
                    ex.weeks[k] = str(read)
    return tidy, fixes


def block_problems(plan: Plan, index: int, block: Block) -> list[str]:
    """Whether the block follows the plan's structure; the messages go back to the model."""
    spec = plan.blocks[index]
    days = [d.day for d in block.days]
    expected = [d.day for d in plan.split]
    problems: list[str] = []
    if days != expected:
        problems.append(f"the block must have training days {expected} (the plan's split), got {days}")
    for day in block.days:
        for ex in day.exercises:
            where = f"day {day.day} {ex.name!r}"
            if len(ex.weeks) != spec.length:
                problems.append(f"{where} has {len(ex.weeks)} weekly prescriptions; the block is "
                                f"{spec.length} week(s) long ({spec.span}), so it needs exactly {spec.length}")
            for k, row in enumerate(ex.weeks):
                if parse_row(row) is None:
                    problems.append(f"{where} week {spec.first_week + k}: {row!r} is not "
                                    "'<sets 1-12>x<reps> @ <intensity>' (e.g. '4x6-8 @ RPE 8')")
    return problems


def week_focus(spec: PlanBlock, week: int, deload: bool) -> str:
    if deload:
        return f"Deload week: fewer sets and lighter loads so fatigue clears. {spec.focus}"[:200]
    return f"{spec.focus} (week {week - spec.first_week + 1} of {spec.length} in this block)"[:200]


def _block_weeks(plan: Plan, index: int, block: Block) -> list[dict[str, Any]]:
    """The block's weeks in full, as the dicts ProgramContent reads. The block must have passed
    block_problems."""
    spec = plan.blocks[index]
    deloads = plan.deloads_in(index)
    names = {d.day: d.name for d in plan.split}
    weeks: list[dict[str, Any]] = []
    for k, week in enumerate(range(spec.first_week, spec.last_week + 1)):
        days = []
        for day in block.days:
            exercises = []
            for ex in day.exercises:
                row = parse_row(ex.weeks[k])
                assert row is not None
                sets, reps, intensity = row
                exercises.append({"name": ex.name, "sets": sets, "reps": reps, "intensity": intensity,
                                  "rest_seconds": ex.rest_seconds, "notes": ex.notes})
            days.append({"day": day.day, "name": names[day.day], "warm_up": day.warm_up, "exercises": exercises})
        weeks.append({"week": week, "focus": week_focus(spec, week, week in deloads), "deload": week in deloads,
                      "days": days})
    return weeks


def expand(plan: Plan, blocks: dict[int, Block]) -> ProgramContent:
    # Plain dicts validated once as a whole: the same models and checks as building each
    # exercise, day and week as a model, in one pass of pydantic's validator.
    weeks = [w for i in range(len(plan.blocks)) for w in _block_weeks(plan, i, blocks[i])]
    # A plan stored before its description was written (the attempt died in between) has none.
    return ProgramContent.model_validate({"name": plan.name, "description": plan.description or plan.summary,
                                          "summary": plan.summary, "weeks": weeks})


WEEK_MENTION = re.compile(r"\bweek (\d+)\b")


def blocks_named(plan: Plan, violations: list[str]) -> dict[int, list[str]]:
    """The violations of an expanded program, by the block whose weeks they name. One that names
    no week (a rule about the whole program) goes to every block."""
    named: dict[int, list[str]] = {}
    for v in violations:
        indexes = {i for w in WEEK_MENTION.findall(v) if (i := plan.block_of_week(int(w))) is not None}
        for i in indexes or range(len(plan.blocks)):
            named.setdefault(i, []).append(v)
    return named
