"""One call through OpenAI's Responses API in background mode (NOWVA_OPENAI_API=responses; issue 16).

A background response (`background=true`, `store=true`) keeps being written on OpenAI's side when
our connection drops: the worker that asked may die, and the attempt that retries the job
re-attaches to it instead of paying for it again. So as soon as the stream names the response, its
id is stored with the step it belongs to (StepStore.attach, fenced by the attempt), and how far its
stream has been read (the last sequence number and the text up to it) is stored every few seconds
(StepStore.watch, jobs/checkpoints.py). A retried attempt that finds an id for a step it still lacks
resumes that response's stream with `starting_after` = the stored sequence number, after the stored
text; polls the response when the stream can no longer be resumed (OpenAI refuses streams older
than about five minutes); and makes a new call only when the response failed, expired or is gone.

Cancelling a job or its deadline cancels the response on OpenAI's side too, not only our connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, cast

import openai
from openai import AsyncOpenAI
from openai.types.shared_params import ResponseFormatJSONSchema

from jobs.engines.base import EngineError

log = logging.getLogger(__name__)

POLL_S = 1.0
CANCEL_TIMEOUT_S = 5.0
GONE = ("failed", "cancelled", "expired")

OnText = Callable[[str], Awaitable[None]]
OnCreated = Callable[[str], Awaitable[None]]


class Gone(Exception):
    """The stored response cannot give its answer (failed, cancelled, expired or deleted)."""


class Outcome:
    """A response as read so far; `sequence` is the last event read (-1: none), and with `text`
    it is what a checkpoint stores (jobs.engines.base.Reading)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.refusal: list[str] = []
        self.finish: str | None = None
        self.usage: dict[str, int] = {}
        self.response_id: str | None = None
        self.model: str | None = None  # as the response names it
        self.sequence = -1

    @classmethod
    def resumed(cls, response_id: str, sequence: int, text: str) -> Outcome:
        """A response an earlier attempt read up to `sequence` (0: nothing stored), with its text."""
        out = cls()
        out.response_id = response_id
        if sequence > 0:
            out.parts, out.sequence = ([text] if text else []), sequence
        return out

    @property
    def text(self) -> str:
        return "".join(self.parts)


def text_format(fmt: ResponseFormatJSONSchema) -> dict[str, Any]:
    """Chat Completions' response_format as the Responses API's text.format."""
    schema = fmt["json_schema"]
    return {"type": "json_schema", "name": schema["name"], "schema": schema.get("schema", {}),
            "strict": bool(schema.get("strict", True))}


def _usage(response: Any) -> dict[str, int]:
    u = getattr(response, "usage", None)
    if u is None:
        return {}
    details = getattr(u, "output_tokens_details", None)
    cached = getattr(getattr(u, "input_tokens_details", None), "cached_tokens", 0) or 0
    return {"prompt_tokens": u.input_tokens, "completion_tokens": u.output_tokens, "total_tokens": u.total_tokens,
            "reasoning_tokens": (getattr(details, "reasoning_tokens", 0) or 0) if details else 0,
            "cached_tokens": cached}


def _finish(response: Any, out: Outcome) -> None:
    status = getattr(response, "status", None)
    out.usage = _usage(response)
    out.model = getattr(response, "model", None) or out.model
    if status == "completed":
        out.finish = "stop"
    elif status == "incomplete":
        reason = getattr(getattr(response, "incomplete_details", None), "reason", None)
        out.finish = "length" if reason == "max_output_tokens" else "content_filter"
    elif status in GONE:
        error = getattr(response, "error", None)
        raise Gone(getattr(error, "message", None) or f"the response is {status}")


