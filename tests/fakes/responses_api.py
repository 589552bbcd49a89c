"""The Responses API of the fake server (tests/fakes/openai_server.py), with background mode.

    POST /v1/responses                       {background, store, stream, input, text.format, max_output_tokens}
    GET  /v1/responses/{id}                  the response object (status, output, usage)
    GET  /v1/responses/{id}?stream=true&starting_after=N   its events after sequence number N
    POST /v1/responses/{id}/cancel           cancels a background response

A background response is generated on the server's side at the fake's pace whoever listens: a
client that hangs up loses nothing, and a stream opened later replays its events from any
sequence number. Past `fake.resume_window_s` after its creation a stream can no longer be opened
(as users report of OpenAI after about 5 minutes); retrieving it still works. The answer comes from
the fake's queue, faults and default like every other reply: Text (its finish_reason "length" or
"content_filter" ends the response `incomplete` for that reason), Refusal, HttpError, Failed (the
response fails on the server's side after `after_chars` of its text), or Hang (never finishes).
What was created, resumed (with which starting_after), retrieved and cancelled is logged on each
response.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fakes.openai_server import Hang, HttpError, Refusal, Text

if TYPE_CHECKING:
    from tests.fakes.openai_server import Request, _Exchange

TERMINAL = ("completed", "incomplete", "failed", "cancelled")
INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


@dataclass
class Failed:
    """A background response that fails on OpenAI's side, part way through its answer."""

    text: str
    message: str = "The server had an error processing your request. Sorry about that!"
    code: str = "server_error"
    after_chars: int = 200


