"""A scriptable OpenAI-compatible server for tests: real HTTP on 127.0.0.1, real wire format.

It speaks Chat Completions (`POST /v1/chat/completions`) the way the OpenAI API does, so the
official SDK (and livekit-plugins-openai, which uses it) can be pointed at it unchanged:
streamed SSE chunks (`data: {"object": "chat.completion.chunk", ...}` ... a chunk with the
finish_reason, a usage chunk when `stream_options.include_usage` is set, then `data: [DONE]`),
or one `chat.completion` object when the caller sends `stream: false`. Errors use OpenAI's
body shape `{"error": {"message", "type", "param", "code"}}`. `GET /v1/models` lists the model.

Usage:

    async with FakeOpenAI() as fake:
        client = AsyncOpenAI(base_url=fake.base_url, api_key="test")   # fake.url + "/v1"
        fake.push(Text('{"ok": true}', chunk_size=4, delay=0.01))      # one reply per request, in order
        fake.push(ToolCalls([ToolCall("get_weather", {"city": "Paris"})]))
        fake.push(rate_limited(retry_after=1), Text("hello"))
        ...
        fake.requests[0].body["model"]         # every request is recorded, body parsed
        await fake.requests[0].disconnected    # or .disconnected_at: when the client hung up early

Replies (each answers one request; when the queue is empty, `default` answers, else a 500
"no scripted reply" so a test that asks more than it scripted fails loudly):

    Text(content, chunk_size=40, delay=0.0, finish_reason="stop", usage=None, model=None)
        plain assistant text; finish_reason "length" gives a truncated answer.
    Refusal(message, chunk_size=40, delay=0.0)        delta.refusal chunks, finish_reason "stop".
    ToolCalls([ToolCall(name, arguments, id=None)], content=None, chunk_size=40, delay=0.0)
        `arguments` is a JSON string or a dict; streamed as delta.tool_calls with the id, type and
        name first and the arguments in fragments, finish_reason "tool_calls". `content` is text
        sent before the calls.
    HttpError(status, message, type="invalid_request_error", code=None, param=None, headers={})
        helpers: rate_limited(retry_after), insufficient_quota(), server_error(status=500).
    Hang(after=None)
        never answers (until the client disconnects or the server stops); with `after=Text(...)`
        it sends the headers and that reply's content chunks first, then hangs mid-stream.
    a callable Request -> Reply, for replies that depend on what was asked.

`delay` is slept before each chunk. `usage` (prompt/completion token counts) defaults to a
rough count of characters / 4. `model` defaults to the request's model.

A real model's pace (`FakeOpenAI(pace=Pace(ttft_s=1.0, tokens_per_s=100.0))`): every streamed or
plain Text and Refusal answer then waits `ttft_s` before its first token and sends its text at
`tokens_per_s` per stream (a token is `chars_per_token` characters), one chunk every `chunk_s`;
their own chunk_size and delay are ignored. There is no limit on concurrent streams. A request's
`max_completion_tokens` (or `max_tokens`) is honoured: a longer answer is cut there with
finish_reason "length", as the API does. Tests run it fast (`Pace(0.05, 5000)`), benchmarks at
the defaults.

Faults on demand, for the next request(s) a predicate picks, ahead of the queue and the default:

    fake.inject(lambda r: "block 2" in r.messages[-1]["content"], Hang(), times=1)

Every request is logged in `fake.requests`: what was asked, when the first token went out
(`first_token_at`), how many output tokens were sent (`tokens_sent`, also for a stream the client
cut), when it finished or the client hung up. An async callable may be a responder too.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import math
import secrets
import socket
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import uvicorn

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


# ---------------------------------------------------------------- replies


@dataclass
class Text:
    content: str
    chunk_size: int = 40
    delay: float = 0.0
    finish_reason: str = "stop"
    usage: Mapping[str, int] | None = None
    model: str | None = None
    pace: Pace | None = None  # this answer's own pace, instead of the server's


@dataclass
class Refusal:
    message: str
    chunk_size: int = 40
    delay: float = 0.0
    usage: Mapping[str, int] | None = None
    model: str | None = None


@dataclass
class ToolCall:
    name: str
    arguments: str | Mapping[str, Any]
    id: str | None = None

    @property
    def arguments_json(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)


@dataclass
class ToolCalls:
    calls: list[ToolCall]
    content: str | None = None
    chunk_size: int = 40
    delay: float = 0.0
    usage: Mapping[str, int] | None = None
    model: str | None = None


@dataclass
class HttpError:
    status: int
    message: str
    type: str = "invalid_request_error"
    code: str | None = None
    param: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Hang:
    after: Text | Refusal | ToolCalls | None = None


Reply = Text | Refusal | ToolCalls | HttpError | Hang
Responder = Callable[["Request"], "Reply | Awaitable[Reply]"]


@dataclass(frozen=True)
class Pace:
    """How fast the modelled model answers (see the module docstring)."""

    ttft_s: float = 1.0
    tokens_per_s: float = 100.0
    chars_per_token: float = 4.0
    chunk_s: float = 0.1

    def tokens(self, text: str) -> int:
        return math.ceil(len(text) / self.chars_per_token)

    @property
    def chunk_chars(self) -> int:
        return max(1, round(self.tokens_per_s * self.chunk_s * self.chars_per_token))


@dataclass
class Fault:
    matches: Callable[[Request], bool]
    reply: Reply | Responder
    times: int


def rate_limited(retry_after: float | None = 1.0) -> HttpError:
    headers = {} if retry_after is None else {"retry-after": f"{retry_after:g}"}
    return HttpError(429, "Rate limit reached for requests. Please try again later.", type="requests",
                     code="rate_limit_exceeded", headers=headers)


def insufficient_quota() -> HttpError:
    return HttpError(429, "You exceeded your current quota, please check your plan and billing details.",
                     type="insufficient_quota", code="insufficient_quota")


def server_error(status: int = 500) -> HttpError:
    return HttpError(status, "The server had an error while processing your request. Sorry about that!",
                     type="server_error")


# ---------------------------------------------------------------- what was asked


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    received_at: float  # time.monotonic()
    chunks_sent: int = 0
    first_token_at: float | None = None
    tokens_sent: int = 0  # output tokens sent so far (paced answers), also when the client hung up
    finished_at: float | None = None  # the whole answer was sent
    disconnected_at: float | None = None  # the client hung up before the answer was complete
    query: dict[str, str] = field(default_factory=dict)
    _gone: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Chat Completions' `messages`, or the Responses API's `input` messages."""
        items = self.body.get("messages", self.body.get("input", []))
        return list(items) if isinstance(items, list) else [{"role": "user", "content": str(items)}]

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    @property
    def disconnected(self) -> Awaitable[bool]:
        return self._gone.wait()

    @property
    def max_tokens(self) -> int | None:
        value = self.body.get("max_completion_tokens", self.body.get("max_tokens", self.body.get("max_output_tokens")))
        return int(value) if isinstance(value, int) else None

    @property
    def text(self) -> str:
        """Every message's text, for predicates and responders."""
        return "\n".join(str(m.get("content") or "") for m in self.messages)


