"""The OpenAI engine: one streamed Chat Completions call with a strict JSON schema, checked,
repaired at most once.

Flow of one attempt: "prompting" (5%) → stream the program, reporting "Week k of N drafted"
(10-90%) as week objects complete in the partial JSON → "validating" (92%) with checks.py →
on violations, "repairing" (94%): one more call that shows the model its output and what was
wrong → validate again. A refusal, a cut-off output (finish_reason "length"), a second invalid
program or a non-transient API error ends the attempt with an EngineError whose message the
user sees.

Maximum number of HTTP calls to OpenAI for one job:

    (1 call + 1 repair) * (1 + openai_max_retries) per attempt, * max_attempts attempts
    = 2 * 3 * 3 = 18 with the defaults (NOWVA_OPENAI_MAX_RETRIES=2, NOWVA_MAX_ATTEMPTS=3).

The layers that could multiply, and why they don't: the SDK retries only the opening of a
request (connection errors, timeouts, 408/409/429/5xx; never once the stream has started);
the httpx transport does no retries of its own (retries=0); this module never loops over
API errors; and the worker runs another attempt only after a crash or stall (an EngineError or
the deadline fails the job for good). `insufficient_quota` is not retried at all.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import cast

import httpx2
import jiter
import openai
from openai import AsyncOpenAI
from openai.lib._pydantic import to_strict_json_schema
from openai.types.chat import ChatCompletionChunk, ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema

from app.models import GenerateRequest, ProgramContent
from app.settings import Settings
from jobs.engines import checks, prompt
from jobs.engines.base import EngineError, Generated, ProgressReporter

log = logging.getLogger(__name__)

SCHEMA_NAME = "training_program"
CONNECT_TIMEOUT_S = 10.0
# Hundreds of concurrent streams per worker process share one pool.
LIMITS = httpx2.Limits(max_connections=1000, max_keepalive_connections=100)
MAX_REPAIR_VIOLATIONS = 30

Drafted = Callable[[int], Awaitable[None]]


class GenerationFailed(EngineError):
    """An EngineError that carries what the job spent, for the runner to record."""

    def __init__(self, message: str, *, model: str | None, usage: dict[str, int] | None) -> None:
        super().__init__(message)
        self.model = model
        self.usage = usage


def response_format() -> ResponseFormatJSONSchema:
    # The SDK's own strict-schema helper (the one behind `chat.completions.parse`): every
    # property required, additionalProperties false, $refs and defaults made strict-safe.
    schema = to_strict_json_schema(ProgramContent)
    return {"type": "json_schema", "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": schema}}


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


@dataclass
class _Output:
    text: str
    refusal: str
    finish_reason: str | None


@dataclass
class _Run:
    """What one job's calls spent, summed over calls."""

    model: str
    usage: dict[str, int] = field(default_factory=dict)

    def add(self, chunk: ChatCompletionChunk) -> None:
        self.model = chunk.model or self.model
        u = chunk.usage
        if u is None:
            return
        reasoning = (u.completion_tokens_details.reasoning_tokens or 0) if u.completion_tokens_details else 0
        for key, value in (("prompt_tokens", u.prompt_tokens), ("completion_tokens", u.completion_tokens),
                           ("total_tokens", u.total_tokens), ("reasoning_tokens", reasoning)):
            self.usage[key] = self.usage.get(key, 0) + value


