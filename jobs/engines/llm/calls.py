"""One model call, shared by every step of the OpenAI engine: the per-worker cap on concurrent
calls, the job's cost ceiling, the call's span, and the transport that carries it, picked from
one table by NOWVA_OPENAI_API (as uvicorn picks its protocol classes).

The transports (chat.py, background.py) speak the wire; answers.py holds what they give back,
clients.py the SDK's clients and the errors a person reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, Protocol

import httpx2
from openai.lib._pydantic import to_strict_json_schema
from openai.types.shared_params import ResponseFormatJSONSchema
from pydantic import BaseModel

from app.settings import Settings
from jobs.engines.base import StoredStep
from jobs.engines.llm import genai, prices
from jobs.engines.llm.answers import Answer, OnText, Tally
from jobs.engines.llm.background import ResponsesTransport
from jobs.engines.llm.chat import ChatTransport
from jobs.engines.llm.clients import timeout_of
from jobs.engines.llm.limiter import Limiter

# Reasoning models count their hidden reasoning against max_completion_tokens: every call's
# cap is the answer's expected size with headroom, plus this much room to think.
REASONING_ALLOWANCE = 8000
# The plan is what the person hears first: its calls jump the queue of block calls.
PLAN_PRIORITY, REPAIR_PRIORITY, BLOCK_PRIORITY = 0, 1, 2


class Transport(Protocol):
    """How a call reaches the model and comes back as an Answer, its usage recorded in the tally.
    `step` names the durable step the call writes and `reattach` that step as an earlier attempt
    left it; a transport that cannot resume a call ignores both."""

    async def call(self, messages: list[dict[str, str]], fmt: ResponseFormatJSONSchema, max_tokens: int,
                   tally: Tally, on_text: OnText | None, what: str, step: tuple[str, int] | None,
                   reattach: StoredStep | None) -> Answer: ...

    async def aclose(self) -> None: ...


TRANSPORTS: dict[Literal["responses", "chat"], Callable[[Settings, httpx2.Timeout], Transport]] = {
    "responses": ResponsesTransport,  # background, stored: a retried attempt re-attaches
    "chat": ChatTransport,  # Chat Completions: what most compatible servers speak
}


def response_format(model: type[BaseModel], name: str) -> ResponseFormatJSONSchema:
    # The SDK's own strict-schema helper (the one behind `chat.completions.parse`): every
    # property required, additionalProperties false, $refs and defaults made strict-safe.
    schema = to_strict_json_schema(model)
    return {"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": schema}}


class Caller:
    """The engine's transport and concurrency cap, shared by every job of the worker."""

    def __init__(self, settings: Settings) -> None:
        self.model = settings.openai_model
        self.transport = TRANSPORTS[settings.openai_api_used](settings, timeout_of(settings))
        self.limiter = Limiter(settings.openai_max_concurrency)

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def call(self, messages: list[dict[str, str]], fmt: ResponseFormatJSONSchema, max_tokens: int,
                   tally: Tally, *, priority: int = BLOCK_PRIORITY, on_text: OnText | None = None,
                   what: str = "call", step: tuple[str, int] | None = None,
                   reattach: StoredStep | None = None) -> Answer:
        """One streamed call; `on_text` sees each piece of content as it arrives. With the Responses
        API, `step` names the durable step the call writes (its response id is stored as soon as it
        is known, then how far it has been read) and `reattach` the step as an earlier attempt left
        it, with a response in flight."""
        worst = prices.worst_case_usd(self.model, messages, max_tokens) if tally.ceiling is not None else 0.0
        tally.reserve(worst)
        try:
            async with self.limiter.slot(priority):
                with genai.model_call_span(self.model, max_tokens, what, reattach) as span:
                    answer = await self.transport.call(messages, fmt, max_tokens, tally, on_text, what, step,
                                                       reattach)
                    genai.answered(span, answer)
                    return answer
        finally:
            tally.reserved -= worst
