"""The OpenAI engine: Chat Completions with strict JSON schemas, in one of two strategies.

* `blocks` (default, jobs/engines/llm/stepwise.py): a small plan, then one call per block in
  parallel, expanded by code into the full program; the plan and each block are durable steps.
* `single` (jobs/engines/llm/single.py): the whole program in one streamed answer.

Both end at the validator (app/coaching/validator.py), repair what fails at most once per answer,
and record every call's usage. The shared call (concurrency cap, cost ceiling, span, transport) is
jobs/engines/llm/calls.py.

Maximum number of HTTP calls to OpenAI for one job, with the defaults
(NOWVA_OPENAI_MAX_RETRIES=2, NOWVA_MAX_ATTEMPTS=3):

    single:  (1 call + 1 repair) * (1 + 2 retries) per attempt * 3 attempts = 18
    blocks:  (2 for the plan + 2 per block) * (1 + 2 retries) per attempt * 3 attempts
             = 18 * (1 + blocks); a retried attempt makes only the calls of missing steps.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import openai

from app.coaching.person import read_person
from app.coaching.profile import Unplaced
from app.models import GenerateRequest
from app.settings import Settings
from jobs.engines.base import EngineError, Generated, ProgressReporter, StepStore
from jobs.engines.llm.answers import CostCeiling, Tally
from jobs.engines.llm.calls import Caller
from jobs.engines.llm.revising import parent_steps, revise_stepwise
from jobs.engines.llm.single import generate_single
from jobs.engines.llm.stepwise import generate_stepwise

log = logging.getLogger(__name__)


class GenerationFailed(EngineError):
    """An EngineError that carries what the job spent, for the runner to record, and why the model
    failed (one of jobs/fallback.py's reasons)."""

    def __init__(self, message: str, *, model: str | None, usage: dict[str, float] | None,
                 reason: str = "invalid_answer") -> None:
        super().__init__(message)
        self.model = model
        self.usage = usage
        self.reason = reason


def failure_reason(exc: BaseException) -> str:
    """What made the model fail for good: the API (its retries spent), the account's quota, a
    refusal, or an answer that stayed invalid after its repair."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, CostCeiling):
            return "cost_ceiling"
        if isinstance(seen, openai.RateLimitError) and "insufficient_quota" in (seen.code, seen.type):
            return "quota"
        if isinstance(seen, openai.APIError):
            return "api_error"
        seen = seen.__cause__
    message = str(exc)
    if message.startswith("The model refused") or "content filter" in message:
        return "refusal"
    if "OPENAI_API_KEY is not set" in message or message.startswith("OpenAI could not finish"):
        return "api_error"
    return "invalid_answer"


class OpenAIEngine:
    name = "openai"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._caller = Caller(settings)

    @property
    def strategy(self) -> str:
        return self._settings.openai_strategy

    async def aclose(self) -> None:
        await self._caller.aclose()

    async def generate(self, request: GenerateRequest, report: ProgressReporter,
                       steps: StepStore | None = None, unplaced: Sequence[Unplaced] = ()) -> Generated:
        tally = Tally(model=self._caller.model, store=steps, ceiling=self._settings.job_max_cost_usd,
                      spent_before=steps.spent_usd if steps is not None else 0.0)
        person = read_person(request, unplaced)  # the person's words, read once for every prompt and check
        try:
            if not self._settings.openai_api_key:
                raise EngineError("The OpenAI engine is selected but OPENAI_API_KEY is not set.")
            if self.strategy == "single":
                program, fixes = await generate_single(self._caller, person, report, tally, steps)
            else:
                program, fixes = await generate_stepwise(self._caller, person, report, tally, steps)
        except EngineError as exc:
            # With a step store, every call's usage is on the job already.
            usage = None if steps is not None else tally.usage or None
            raise GenerationFailed(str(exc), model=tally.model, usage=usage, reason=failure_reason(exc)) from exc
        if fixes:
            log.info("code fixed %d thing(s) in the model's program: %s", len(fixes),
                     ", ".join(sorted({f.rule for f in fixes})))
        return Generated(program=program, engine=self.name, model=tally.model, usage=tally.usage,
                         usage_recorded=steps is not None, fixes=[f.as_dict() for f in fixes])

    async def revise_program(self, request: GenerateRequest, report: ProgressReporter, steps: StepStore | None,
                             parent_plan: dict[str, Any] | None, parent_blocks: dict[int, dict[str, Any]],
                             from_week: int, instruction: str, swap_out: tuple[str, ...], restructured: bool,
                             unplaced: Sequence[Unplaced] = ()) -> tuple[Generated, list[int]]:
        """A revision (jobs/engines/llm/revising.py): the new program, whole, and the blocks asked again.
        An EngineError when the model cannot revise this program (no stored plan, the single-call
        strategy, a key missing) or failed to: the caller then writes it with the built-in writer."""
        parent = parent_steps(parent_plan, parent_blocks)
        if self.strategy == "single" or not self._settings.openai_api_key or (parent is None and not restructured):
            raise EngineError("The model cannot revise this program: its plan and blocks are not stored.")
        tally = Tally(model=self._caller.model, store=steps, ceiling=self._settings.job_max_cost_usd,
                      spent_before=steps.spent_usd if steps is not None else 0.0)
        person = read_person(request, unplaced)
        try:
            program, fixes, asked = await revise_stepwise(self._caller, person, report, tally, steps, parent,
                                                          from_week, instruction, swap_out, restructured)
        except EngineError as exc:
            usage = None if steps is not None else tally.usage or None
            raise GenerationFailed(str(exc), model=tally.model, usage=usage, reason=failure_reason(exc)) from exc
        return Generated(program=program, engine=self.name, model=tally.model, usage=tally.usage,
                         usage_recorded=steps is not None, fixes=[f.as_dict() for f in fixes]), asked
