"""The Responses transport (NOWVA_OPENAI_API=responses, and `auto` on OpenAI itself): every call a
background, stored response (responses.py) whose id is stored with its step as soon as it is
known, so a retried attempt re-attaches to it instead of paying for it again."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx2
import openai
from openai.types.shared_params import ResponseFormatJSONSchema

from app.settings import Settings
from jobs.engines.base import EngineError, StoredStep
from jobs.engines.llm import responses
from jobs.engines.llm.answers import Answer, OnText, Tally
from jobs.engines.llm.clients import describe, new_client

log = logging.getLogger(__name__)

CANCEL_CHECK_S = 5.0


class ResponsesTransport:
    """One client and pool for every background response of the worker."""

    def __init__(self, settings: Settings, timeout: httpx2.Timeout) -> None:
        self._settings, self._model, self._timeout = settings, settings.openai_model, timeout
        # Every call the limiter lets through gets a connection; a few more for the SDK's retries.
        self._client = new_client(settings, httpx2.Limits(
            max_connections=settings.openai_max_concurrency + 16,
            max_keepalive_connections=min(100, settings.openai_max_concurrency)), timeout)

    async def aclose(self) -> None:
        await self._client.close()

    async def call(self, messages: list[dict[str, str]], fmt: ResponseFormatJSONSchema, max_tokens: int,
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
                    await responses.create(self._client, self._model, messages, fmt, max_tokens, out, on_text,
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
