"""What a model call gives back (Answer), what an attempt's calls spent (Tally), and the answers no
repair can fix (fatal): shared by both transports and every strategy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from jobs.engines.base import EngineError, StepStore
from jobs.engines.llm import prices

OnText = Callable[[str], Awaitable[None]]


class CostCeiling(EngineError):
    """The job's next call could pass NOWVA_JOB_MAX_COST_USD: not made."""


@dataclass
class Tally:
    """What one attempt's calls spent: summed here and, with a step store, added to the job as
    each call ends, so a crash later loses none of it. Each call's price goes with its tokens as
    `cost_usd` (prices.py); `ceiling` (NOWVA_JOB_MAX_COST_USD) stops calls that could pass it,
    counting what the job's earlier attempts spent (`spent_before`)."""

    model: str
    store: StepStore | None = None
    usage: dict[str, float] = field(default_factory=dict)
    ceiling: float | None = None
    spent_before: float = 0.0
    reserved: float = 0.0

    async def record(self, usage: dict[str, float], step: tuple[str, int] | None = None,
                     response_id: str | None = None) -> None:
        cost = prices.cost_usd(self.model, usage)
        if cost is not None:
            usage["cost_usd"] = cost
        for key, value in usage.items():
            self.usage[key] = self.usage.get(key, 0) + value
        if self.store is not None:
            await self.store.spent(usage, step, response_id)

    def reserve(self, worst: float) -> None:
        """Hold a call's worst-case price against the ceiling, or refuse the call."""
        if self.ceiling is None:
            return
        spent = self.spent_before + self.usage.get("cost_usd", 0.0)
        if spent + self.reserved + worst > self.ceiling:
            raise CostCeiling(f"The job's next model call could pass its cost ceiling of ${self.ceiling:g} "
                              f"(NOWVA_JOB_MAX_COST_USD): ${spent:.4f} spent, ${self.reserved:.4f} in calls "
                              f"still running, up to ${worst:.4f} for this one.")
        self.reserved += worst


@dataclass
class Answer:
    text: str
    refusal: str
    finish_reason: str | None
    response_id: str | None = None
    model: str | None = None  # as the response names it
    usage: dict[str, float] = field(default_factory=dict)


def fatal(answer: Answer, what: str = "output") -> None:
    """Raise for answers that no repair can fix: refusals, cut-off or unfinished output."""
    if answer.refusal:
        raise EngineError(f"The model refused: {answer.refusal}")
    if answer.finish_reason == "length":
        raise EngineError(f"The model's {what} was cut off at its length limit after {len(answer.text)} "
                          "characters (finish_reason 'length'); try fewer weeks or days per week.")
    if answer.finish_reason == "content_filter":
        raise EngineError(f"The model's {what} was stopped by OpenAI's content filter.")
    if answer.finish_reason != "stop":
        raise EngineError("The model's stream ended without finishing "
                          f"(finish_reason {answer.finish_reason!r}).")
