"""Nobody is left without a program (issue 23): when the model fails for good, the built-in
writer's program for the same request is given instead, and the job says so.

When the job has a plan (the stepwise strategy stored it and announced it as a `plan` event, so
the person may have heard it), the built-in writer fills that plan: its name, summary and
description, its blocks and its deload weeks. If what it wrote breaks a rule only because of the
plan's words, the built-in words are used with the plan's weeks; if the plan's weeks cannot be
filled validly, the built-in engine's own program. Every program given passes the validator.

The reasons are a small fixed vocabulary: they label `nowva_fallbacks_total{reason}` and are
checked by the database (sql/migrations/0011_fallback.sql, 0015_cost_ceiling_fallback.sql).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import ValidationError

from app.coaching import validator
from app.coaching.profile import Profile, Unplaced
from app.coaching.reading.reader import merge_heard
from app.coaching.words import read_constraints
from app.coaching.writer.program import build_program
from app.coaching.writer.to_plan import PlanWords, build_program_to_plan
from app.models import GenerateRequest, ProgramContent

log = logging.getLogger(__name__)

FallbackReason = Literal["api_error", "quota", "refusal", "invalid_answer", "deadline", "cost_ceiling"]
FALLBACK_REASONS: tuple[FallbackReason, ...] = ("api_error", "quota", "refusal", "invalid_answer", "deadline",
                                               "cost_ceiling")
# What the built-in writer and the final write need, at most, of the job's deadline: the model's
# calls are stopped this long before it (or a quarter of the deadline, when that is shorter).
RESERVE_S = 5.0


def reserve_s(deadline_s: float) -> float:
    return min(RESERVE_S, deadline_s / 4)


def builtin_program(request: GenerateRequest, plan: dict[str, Any] | None,
                    unplaced: Sequence[Unplaced] = ()) -> tuple[ProgramContent, str]:
    """The program to give, and which shape it took ("plan", "plan's weeks", "own") for the log.
    `request.profile`: what was understood; what the stored plan heard in the words is added to it,
    as the model's engine did (it is the job's stored profile already)."""
    request, unplaced = _as_heard(request, plan, unplaced)
    constraints = read_constraints(request)
    shape = _plan_shape(request, plan)
    if shape is not None:
        blocks, deloads, words = shape
        for how, told in (("plan", words), ("plan's weeks", None)):
            try:
                program = build_program_to_plan(request, blocks, deloads, told, constraints, unplaced)
            except ValidationError as exc:  # words too long for the program's fields, say
                log.info("the built-in writer could not fill the plan (%s): %s", how, exc)
                continue
            found = validator.check_program(program, request, constraints)
            if not found:
                return program, how
            log.info("the built-in program in the %s breaks %d rules: %s", how, len(found),
                     validator.summarize(found, 3))
    return build_program(request, constraints, unplaced), "own"


async def builtin_program_async(request: GenerateRequest, plan: dict[str, Any] | None,
                                unplaced: Sequence[Unplaced] = ()) -> tuple[ProgramContent, str]:
    # Tens of milliseconds of CPU for a long program: off the event loop, which carries every
    # other job's streams.
    return await asyncio.to_thread(builtin_program, request, plan, unplaced)


def _as_heard(request: GenerateRequest, content: dict[str, Any] | None, unplaced: Sequence[Unplaced]
              ) -> tuple[GenerateRequest, Sequence[Unplaced]]:
    if not content or not content.get("heard"):
        return request, unplaced
    from jobs.engines.llm.hearing import placed  # only jobs that planned reach here
    from jobs.engines.llm.plan import Heard

    try:
        heard = Heard.model_validate(content["heard"]).profile()
    except ValidationError:
        return request, unplaced
    understood = request.profile or Profile()
    merged = merge_heard(understood, heard)
    if merged == understood:
        return request, unplaced
    return request.model_copy(update={"profile": merged}), [u for u in unplaced if not placed(u, heard)]


def _plan_shape(request: GenerateRequest, content: dict[str, Any] | None
                ) -> tuple[Sequence[tuple[int, int]], list[int], PlanWords] | None:
    """The stored plan's blocks, deloads and words, if it is a plan that fits the request."""
    if not content:
        return None
    from jobs.engines.llm.plan import Plan, plan_problems  # only jobs that planned reach here

    try:
        plan = Plan.model_validate(content)
    except ValidationError:
        return None
    if plan_problems(plan, request):
        return None
    blocks = [(b.first_week, b.last_week) for b in plan.blocks]
    words = PlanWords(name=plan.name, summary=plan.summary, description=plan.description)
    return blocks, sorted(set(plan.deload_weeks)), words