class WeekCounter:
    """Counts the week objects completed so far in a streaming program.

    Parsing the whole buffer on every token would be quadratic, so the partial JSON is parsed
    only when a `"week"` key may have started (once per week): a new week object starting
    means the one before it is complete.
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._tail = ""
        self.completed = 0

    def feed(self, delta: str) -> bool:
        """Add text; True when another week was completed."""
        self._parts.append(delta)
        # Keep one character less than the key, so a key seen once never triggers twice.
        window = self._tail + delta
        self._tail = window[-5:]
        if '"week"' not in window:
            return False
        try:
            partial = jiter.from_json("".join(self._parts).encode(), partial_mode="trailing-strings")
        except ValueError:
            return False  # not JSON (yet); validation will say so
        weeks = partial.get("weeks") if isinstance(partial, dict) else None
        started = len(weeks) if isinstance(weeks, list) else 0
        if started - 1 > self.completed:
            self.completed = started - 1
            return True
        return False

    @property
    def text(self) -> str:
        return "".join(self._parts)


class OpenAIEngine:
    name = "openai"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._model = settings.openai_model
        self._timeout = httpx2.Timeout(settings.openai_timeout_s,
                                       connect=min(CONNECT_TIMEOUT_S, settings.openai_timeout_s))
        # One client (and connection pool) per engine, shared by every job of the worker.
        self._client = AsyncOpenAI(
            api_key=settings.openai_api_key or "unset",
            base_url=settings.openai_base_url,
            max_retries=settings.openai_max_retries,
            timeout=self._timeout,
            http_client=openai.DefaultAsyncHttpxClient(
                timeout=self._timeout, limits=LIMITS, event_hooks={"response": [_no_retry_on_quota]}),
        )
        self._format = response_format()

    async def aclose(self) -> None:
        await self._client.close()

    async def generate(self, request: GenerateRequest, report: ProgressReporter) -> Generated:
        run = _Run(model=self._model)
        try:
            program = await self._generate(request, report, run)
        except EngineError as exc:
            raise GenerationFailed(str(exc), model=run.model, usage=run.usage or None) from exc
        return Generated(program=program, engine=self.name, model=run.model, usage=run.usage)

    async def _generate(self, request: GenerateRequest, report: ProgressReporter,
                        run: _Run) -> ProgramContent:
        if not self._settings.openai_api_key:
            raise EngineError("The OpenAI engine is selected but OPENAI_API_KEY is not set.")
        weeks = request.duration_weeks
        await report(5, "prompting", f"Asking {self._model} for a {weeks}-week program")

        reported = 0

        async def drafted(k: int) -> None:
            nonlocal reported
            k = min(k, weeks)  # a model that writes extra weeks must not push progress past 90
            if k > reported:
                reported = k
                await report(10 + 80 * k // weeks, "drafting", f"Week {k} of {weeks} drafted")

        messages = prompt.messages(request)
        out = await self._call(messages, run, drafted)
        await report(92, "validating", "Checking the program")
        program, violations = _judge(out, request)
        if program is not None and not violations:
            return program

        log.info("program failed validation (%d problems), repairing: %s", len(violations),
                 checks.summarize(violations, 3))
        await report(94, "repairing",
                     f"Fixing {len(violations)} problem(s): {checks.summarize(violations, 1)}")
        shown = violations[:MAX_REPAIR_VIOLATIONS]
        if len(violations) > len(shown):
            shown.append(f"and {len(violations) - len(shown)} more problems of the same kinds")
        out = await self._call(prompt.repair_messages(request, out.text, shown), run, None)
        await report(97, "validating", "Checking the repaired program")
        program, violations = _judge(out, request)
        if program is None or violations:
            raise EngineError("The generated program did not pass validation: "
                              + checks.summarize(violations))
        return program

    async def _call(self, messages: list[dict[str, str]], run: _Run, drafted: Drafted | None) -> _Output:
        """One streamed call. Progress is reported between chunks, a few times per call."""
        counter = WeekCounter()
        refusal: list[str] = []
        finish: str | None = None
        started = time.monotonic()
        run.usage["calls"] = run.usage.get("calls", 0) + 1
        streaming = False
        try:
            stream = await self._client.chat.completions.create(
                model=self._model,
                # prompt.py stays free of SDK types; its dicts are plain role/content messages.
                messages=cast(list[ChatCompletionMessageParam], messages),
                response_format=self._format,
                stream=True,
                stream_options={"include_usage": True},
                timeout=self._timeout,
            )
            streaming = True  # from here on the SDK retries nothing: a failure ends the call
            # `async with`: leaving the block for any reason (cancellation, the deadline,
            # an error in report) closes the HTTP stream at once.
            async with stream:
                async for chunk in stream:
                    run.add(chunk)
                    for choice in chunk.choices[:1]:
                        delta = choice.delta
                        if delta.refusal:
                            refusal.append(delta.refusal)
                        if delta.content and counter.feed(delta.content) and drafted is not None:
                            await drafted(counter.completed)
                        finish = choice.finish_reason or finish
        except openai.APIError as exc:
            raise EngineError(_describe(exc, self._settings, streaming)) from exc
        log.info("openai call done in %.1fs: model %s, finish %s, %d chars, usage %s",
                 time.monotonic() - started, run.model, finish, len(counter.text), run.usage)
        final = _count_weeks(counter.text) if finish == "stop" else 0
        if final > counter.completed and drafted is not None:
            await drafted(final)  # the last week has no successor to announce it
        return _Output(counter.text, "".join(refusal), finish)


def _count_weeks(text: str) -> int:
    try:
        weeks = jiter.from_json(text.encode()).get("weeks")
    except (ValueError, AttributeError):
        return 0
    return len(weeks) if isinstance(weeks, list) else 0


def _judge(out: _Output, request: GenerateRequest) -> tuple[ProgramContent | None, list[str]]:
    """Fatal problems raise; fixable ones (invalid JSON, rule violations) are returned."""
    if out.refusal:
        raise EngineError(f"The model refused: {out.refusal}")
    if out.finish_reason == "length":
        raise EngineError(f"The model's output was cut off at its length limit after {len(out.text)} "
                          "characters (finish_reason 'length'); try fewer weeks or days per week.")
    if out.finish_reason == "content_filter":
        raise EngineError("The model's output was stopped by OpenAI's content filter.")
    if out.finish_reason != "stop":
        raise EngineError("The model's stream ended without finishing "
                          f"(finish_reason {out.finish_reason!r}).")
    program, problems = checks.parse_program(out.text)
    if program is None:
        return None, problems
    return program, checks.check_program(program, request)


def _describe(exc: openai.APIError, settings: Settings, streaming: bool) -> str:
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
    body = exc.body if isinstance(exc.body, dict) else {}
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