# ---------------------------------------------------------------- the server


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the test process owns its signals


class FakeOpenAI:
    def __init__(self, *, default: Reply | Responder | None = None, model: str = "gpt-fake",
                 pace: Pace | None = None) -> None:
        self.default = default
        self.model = model
        self.pace = pace
        self.requests: list[Request] = []
        self._queue: list[Reply | Responder] = []
        self._faults: list[Fault] = []
        # The Responses API (tests/fakes/responses_api.py): stored responses by id, generated in
        # the background whoever listens; streams older than the window can no longer be resumed.
        self.responses: dict[str, Any] = {}
        self.resume_window_s = 300.0
        self._closing = asyncio.Event()
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._sock: socket.socket | None = None
        self.url = ""

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def push(self, *replies: Reply | Responder) -> None:
        self._queue.extend(replies)

    def inject(self, matches: Callable[[Request], bool], reply: Reply | Responder, times: int = 1) -> None:
        """Answer the next `times` requests that `matches` picks with `reply` (a fault on demand)."""
        self._faults.append(Fault(matches, reply, times))

    @property
    def pending(self) -> int:
        """Scripted replies not used yet."""
        return len(self._queue)

    async def wait_for_requests(self, n: int, within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        while len(self.requests) < n:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {n} requests, got {len(self.requests)}")
            await asyncio.sleep(0.01)

    async def __aenter__(self) -> FakeOpenAI:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        config = uvicorn.Config(self, lifespan="off", log_config=None, access_log=False, ws="none",
                                timeout_graceful_shutdown=1)
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[self._sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.005)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing.set()  # ends every hang
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await asyncio.wait_for(self._task, timeout=10)
        if self._sock is not None:
            self._sock.close()

    # ---- ASGI

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        try:
            parsed = json.loads(body) if body else {}
        except ValueError:
            parsed = {"_raw": body.decode(errors="replace")}
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        query = dict(urllib.parse.parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        request = Request(scope["method"], scope["path"], headers, parsed, time.monotonic(), query=query)
        self.requests.append(request)
        exchange = _Exchange(self, request, receive, send)
        async with exchange.watching():
            await exchange.answer()

    async def _next_reply(self, request: Request) -> Reply:
        item: Reply | Responder | None = None
        for fault in self._faults:
            if fault.times > 0 and fault.matches(request):
                fault.times -= 1
                item = fault.reply
                break
        else:
            item = self._queue.pop(0) if self._queue else self.default
        if item is None:
            return HttpError(500, "fake openai: no scripted reply left", type="server_error")
        if callable(item) and not isinstance(item, (Text, Refusal, ToolCalls, HttpError, Hang)):
            answer = item(request)
            return await answer if inspect.isawaitable(answer) else answer
        return item


class _Exchange:
    """One request and its answer; notices when the client hangs up."""

    def __init__(self, fake: FakeOpenAI, request: Request, receive: Receive, send: Send) -> None:
        self.fake, self.request, self._receive, self._send = fake, request, receive, send
        self.id = "chatcmpl-" + secrets.token_hex(12)
        self.created = int(time.time())

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[None]:
        watcher = asyncio.create_task(self._watch())
        try:
            yield
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    async def _watch(self) -> None:
        while (await self._receive())["type"] != "http.disconnect":
            pass
        # The server also reports "disconnect" once the answer is complete: not a hang-up.
        if self.request.finished_at is None:
            self.request.disconnected_at = time.monotonic()
            self.request._gone.set()

    async def _wait(self, seconds: float | None) -> bool:
        """Sleep (None: until the end); False if the client left or the server is closing."""
        gone = asyncio.ensure_future(self.request._gone.wait())
        closing = asyncio.ensure_future(self.fake._closing.wait())
        try:
            done, _ = await asyncio.wait({gone, closing}, timeout=seconds,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
            closing.cancel()
        return not done

    async def answer(self) -> None:
        req = self.request
        if req.method == "GET" and req.path == "/v1/models":
            return await self._json(200, {"object": "list", "data": [
                {"id": self.fake.model, "object": "model", "created": self.created, "owned_by": "fake"}]})
        if req.path.startswith("/v1/responses"):
            from tests.fakes.responses_api import answer_responses

            return await answer_responses(self)
        if req.method != "POST" or req.path != "/v1/chat/completions":
            return await self._error(HttpError(404, f"Unknown request URL: {req.method} {req.path}.",
                                               code="unknown_url"))
        reply = self._paced(await self.fake._next_reply(req))
        if isinstance(reply, HttpError):
            return await self._error(reply)
        if isinstance(reply, Hang) and (reply.after is None or not req.stream):
            await self._wait(None)
            return
        if not req.stream:
            assert not isinstance(reply, Hang)
            return await self._complete(reply)
        await self._stream(reply)

    def _pace_of(self, reply: object) -> Pace | None:
        return (reply.pace if isinstance(reply, Text) else None) or self.fake.pace

    def _paced(self, reply: Reply) -> Reply:
        """The reply at the modelled pace, cut at the request's token limit."""
        pace = self._pace_of(reply)
        if pace is None or not isinstance(reply, (Text, Refusal)):
            return reply
        limit = self.request.max_tokens
        if isinstance(reply, Text) and limit is not None and pace.tokens(reply.content) > limit:
            reply = replace(reply, content=reply.content[:int(limit * pace.chars_per_token)],
                            finish_reason="length")
        return replace(reply, chunk_size=pace.chunk_chars, delay=pace.chunk_s)

    # ---- plain JSON answers

    async def _json(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        body = json.dumps(payload).encode()
        await self._start(status, "application/json", headers)
        self.request.finished_at = time.monotonic()
        await self._body(body, more=False)

    async def _error(self, e: HttpError) -> None:
        await self._json(e.status, {"error": {"message": e.message, "type": e.type, "param": e.param,
                                              "code": e.code}}, e.headers)

    async def _complete(self, reply: Text | Refusal | ToolCalls) -> None:
        pace = self._pace_of(reply)
        if pace is not None and not isinstance(reply, ToolCalls) and not await self._wait(pace.ttft_s):
            return
        if reply.delay:
            chunks = len(list(_pieces(_text_of(reply), reply.chunk_size)))
            if not await self._wait(reply.delay * chunks):
                return
        if pace is not None:
            self.request.tokens_sent = pace.tokens(_text_of(reply))
        message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None, "annotations": []}
        finish = "stop"
        if isinstance(reply, Text):
            message["content"], finish = reply.content, reply.finish_reason
        elif isinstance(reply, Refusal):
            message["refusal"] = reply.message
        else:
            message["content"], finish = reply.content, "tool_calls"
            message["tool_calls"] = [{"id": c.id or _call_id(), "type": "function",
                                      "function": {"name": c.name, "arguments": c.arguments_json}}
                                     for c in reply.calls]
        await self._json(200, {
            "id": self.id, "object": "chat.completion", "created": self.created, "model": self._model(reply),
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
            "usage": self._usage(reply), "service_tier": "default", "system_fingerprint": "fp_fake"})

    # ---- streamed answers

    async def _stream(self, reply: Reply) -> None:
        hang = isinstance(reply, Hang)
        source = reply.after if isinstance(reply, Hang) else reply
        assert source is not None and not isinstance(source, (HttpError, Hang))
        opts = self.request.body.get("stream_options") or {}
        with_usage = bool(opts.get("include_usage"))
        await self._start(200, "text/event-stream; charset=utf-8")
        pace = self._pace_of(source) if not isinstance(source, ToolCalls) else None
        first = True
        for delay, choice in self._choices(source):
            piece = choice["delta"].get("content") or choice["delta"].get("refusal") or ""
            if pace is not None and piece and first:
                # Time to first token, then the steady rate: the first piece waits the TTFT
                # instead of a chunk interval.
                delay, first = pace.ttft_s, False
            if delay and not await self._wait(delay):
                return
            if not await self._event(self._chunk(source, [choice], with_usage)):
                return
            if piece:
                self.request.first_token_at = self.request.first_token_at or time.monotonic()
                if pace is not None:
                    self.request.tokens_sent += pace.tokens(piece)
        if hang:
            await self._wait(None)
            return
        if not await self._event(self._chunk(source, [self._final(source)], with_usage)):
            return
        if with_usage:
            chunk = self._chunk(source, [], with_usage)
            chunk["usage"] = self._usage(source)
            if not await self._event(chunk):
                return
        self.request.finished_at = time.monotonic()
        with contextlib.suppress(Exception):
            await self._body(b"data: [DONE]\n\n", more=False)

    def _choices(self, r: Text | Refusal | ToolCalls) -> Iterator[tuple[float, dict[str, Any]]]:
        """(delay, choice) for every chunk but the final one, as the API orders them."""
        def choice(delta: dict[str, Any]) -> dict[str, Any]:
            return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}

        if isinstance(r, Text):
            yield 0.0, choice({"role": "assistant", "content": "", "refusal": None})
            for piece in _pieces(r.content, r.chunk_size):
                yield r.delay, choice({"content": piece})
        elif isinstance(r, Refusal):
            yield 0.0, choice({"role": "assistant", "content": None, "refusal": ""})
            for piece in _pieces(r.message, r.chunk_size):
                yield r.delay, choice({"refusal": piece})
        else:
            first: dict[str, Any] = {"role": "assistant", "content": "" if r.content else None,
                                     "refusal": None}
            if r.content:
                yield 0.0, choice(first)
                for piece in _pieces(r.content, r.chunk_size):
                    yield r.delay, choice({"content": piece})
                first = {}
            for i, call in enumerate(r.calls):
                head = {"index": i, "id": call.id or _call_id(), "type": "function",
                        "function": {"name": call.name, "arguments": ""}}
                yield (r.delay if i or r.content else 0.0), choice({**first, "tool_calls": [head]})
                first = {}
                for piece in _pieces(call.arguments_json, r.chunk_size):
                    yield r.delay, choice({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})

    def _final(self, r: Text | Refusal | ToolCalls) -> dict[str, Any]:
        finish = ("stop" if isinstance(r, Refusal) else "tool_calls" if isinstance(r, ToolCalls)
                  else r.finish_reason)
        return {"index": 0, "delta": {}, "logprobs": None, "finish_reason": finish}

    def _chunk(self, r: Text | Refusal | ToolCalls, choices: list[dict[str, Any]],
               with_usage: bool) -> dict[str, Any]:
        chunk: dict[str, Any] = {"id": self.id, "object": "chat.completion.chunk", "created": self.created,
                                 "model": self._model(r), "service_tier": "default",
                                 "system_fingerprint": "fp_fake", "choices": choices}
        if with_usage:
            chunk["usage"] = None  # the API sends null on every chunk but the last when asked for usage
        return chunk

    def _model(self, r: Text | Refusal | ToolCalls) -> str:
        return r.model or self.request.model or self.fake.model

    def _usage(self, r: Text | Refusal | ToolCalls) -> dict[str, Any]:
        if r.usage is not None:
            prompt, completion = r.usage.get("prompt_tokens", 0), r.usage.get("completion_tokens", 0)
        elif self.fake.pace is not None:
            prompt = self.fake.pace.tokens(json.dumps(self.request.messages))
            completion = max(1, self.fake.pace.tokens(_text_of(r)))
        else:
            prompt = max(1, len(json.dumps(self.request.messages)) // 4)
            completion = max(1, len(_text_of(r)) // 4)
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                              "accepted_prediction_tokens": 0,
                                              "rejected_prediction_tokens": 0}}

    # ---- ASGI plumbing

    async def _start(self, status: int, content_type: str, extra: Mapping[str, str] | None = None) -> None:
        headers = [(b"content-type", content_type.encode()),
                   (b"x-request-id", b"req_" + secrets.token_hex(8).encode()),
                   (b"openai-version", b"2020-10-01"), (b"openai-processing-ms", b"1")]
        headers += [(k.lower().encode(), v.encode()) for k, v in (extra or {}).items()]
        await self._send({"type": "http.response.start", "status": status, "headers": headers})

    async def _body(self, data: bytes, more: bool) -> None:
        await self._send({"type": "http.response.body", "body": data, "more_body": more})

    async def _event(self, payload: dict[str, Any]) -> bool:
        """Send one SSE event; False if the client is gone."""
        if self.request._gone.is_set():
            return False
        try:
            await self._body(b"data: " + json.dumps(payload).encode() + b"\n\n", more=True)
        except Exception:  # the connection went away under us
            return False
        self.request.chunks_sent += 1
        return True


def _pieces(text: str, size: int) -> Iterator[str]:
    size = max(1, size)
    for i in range(0, len(text), size):
        yield text[i:i + size]


def _text_of(r: Text | Refusal | ToolCalls) -> str:
    if isinstance(r, Text):
        return r.content
    if isinstance(r, Refusal):
        return r.message
    return (r.content or "") + "".join(c.arguments_json for c in r.calls)


def _call_id() -> str:
    return "call_" + secrets.token_hex(12)
