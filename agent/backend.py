"""The agent's small HTTP client of the Nowva API.

Only HTTP: the agent runs on other machines than the service and imports nothing of it.
Every failure becomes a BackendError whose message is a plain sentence the coach can
act on; the docstring of each error class is its default message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal

import httpx
from httpx_sse import SSEError, aconnect_sse

from agent.config import AgentConfig
from agent.errors import (
    AuthRejected,
    BackendError,
    BackendUnavailable,
    FieldError,
    GenerationRunning,
    NotFound,
    RateLimited,
    ValidationFailed,
    error_for,
)

# The errors are agent/errors.py's; named here too, as every caller of the client imports them from it.
__all__ = [
    "AuthRejected",
    "BackendError",
    "BackendUnavailable",
    "FieldError",
    "GenerationRequest",
    "GenerationRunning",
    "JobUpdate",
    "NotFound",
    "NowvaBackend",
    "Program",
    "RateLimited",
    "ValidationFailed",
    "update_from_event",
    "update_from_status",
]

log = logging.getLogger(__name__)

EventType = Literal["status", "progress", "understood", "plan", "block", "revision", "completed", "failed", "cancelled"]
TERMINAL: frozenset[str] = frozenset({"completed", "failed", "cancelled"})


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class GenerationRequest:
    user_id: str
    height_cm: float
    weight_kg: float
    goal_category: str
    goal_raw: str
    duration_weeks: int
    days_per_week: int
    fitness_level: str
    profile: dict[str, Any] | None = None  # what the coach heard (agent/hearing.py); the service adds the words'


@dataclass(frozen=True)
class JobUpdate:
    """One event of a job, or (when polling) a snapshot of its state: the same shape."""

    job_id: str
    seq: int
    type: EventType
    status: str
    progress: int
    stage: str = ""
    message: str = ""
    program_id: str | None = None
    error_message: str | None = None
    attempt: int = 1
    # The program's plan once the service has it (a `plan` event, or the status response), kept
    # on every later update; `block` is the data of a `block` event.
    plan: Mapping[str, Any] | None = None
    block: Mapping[str, Any] | None = None
    blocks_done: int = 0
    # Set when the model failed for good and the service's built-in coach wrote the program instead.
    fallback_reason: str | None = None
    # What the service understood ({profile, unplaced}: an `understood` event, or the status), kept
    # on every later update.
    understood: Mapping[str, Any] | None = None
    # What a revision changed ({said, weeks_changed, ...}: a `revision` event, or the status), kept.
    changes: Mapping[str, Any] | None = None

    @property
    def terminal(self) -> bool:
        return self.type in TERMINAL


@dataclass(frozen=True)
class Program:
    id: str
    name: str
    summary: str
    description: str
    duration_weeks: int
    days_per_week: int
    goal_category: str
    weeks: list[dict[str, Any]] = field(default_factory=list)


# ---------------------------------------------------------------- parsing

_STATUS_OF_TYPE = {"completed": "completed", "failed": "failed", "cancelled": "cancelled"}


def update_from_event(payload: Mapping[str, Any], previous: JobUpdate | None) -> JobUpdate:
    """An SSE event's JSON; fields an event does not carry keep their previous value."""
    kind: EventType = payload["type"]
    data: Mapping[str, Any] = payload.get("data") or {}
    progress = data.get("progress", previous.progress if previous else 0)
    status = data.get("status") or _STATUS_OF_TYPE.get(kind) or "in_progress"
    plan = data if kind == "plan" else previous.plan if previous else None
    block = data if kind == "block" else None
    understood = data if kind == "understood" else previous.understood if previous else None
    changes = data if kind == "revision" else previous.changes if previous else None
    done = int(data.get("done", 0)) if block else previous.blocks_done if previous else 0
    return JobUpdate(
        job_id=str(payload["job_id"]), seq=int(payload["seq"]), type=kind, status=status,
        progress=int(progress), stage=data.get("stage") or (previous.stage if previous else ""),
        message=data.get("message") or "", program_id=data.get("program_id"),
        error_message=data.get("error_message"), attempt=int(data.get("attempt", 1)),
        plan=plan, block=block, blocks_done=done, fallback_reason=data.get("fallback_reason"),
        understood=understood, changes=changes,
    )


