"""The Chat Completions transport (NOWVA_OPENAI_API=chat, and `auto` when OPENAI_BASE_URL names
another server: most OpenAI-compatible servers speak only this API): one streamed call with a
strict JSON schema. A stream lost with its worker is lost; the retry asks again."""

from __future__ import annotations

import logging
import time
from typing import Any, cast

import httpx2
import openai
from openai import AsyncStream
from openai.types.shared_params import ResponseFormatJSONSchema

from app.settings import Settings
from jobs.engines.base import EngineError, StoredStep
from jobs.engines.llm.answers import Answer, OnText, Tally
from jobs.engines.llm.clients import describe, new_client

log = logging.getLogger(__name__)

SHARD_CALLS = 64


def usage_of(chunk: dict[str, Any]) -> dict[str, int]:
    u = chunk.get("usage")
    if not u:
        return {}
    reasoning = (u.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
    cached = (u.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    return {"prompt_tokens": u.get("prompt_tokens") or 0, "completion_tokens": u.get("completion_tokens") or 0,
            "total_tokens": u.get("total_tokens") or 0, "reasoning_tokens": reasoning, "cached_tokens": cached}


class ChatTransport:
    """Chat Completions calls go through several clients of at most SHARD_CALLS calls each:
    with the default httpcore transport, its pool walked every connection it held each time a
    request started or a response closed, and with 2,000 streams open in one pool those walks
    were a fifth of the worker's CPU. Kept with the aiohttp transport (the figures in
    tests/perf/RESULTS.md were measured so): small connectors, each with its own limit. A call
    takes the client with the fewest calls open, so none holds more than its share."""

    def __init__(self, settings: Settings, timeout: httpx2.Timeout) -> None:
        self._settings, self._model, self._timeout = settings, settings.openai_model, timeout
        shards = -(-settings.openai_max_concurrency // SHARD_CALLS)
        per_shard = -(-settings.openai_max_concurrency // shards)
        keepalive = max(4, -(-min(100, settings.openai_max_concurrency) // shards))
        self._clients = [new_client(settings, httpx2.Limits(max_connections=per_shard + 4,
                                                            max_keepalive_connections=keepalive), timeout)
                         for _ in range(shards)]
        self._open = [0] * shards

    async def aclose(self) -> None:
        for client in self._clients:
            await client.close()

    async def call(self, messages: list[dict[str, str]], fmt: ResponseFormatJSONSchema, max_tokens: int,
                   tally: Tally, on_text: OnText | None, what: str, step: tuple[str, int] | None,
                   reattach: StoredStep | None) -> Answer:
        # `step` and `reattach` are the Responses transport's: a chat stream cannot be resumed.
        parts: list[str] = []
        refusal: list[str] = []
        finish: str | None = None
        usage: dict[str, float] = {"calls": 1}
        response_id: str | None = None
        started = time.monotonic()
        streaming = False
        shard = min(range(len(self._clients)), key=self._open.__getitem__)
        self._open[shard] += 1
        try:
            # The SDK's own request path (its retries, timeouts and errors), with the body it
            # would build from these arguments (plain JSON: the SDK's transform leaves it as it
            # is) and chunks left as the dicts json.loads makes: constructing a
            # ChatCompletionChunk model per chunk was a sixth of the worker's CPU.
            body = {"model": self._model, "messages": messages, "response_format": fmt,
                    "max_completion_tokens": max_tokens, "stream": True, "stream_options": {"include_usage": True}}
            stream = await self._clients[shard].post("/chat/completions", body=body, cast_to=object, stream=True,
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
            self._open[shard] -= 1
        await tally.record(usage)
        text = "".join(parts)
        log.info("openai %s done in %.1fs: model %s, finish %s, %d chars, usage %s", what,
                 time.monotonic() - started, tally.model, finish, len(text), usage)
        return Answer(text, "".join(refusal), finish, response_id, tally.model, usage)