@dataclass
class Stored:
    """One stored response and its events."""

    id: str
    request: Request
    created_at: float  # time.monotonic()
    status: str = "queued"
    events: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""
    refusal: str = ""
    output_tokens: int = 0
    incomplete_reason: str | None = None
    error: dict[str, str] | None = None
    resumed: int = 0  # streams opened again after the first
    resumed_after: list[int] = field(default_factory=list)  # each one's starting_after (-1: none given)
    retrieved: int = 0
    cancelled_at: float | None = None
    finished_at: float | None = None  # when its last event was written
    task: asyncio.Task[None] | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    def emit(self, kind: str, **data: Any) -> None:
        self.events.append({"type": kind, "sequence_number": len(self.events), **data})
        self.changed.set()
        self.changed = asyncio.Event()

    def snapshot(self) -> dict[str, Any]:
        content: list[dict[str, Any]] = []
        if self.text:
            content.append({"type": "output_text", "text": self.text, "annotations": [], "logprobs": []})
        if self.refusal:
            content.append({"type": "refusal", "refusal": self.refusal})
        output = [{"id": f"msg_{self.id[5:]}", "type": "message", "role": "assistant",
                   "status": "completed" if self.done else "in_progress", "content": content}] if content else []
        body = self.request.body
        prompt = max(1, len(json.dumps(body.get("input", ""))) // 4)
        usage = None if not self.done else {
            "input_tokens": prompt, "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": self.output_tokens, "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": prompt + self.output_tokens}
        return {"id": self.id, "object": "response", "created_at": int(time.time()), "status": self.status,
                "background": bool(body.get("background")), "model": body.get("model", ""), "output": output,
                "usage": usage, "error": self.error,
                "incomplete_details": {"reason": self.incomplete_reason} if self.incomplete_reason else None,
                "max_output_tokens": body.get("max_output_tokens"), "parallel_tool_calls": False,
                "tool_choice": "auto", "tools": [], "text": body.get("text") or {}, "store": bool(body.get("store"))}


async def _generate(fake: Any, stored: Stored, reply: Text | Refusal | Hang | Failed) -> None:
    """Write the answer's events at the fake's pace, listened to or not."""
    stored.status = "in_progress"
    stored.emit("response.created", response=stored.snapshot())
    stored.emit("response.in_progress", response=stored.snapshot())
    if isinstance(reply, Hang):
        await asyncio.Event().wait()  # never finishes (until cancelled)
    item_id = f"msg_{stored.id[5:]}"
    stored.emit("response.output_item.added", output_index=0,
                item={"id": item_id, "type": "message", "role": "assistant", "status": "in_progress", "content": []})
    pace = (reply.pace if isinstance(reply, Text) else None) or fake.pace
    refusing = isinstance(reply, Refusal)
    text = reply.message if isinstance(reply, Refusal) else reply.text[:reply.after_chars] \
        if isinstance(reply, Failed) else reply.content
    limit = stored.request.max_tokens
    chars_per_token = pace.chars_per_token if pace is not None else 4.0
    if not refusing and limit is not None and math.ceil(len(text) / chars_per_token) > limit:
        text, stored.incomplete_reason = text[:int(limit * chars_per_token)], "max_output_tokens"
    elif isinstance(reply, Text) and reply.finish_reason in INCOMPLETE:
        stored.incomplete_reason = INCOMPLETE[reply.finish_reason]
    part = {"type": "refusal", "refusal": ""} if refusing else {"type": "output_text", "text": "", "annotations": []}
    stored.emit("response.content_part.added", item_id=item_id, output_index=0, content_index=0, part=part)
    size, delay = (pace.chunk_chars, pace.chunk_s) if pace is not None else \
        (40, 0.0) if isinstance(reply, Failed) else (reply.chunk_size, reply.delay)
    if pace is not None:
        await asyncio.sleep(pace.ttft_s)
    for i in range(0, len(text), max(1, size)):
        if i and delay:
            await asyncio.sleep(delay)
        piece = text[i:i + size]
        stored.output_tokens += math.ceil(len(piece) / chars_per_token)
        if refusing:
            stored.refusal += piece
            stored.emit("response.refusal.delta", item_id=item_id, output_index=0, content_index=0, delta=piece)
        else:
            stored.text += piece
            stored.emit("response.output_text.delta", item_id=item_id, output_index=0, content_index=0, delta=piece,
                        logprobs=[])
    if isinstance(reply, Failed):
        stored.status, stored.error = "failed", {"code": reply.code, "message": reply.message}
        stored.emit("response.failed", response=stored.snapshot())
        return
    if refusing:
        stored.emit("response.refusal.done", item_id=item_id, output_index=0, content_index=0, refusal=text)
    else:
        stored.emit("response.output_text.done", item_id=item_id, output_index=0, content_index=0, text=text,
                    logprobs=[])
    stored.status = "incomplete" if stored.incomplete_reason else "completed"
    stored.finished_at = time.monotonic()
    stored.emit(f"response.{stored.status}", response=stored.snapshot())


async def answer_responses(ex: _Exchange) -> None:
    req, fake = ex.request, ex.fake
    parts = req.path.rstrip("/").split("/")  # ["", "v1", "responses", id?, "cancel"?]
    if req.method == "POST" and len(parts) == 3:
        return await _create(ex)
    stored: Stored | None = fake.responses.get(parts[3]) if len(parts) > 3 else None
    if stored is None:
        return await ex._error(HttpError(404, f"No response found with id '{parts[3] if len(parts) > 3 else ''}'.",
                                         code="not_found", param="response_id"))
    if req.method == "POST" and parts[-1] == "cancel":
        if not stored.request.body.get("background"):
            return await ex._error(HttpError(400, "Only background responses can be cancelled."))
        if not stored.done:
            stored.cancelled_at = time.monotonic()
            if stored.task is not None:
                stored.task.cancel()
            stored.status = "cancelled"
            stored.emit("response.cancelled", response=stored.snapshot())
        return await ex._json(200, stored.snapshot())
    if req.query.get("stream") == "true":
        if time.monotonic() - stored.created_at > fake.resume_window_s:
            return await ex._error(HttpError(400, "This response can no longer be streamed because it is more than "
                                                  f"{fake.resume_window_s:g} seconds old.", code="stream_expired"))
        after = int(req.query.get("starting_after", -1))
        stored.resumed += 1
        stored.resumed_after.append(after)
        return await _stream(ex, stored, after)
    stored.retrieved += 1
    return await ex._json(200, stored.snapshot())


async def _create(ex: _Exchange) -> None:
    req, fake = ex.request, ex.fake
    reply = await fake._next_reply(req)
    if isinstance(reply, HttpError):
        return await ex._error(reply)
    if not isinstance(reply, (Text, Refusal, Hang, Failed)):
        return await ex._error(HttpError(500, "fake openai: tool calls are not served on /v1/responses",
                                         type="server_error"))
    stored = Stored("resp_" + secrets.token_hex(12), req, time.monotonic())
    fake.responses[stored.id] = stored
    stored.task = asyncio.create_task(_generate(fake, stored, reply))
    if not req.body.get("background"):
        # Tied to this connection: hanging up ends it, as for a foreground response.
        ex_gone = asyncio.ensure_future(req.disconnected)
        ex_gone.add_done_callback(lambda _: stored.task.cancel() if stored.task and not stored.done else None)
    if req.stream:
        return await _stream(ex, stored, -1)
    if not req.body.get("background"):
        await stored.task
    return await ex._json(200, stored.snapshot())


async def _stream(ex: _Exchange, stored: Stored, after: int) -> None:
    """The events after `after`, as they are written, until the response ends or the client leaves."""
    await ex._start(200, "text/event-stream; charset=utf-8")
    at = after + 1
    while True:
        while at < len(stored.events):
            event = stored.events[at]
            at += 1
            if event["type"] == "response.output_text.delta":
                ex.request.first_token_at = ex.request.first_token_at or time.monotonic()
                ex.request.tokens_sent += math.ceil(len(event["delta"]) / 4)
            if not await ex._event(event):
                return
        if stored.done:
            break
        waiters = {asyncio.ensure_future(stored.changed.wait()), asyncio.ensure_future(ex.request.disconnected)}
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()
        if ex.request._gone.is_set():
            return
    ex.request.finished_at = time.monotonic()
    with contextlib.suppress(Exception):
        await ex._body(b"", more=False)
