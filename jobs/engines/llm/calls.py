"""One streamed Chat Completions call with a strict JSON schema, shared by every step of the
OpenAI engine: the SDK client, the per-worker cap on concurrent calls, the usage tally and the
errors a person reads.

Retries, and why they don't multiply: the SDK retries only the opening of a request
(connection errors, timeouts, 408/409/429/5xx; never once the stream has started); the httpx
transport does no retries of its own; the engine never loops over API errors; and the worker
runs another attempt only after a crash or stall. `insufficient_quota` is not retried at all.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, cast

import httpx2
import openai
from openai import AsyncOpenAI, AsyncStream
from openai.lib._pydantic import to_strict_json_schema
from openai.types.shared_params import ResponseFormatJSONSchema
from pydantic import BaseModel

from app.settings import Settings
from jobs.engines.base import EngineError, StepStore, StoredStep
from jobs.engines.llm import genai, prices, responses

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0
CANCEL_CHECK_S = 5.0
# Reasoning models count their hidden reasoning against max_completion_tokens: every call's
# cap is the answer's expected size with headroom, plus this much room to think.
REASONING_ALLOWANCE = 8000
# The plan is what the person hears first: its calls jump the queue of block calls.
PLAN_PRIORITY, REPAIR_PRIORITY, BLOCK_PRIORITY = 0, 1, 2
SHARD_CALLS = 64

OnText = Callable[[str], Awaitable[None]]


def response_format(model: type[BaseModel], name: str) -> ResponseFormatJSONSchema:
    # The SDK's own strict-schema helper (the one behind `chat.completions.parse`): every
    # property required, additionalProperties false, $refs and defaults made strict-safe.
    schema = to_strict_json_schema(model)
    return {"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": schema}}


async def _no_retry_on_quota(response: httpx2.Response) -> None:
    """A 429 for an exhausted quota is not a rate limit: waiting won't help, so tell the SDK
    not to retry it (it honours x-should-retry before looking at the status)."""
    if response.status_code != 429:
        return
    await response.aread()
    try:
        error = json.loads(response.content).get("error") or {}
    except (ValueError, AttributeError):
        return
    if "insufficient_quota" in (error.get("code"), error.get("type")):
        response.headers["x-should-retry"] = "false"


class Limiter:
    """At most `limit` calls at once in this worker process; waiters go by priority, then in
    order of arrival."""

    def __init__(self, limit: int) -> None:
        self._free = limit
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @property
    def waiting(self) -> int:
        return sum(1 for *_, f in self._waiters if not f.done())

    @asynccontextmanager
    async def slot(self, priority: int) -> AsyncIterator[None]:
        if self._free > 0 and not self.waiting:
            self._free -= 1
        else:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiters, (priority, next(self._order), future))
            try:
                await future
            except asyncio.CancelledError:
                if future.done() and not future.cancelled():
                    self._release()  # the slot was handed to us just as we were cancelled
                raise
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        while self._waiters:
            *_, future = heapq.heappop(self._waiters)
            if not future.done():
                future.set_result(None)
                return
        self._free += 1


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
            raise EngineError(f"The job's next model call could pass its cost ceiling of ${self.ceiling:g} "
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


def usage_of(chunk: dict[str, Any]) -> dict[str, int]:
    u = chunk.get("usage")
    if not u:
        return {}
    reasoning = (u.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
    cached = (u.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    return {"prompt_tokens": u.get("prompt_tokens") or 0, "completion_tokens": u.get("completion_tokens") or 0,
            "total_tokens": u.get("total_tokens") or 0, "reasoning_tokens": reasoning, "cached_tokens": cached}


class Caller:
    """The engine's clients and connection pools (one for the Responses API, a few for Chat
    Completions), shared by every job of the worker."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.model = settings.openai_model
        self._timeout = httpx2.Timeout(settings.openai_timeout_s,
                                       connect=min(CONNECT_TIMEOUT_S, settings.openai_timeout_s))
        # Every call the limiter lets through gets a connection; a few more for the SDK's retries.
        limits = httpx2.Limits(max_connections=settings.openai_max_concurrency + 16,
                               max_keepalive_connections=min(100, settings.openai_max_concurrency))
        self._client = self._new_client(limits)
        # Chat Completions calls go through several clients of at most SHARD_CALLS calls each:
        # with the default httpcore transport, its pool walked every connection it held each time
        # a request started or a response closed, and with 2,000 streams open in one pool those
        # walks were a fifth of the worker's CPU. Kept with the aiohttp transport (the figures in
        # tests/perf/RESULTS.md were measured so): small connectors, each with its own limit. A
        # call takes the client with the fewest calls open, so none holds more than its share.
        shards = -(-settings.openai_max_concurrency // SHARD_CALLS)
        per_shard = -(-settings.openai_max_concurrency // shards)
        keepalive = max(4, -(-min(100, settings.openai_max_concurrency) // shards))
        self._chat = [self._new_client(httpx2.Limits(max_connections=per_shard + 4,
                                                     max_keepalive_connections=keepalive)) for _ in range(shards)]
        self._chat_open = [0] * shards
        self.limiter = Limiter(settings.openai_max_concurrency)

    def _new_client(self, limits: httpx2.Limits) -> AsyncOpenAI:
        settings = self._settings
        # The SDK's aiohttp transport (the `aiohttp` extra) under its own httpx2 client: the SDK's
        # retries, timeouts, errors and event hooks stay as they are, and reading a stream costs
        # about 38 µs of CPU a chunk instead of 60-78 µs (anyio's cancel scope and httpcore per
        # read). A worker holds ~2,000 streams; OpenAI sends a chunk every token or few.
        return AsyncOpenAI(
            api_key=settings.openai_api_key or "unset",
            base_url=settings.openai_base_url,
            max_retries=settings.openai_max_retries,
            timeout=self._timeout,
            http_client=openai.DefaultAioHttpClient(
                timeout=self._timeout, limits=limits, event_hooks={"response": [_no_retry_on_quota]}),
        )

    async def aclose(self) -> None:
        await asyncio.gather(self._client.close(), *(c.close() for c in self._chat))

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
                    if self._settings.openai_api_used == "responses":
                        answer = await self._respond(messages, fmt, max_tokens, tally, on_text, what, step, reattach)
                    else:
                        answer = await self._call(messages, fmt, max_tokens, tally, on_text, what)
                    genai.answered(span, answer)
                    return answer
        finally:
            tally.reserved -= worst

    async def _respond(self, messages: list[dict[str, str]], fmt: ResponseFormatJSONSchema, max_tokens: int,
                       tally: Tally, on_text: OnText | None, what: str, step: tuple[str, int] | None,
                       reattach: StoredStep | None) -> Answer:
        started = time.monotonic()
        out = responses.Outcome()
        usage: dict[str, float] = {"calls": 1}
        store = tally.store if step is not None else None
        try:
            if reattach is not None and reattach.response_id is not None:
                out = responses.Outcome.resumed(reattach.response_id, reattach.sequence, reattach.text)
                if store is not None and step is not None:
                    store.watch(step[0], step[1], reattach.response_id, out)
                try:
                    await responses.reattach(self._client, out, on_text, self._timeout)
                    usage["reattached"] = 1
                except responses.Gone as exc:
                    # on_text may have seen part of the lost answer: for the plan, that only costs
                    # its early head (the new answer is parsed whole).
                    log.warning("%s: the response %s left in flight cannot be had (%s); asking again", what,
                                reattach.response_id, exc)
                    if store is not None and step is not None:
                        store.unwatch(step[0], step[1], out)
                    out, usage["remade"] = responses.Outcome(), 1
                except openai.APIError as exc:
                    await tally.record(usage, step, reattach.response_id)
                    raise EngineError(describe(exc, self._settings, True)) from exc
            if reattach is None or "remade" in usage:
                async def created(response_id: str) -> None:
                    if store is not None and step is not None:
                        await store.attach(step[0], step[1], response_id)
                        store.watch(step[0], step[1], response_id, out)

                try:
                    await responses.create(self._client, self.model, messages, fmt, max_tokens, out, on_text,
                                           created, self._timeout)
                except openai.APIError as exc:
                    await tally.record(usage, step, out.response_id)
                    raise EngineError(describe(exc, self._settings, out.response_id is not None)) from exc
        except asyncio.CancelledError:
            # The job was cancelled or ran out of time: stop OpenAI writing (and billing) it too,
            # re-attached to or not. Not when this attempt lost the job or hands it back: its
            # successor re-attaches.
            if out.response_id is not None and out.finish is None and await self._abandoned(tally):
                await responses.cancel(self._client, out.response_id)
            raise
        finally:
            if store is not None and step is not None:
                store.unwatch(step[0], step[1], out)
        for key, value in out.usage.items():
            usage[key] = usage.get(key, 0) + value
        await tally.record(usage, step, out.response_id)
        log.info("openai %s done in %.1fs (response %s%s): finish %s, %d chars, usage %s", what,
                 time.monotonic() - started, out.response_id, ", re-attached" if "reattached" in usage else "",
                 out.finish, len(out.text), usage)
        return Answer(out.text, "".join(out.refusal), out.finish, out.response_id, out.model, usage)

    async def _abandoned(self, tally: Tally) -> bool:
        if tally.store is None:
            return True  # no job around this call: whoever cancelled it is done with it
        try:
            return await asyncio.wait_for(asyncio.shield(tally.store.abandoned()), CANCEL_CHECK_S)
        except Exception as exc:  # the database is away: leave the response; it expires at OpenAI
            log.warning("could not tell whether to cancel the response (%s)", exc)
            return False

    async def _call(self, messages: list[dict[str, str]], fmt: ResponseFormatJSONSchema, max_tokens: int,
                    tally: Tally, on_text: OnText | None, what: str) -> Answer:
        parts: list[str] = []
        refusal: list[str] = []
        finish: str | None = None
        usage: dict[str, float] = {"calls": 1}
        response_id: str | None = None
        started = time.monotonic()
        streaming = False
        shard = min(range(len(self._chat)), key=self._chat_open.__getitem__)
        self._chat_open[shard] += 1
        try:
            # The SDK's own request path (its retries, timeouts and errors), with the body it
            # would build from these arguments (plain JSON: the SDK's transform leaves it as it
            # is) and chunks left as the dicts json.loads makes: constructing a
            # ChatCompletionChunk model per chunk was a sixth of the worker's CPU.
            body = {"model": self.model, "messages": messages, "response_format": fmt,
                    "max_completion_tokens": max_tokens, "stream": True, "stream_options": {"include_usage": True}}
            stream = await self._chat[shard].post("/chat/completions", body=body, cast_to=object, stream=True,
                                                  stream_cls=AsyncStream[object], options={"timeout": self._timeout})
            streaming = True  # from here on the SDK retries nothing: a failure ends the call
            # `async with`: leaving the block for any reason (cancellation, the deadline,
            # an error in on_text) closes the HTTP stream at once.
            async with stream:
                async for item in stream:
                    chunk = cast(dict[str, Any], item)
                    tally.model = chunk.get("model") or tally.model
                    response_id = response_id or chunk.get("id")
                    for key, value in usage_of(chunk).items():
                        usage[key] = usage.get(key, 0) + value
                    for choice in (chunk.get("choices") or [])[:1]:
                        delta = choice.get("delta") or {}
                        if delta.get("refusal"):
                            refusal.append(delta["refusal"])
                        if delta.get("content"):
                            parts.append(delta["content"])
                            if on_text is not None:
                                await on_text(delta["content"])
                        finish = choice.get("finish_reason") or finish
        except openai.APIError as exc:
            await tally.record(usage)
            raise EngineError(describe(exc, self._settings, streaming)) from exc
        finally:
            self._chat_open[shard] -= 1
        await tally.record(usage)
        text = "".join(parts)
        log.info("openai %s done in %.1fs: model %s, finish %s, %d chars, usage %s", what,
                 time.monotonic() - started, tally.model, finish, len(text), usage)
        return Answer(text, "".join(refusal), finish, response_id, tally.model, usage)


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


def describe(exc: openai.APIError, settings: Settings, streaming: bool) -> str:
    retries = f"after {settings.openai_max_retries} retries"
    if streaming and isinstance(exc, openai.APITimeoutError):
        return f"The OpenAI stream stalled: no data for {settings.openai_timeout_s:g} s in the middle of the answer."
    if streaming and isinstance(exc, openai.APIConnectionError):
        return f"The connection to OpenAI broke in the middle of the answer: {exc.__cause__ or exc}"
    if isinstance(exc, openai.APITimeoutError):
        return f"OpenAI did not answer within {settings.openai_timeout_s:g} s ({retries})."
    if isinstance(exc, openai.APIConnectionError):
        return f"Could not reach the OpenAI API ({retries}): {exc.__cause__ or exc}"
    code = exc.code or exc.type
    # The SDK's message is "Error code: 429 - {...the whole body...}"; the body's own
    # message is the readable part.
    body: Any = exc.body if isinstance(exc.body, dict) else {}
    message = str(body.get("message") or exc.message)
    if isinstance(exc, openai.RateLimitError) and code == "insufficient_quota":
        return f"The OpenAI account has no quota left (insufficient_quota): {message}"
    if isinstance(exc, openai.RateLimitError):
        return f"OpenAI kept rate-limiting the request ({retries}): {message}"
    if isinstance(exc, openai.AuthenticationError):
        return f"OpenAI rejected the API key (401): {message}"
    if isinstance(exc, openai.APIStatusError):
        transient = exc.status_code >= 500 or exc.status_code in (408, 409)
        return (f"OpenAI answered {exc.status_code}{f' ({code})' if code else ''}"
                f"{f' {retries}' if transient else ''}: {message}")
    return f"The OpenAI stream failed: {message}"
