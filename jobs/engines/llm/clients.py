"""The SDK's clients as both transports make them, and the errors a person reads from the SDK's.

Retries, and why they don't multiply: the SDK retries only the opening of a request
(connection errors, timeouts, 408/409/429/5xx; never once the stream has started); the httpx
transport does no retries of its own; the engine never loops over API errors; and the worker
runs another attempt only after a crash or stall. `insufficient_quota` is not retried at all.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai
from openai import AsyncOpenAI

from app.settings import Settings

CONNECT_TIMEOUT_S = 10.0


def timeout_of(settings: Settings) -> httpx2.Timeout:
    return httpx2.Timeout(settings.openai_timeout_s, connect=min(CONNECT_TIMEOUT_S, settings.openai_timeout_s))


def new_client(settings: Settings, limits: httpx2.Limits, timeout: httpx2.Timeout) -> AsyncOpenAI:
    # The SDK's aiohttp transport (the `aiohttp` extra) under its own httpx2 client: the SDK's
    # retries, timeouts, errors and event hooks stay as they are, and reading a stream costs
    # about 38 µs of CPU a chunk instead of 60-78 µs (anyio's cancel scope and httpcore per
    # read). A worker holds ~2,000 streams; OpenAI sends a chunk every token or few.
    return AsyncOpenAI(
        api_key=settings.openai_api_key or "unset",
        base_url=settings.openai_base_url,
        max_retries=settings.openai_max_retries,
        timeout=timeout,
        http_client=openai.DefaultAioHttpClient(
            timeout=timeout, limits=limits, event_hooks={"response": [_no_retry_on_quota]}),
    )


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