async def _consume(events: AsyncIterator[Any], out: Outcome, on_text: OnText | None,
                   on_created: OnCreated | None) -> None:
    async for event in events:
        kind = event.type
        seq = getattr(event, "sequence_number", None)
        if isinstance(seq, int):
            if seq <= out.sequence:
                continue  # read before the resume: a server that replays from the start
            # Set with the text below, before any await: a checkpoint sees both or neither. Only
            # the text is checkpointed, so once a refusal starts the position stays before it
            # and a resume reads the refusal whole.
            if not out.refusal and kind != "response.refusal.delta":
                out.sequence = seq
        if kind == "response.created" and out.response_id is None:
            out.response_id = event.response.id
            if on_created is not None:
                await on_created(out.response_id)
        elif kind == "response.output_text.delta":
            out.parts.append(event.delta)
            if on_text is not None:
                await on_text(event.delta)
        elif kind == "response.refusal.delta":
            out.refusal.append(event.delta)
        elif kind in ("response.completed", "response.incomplete", "response.failed", "response.cancelled"):
            _finish(event.response, out)
            return


async def create(client: AsyncOpenAI, model: str, messages: list[dict[str, str]], fmt: ResponseFormatJSONSchema,
                 max_tokens: int, out: Outcome, on_text: OnText | None, on_created: OnCreated | None,
                 timeout: Any) -> None:
    stream = await client.responses.create(
        model=model, input=cast(Any, messages), text=cast(Any, {"format": text_format(fmt)}),
        max_output_tokens=max_tokens, background=True, store=True, stream=True, timeout=timeout)
    async with stream:
        try:
            await _consume(stream, out, on_text, on_created)
        except Gone as exc:
            raise EngineError(f"OpenAI could not finish the answer: {exc}") from None


async def reattach(client: AsyncOpenAI, out: Outcome, on_text: OnText | None, timeout: Any) -> None:
    """The whole answer of a response an earlier attempt left in flight (`out`, from
    Outcome.resumed): the text it read, then the stream after the sequence number it read up to;
    or, when the stream can no longer be resumed, the response polled until it is done. Raises
    Gone when it cannot be had."""
    assert out.response_id is not None
    response_id = out.response_id
    try:
        # Sequence numbers start at 0 with response.created, which a re-attach does not need.
        stream = await client.responses.retrieve(response_id, stream=True, starting_after=max(0, out.sequence),
                                                 timeout=timeout)
    except openai.NotFoundError as exc:
        raise Gone(f"the response is gone ({exc.message})") from None
    except openai.BadRequestError as exc:  # "can no longer be streamed": poll it instead
        log.info("response %s can no longer be streamed (%s); polling it", response_id, exc.message)
        await _poll(client, response_id, out, on_text, timeout, seen="")
        return
    if on_text is not None and out.text:
        await on_text(out.text)  # the stored part, now that the response is known to be there
    async with stream:
        await _consume(stream, out, on_text, None)
    if out.finish is None:  # the stream closed early (a dropped connection): the response may run on
        log.info("the stream of response %s ended before its answer; polling it", response_id)
        await _poll(client, response_id, out, on_text, timeout, seen=out.text)


async def _poll(client: AsyncOpenAI, response_id: str, out: Outcome, on_text: OnText | None, timeout: Any,
                seen: str) -> None:
    """Retrieve the response until it is done; `seen` is the text on_text was given already."""
    while True:
        try:
            response = await client.responses.retrieve(response_id, timeout=timeout)
        except openai.NotFoundError as exc:
            raise Gone(f"the response is gone ({exc.message})") from None
        if response.status in ("queued", "in_progress"):
            await asyncio.sleep(POLL_S)
            continue
        # The whole answer replaces what was read; it has no stream position to checkpoint.
        out.parts, out.refusal, out.sequence = [], [], -1
        for item in response.output or []:
            for part in getattr(item, "content", None) or []:
                if getattr(part, "type", "") == "output_text":
                    out.parts.append(part.text)
                elif getattr(part, "type", "") == "refusal":
                    out.refusal.append(part.refusal)
        rest = out.text[len(seen):] if out.text.startswith(seen) else out.text
        if on_text is not None and rest:
            await on_text(rest)
        _finish(response, out)
        return


async def cancel(client: AsyncOpenAI, response_id: str) -> None:
    """Cancel on OpenAI's side; shielded, so the caller's own cancellation does not cut it short."""
    try:
        await asyncio.wait_for(asyncio.shield(client.responses.cancel(response_id)), CANCEL_TIMEOUT_S)
        log.info("cancelled response %s", response_id)
    except (openai.APIError, TimeoutError) as exc:
        log.warning("could not cancel response %s: %s", response_id, exc)