def update_from_status(body: Mapping[str, Any]) -> JobUpdate:
    status: str = body["status"]
    kind: EventType = status if status in TERMINAL else "progress"  # type: ignore[assignment]
    return JobUpdate(
        job_id=str(body["job_id"]), seq=int(body["seq"]), type=kind, status=status,
        progress=int(body["progress"]), stage=body.get("stage") or "", program_id=body.get("program_id"),
        error_message=body.get("error_message"), attempt=int(body.get("attempt") or 1),
        plan=body.get("plan"), blocks_done=int(body.get("blocks_done") or 0),
        fallback_reason=body.get("fallback_reason"),
        understood=({"profile": body["profile"], "unplaced": body.get("unplaced") or []}
                    if body.get("profile") is not None else None),
        changes=body.get("changes"),
    )


# ---------------------------------------------------------------- client


class NowvaBackend:
    """One per agent session. Use as an async context manager (or call aclose())."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        timeout_s: float = 10.0,
        connect_retries: int = 2,
        long_poll_s: float = 25.0,
        stream_read_timeout_s: float = 45.0,
        stream_attempts: int = 2,
        poll_interval_s: float = 1.0,
        give_up_after_s: float = 30.0,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), headers=headers,
                                         timeout=httpx.Timeout(timeout_s))
        self.connect_retries = connect_retries
        self.long_poll_s = long_poll_s
        self.stream_read_timeout_s = stream_read_timeout_s
        self.stream_attempts = stream_attempts
        self.poll_interval_s = poll_interval_s
        self.give_up_after_s = give_up_after_s
        self.timeout_s = timeout_s

    @classmethod
    def from_config(cls, config: AgentConfig) -> NowvaBackend:
        return cls(config.api_url, config.api_key)

    async def __aenter__(self) -> NowvaBackend:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _request(self, method: str, path: str, *, expect: int = 200, idempotent: bool = False,
                       **kwargs: Any) -> Any:
        # A refused connection is always retried: the request never left, so even a POST is
        # safe to resend. A request that may have reached the server is resent only when the
        # server would answer it the same (GETs, and POSTs with an Idempotency-Key).
        for attempt in range(self.connect_retries + 1):
            try:
                response = await self._client.request(method, path, **kwargs)
                break
            except httpx.TransportError as exc:
                unsent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
                if attempt == self.connect_retries or not (unsent or idempotent):
                    log.warning("backend request %s %s failed: %r", method, path, exc)
                    raise BackendUnavailable() from None
                await asyncio.sleep(0.25 * 2**attempt)
        if response.status_code != expect:
            raise error_for(response)
        try:
            return response.json()
        except ValueError:
            raise BackendError() from None

    async def create_user(self, height_cm: float, weight_kg: float, fitness_level: str,
                          display_name: str | None = None) -> str:
        body: dict[str, Any] = {"height_cm": height_cm, "weight_kg": weight_kg,
                                "fitness_level": fitness_level}
        if display_name:
            body["display_name"] = display_name
        user = await self._request("POST", "/api/users", json=body, expect=201)
        return str(user["id"])

    async def start_generation(self, request: GenerationRequest, idempotency_key: str | None = None) -> str:
        """The new job's id. The idempotency key (random unless given) lets a POST that timed out
        be sent again: the server answers with the job the first one made."""
        headers = {"Idempotency-Key": idempotency_key or uuid.uuid4().hex}
        accepted = await self._request("POST", "/api/programs/generate", json=request.__dict__,
                                       headers=headers, expect=202, idempotent=True)
        return str(accepted["job_id"])

    async def start_revision(self, program_id: str, instruction: str, from_week: int | None = None,
                             idempotency_key: str | None = None) -> str:
        """The revision job's id (issue 26); retried like a generation, under one idempotency key."""
        body: dict[str, Any] = {"instruction": instruction[:500]}
        if from_week is not None:
            body["from_week"] = from_week
        accepted = await self._request("POST", f"/api/programs/{program_id}/revisions", json=body,
                                       headers={"Idempotency-Key": idempotency_key or uuid.uuid4().hex},
                                       expect=202, idempotent=True)
        return str(accepted["job_id"])

    async def latest_program(self, user_id: str) -> str | None:
        """The id of the person's newest program, if they have one."""
        page = await self._request("GET", "/api/programs", params={"user_id": user_id, "limit": 1}, idempotent=True)
        items = page.get("items") or []
        return str(items[0]["id"]) if items else None

    async def status(self, job_id: str, *, wait: float = 0, after: int | None = None) -> JobUpdate:
        params: dict[str, Any] = {}
        timeout = self.timeout_s
        if wait > 0:
            params["wait"] = wait
            timeout += wait
            if after is not None:
                params["after"] = after
        body = await self._request("GET", f"/api/programs/status/{job_id}", params=params,
                                   timeout=httpx.Timeout(timeout), idempotent=True)
        return update_from_status(body)

    async def cancel(self, job_id: str) -> JobUpdate:
        return update_from_status(await self._request("POST", f"/api/programs/status/{job_id}/cancel"))

    async def get_program(self, program_id: str) -> Program:
        p = await self._request("GET", f"/api/programs/{program_id}", idempotent=True)
        return Program(id=str(p["id"]), name=p["name"], summary=p["summary"], description=p["description"],
                       duration_weeks=p["duration_weeks"], days_per_week=p["days_per_week"],
                       goal_category=p["goal_category"], weeks=p.get("weeks") or [])

    # ------------------------------------------------------------ following a job

    async def follow(self, job_id: str, after: int = 0) -> AsyncGenerator[JobUpdate, None]:
        """Every update of a job until its terminal one.

        The SSE stream first, resumed from the last seq when it breaks; after
        `stream_attempts` failures in a row (a proxy that cuts or buffers streams) the
        status endpoint is long-polled for the rest of the job.
        """
        failures = 0
        last: JobUpdate | None = None
        while failures < self.stream_attempts:
            try:
                async with contextlib.aclosing(self._stream(job_id, after, last)) as stream:
                    async for update in stream:
                        failures = 0
                        after, last = update.seq, update
                        yield update
                        if update.terminal:
                            return
                log.info("event stream of job %s ended early; resuming after %d", job_id, after)
            except _StreamBroken as exc:
                log.info("event stream of job %s broke (%s); resuming after %d", job_id, exc, after)
            failures += 1
        log.warning("event stream of job %s keeps failing; polling its status instead", job_id)
        async with contextlib.aclosing(self._poll(job_id, after)) as polled:
            async for update in polled:
                yield update

    async def _stream(self, job_id: str, after: int,
                      last: JobUpdate | None) -> AsyncGenerator[JobUpdate, None]:
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if after:
            headers["Last-Event-ID"] = str(after)
        timeout = httpx.Timeout(self.timeout_s, read=self.stream_read_timeout_s)
        try:
            async with aconnect_sse(self._client, "GET", f"/api/programs/status/{job_id}/events",
                                    headers=headers, timeout=timeout) as source:
                response = source.response
                if response.status_code != 200:
                    await response.aread()
                    error = error_for(response)
                    if isinstance(error, (NotFound, AuthRejected)):
                        raise error
                    raise _StreamBroken(f"HTTP {response.status_code}")
                async for sse in source.aiter_sse():
                    if not sse.data:
                        continue
                    last = update_from_event(json.loads(sse.data), last)
                    yield last
        except (httpx.TransportError, SSEError, ValueError, KeyError) as exc:
            raise _StreamBroken(repr(exc)) from None

    async def _poll(self, job_id: str, after: int) -> AsyncGenerator[JobUpdate, None]:
        down_since: float | None = None
        while True:
            started = time.monotonic()
            try:
                update = await self.status(job_id, wait=self.long_poll_s, after=after)
                down_since = None
            except BackendUnavailable:
                now = time.monotonic()
                down_since = down_since or now
                if now - down_since > self.give_up_after_s:
                    raise
                await asyncio.sleep(self.poll_interval_s)
                continue
            if update.seq > after or update.terminal:
                after = update.seq
                yield update
                if update.terminal:
                    return
            elif time.monotonic() - started < self.poll_interval_s:
                # A server without long-poll answers at once: don't spin.
                await asyncio.sleep(self.poll_interval_s)


class _StreamBroken(Exception):
    """The event stream could not be opened or ended before the job did."""
