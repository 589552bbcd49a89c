"""Generating programs (a job, 202 at once) and reading the programs that jobs made."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import asyncpg
from pydantic import TypeAdapter
from starlette.requests import Request
from starlette.responses import Response

from app import queries as q
from app import tracing
from app.errors import Conflict, NotFound, RateLimited, RequestInvalid
from app.logs import job_id_var
from app.models import GenerateAccepted, GenerateRequest, ProgramList, ProgramListItem, ProgramOut
from app.settings import Settings
from app.sizing import refuse_unwritable
from app.web.auth import Principal
from app.web.http import json_response, parse_param, path_uuid, principal, read_model, services
from app.web.routes.common import decode_cursor, events_url, next_cursor, page_limit, status_url

MAX_IDEMPOTENCY_KEY = 200
USER_ID = TypeAdapter(UUID)


def _request_hash(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
        raise RequestInvalid([{"loc": ["header", "Idempotency-Key"],
                               "msg": f"Must be 1 to {MAX_IDEMPOTENCY_KEY} characters", "type": "string_length"}])
    return key


def _accepted(request: Request, job_id: UUID, status: str, message: str) -> Response:
    body = GenerateAccepted(job_id=job_id, status=status, message=message,  # type: ignore[arg-type]
                            status_url=status_url(request, job_id), events_url=events_url(request, job_id))
    return json_response(body, 202, headers={"Location": f"/api/programs/status/{job_id}"})


def _window(seconds: float) -> str:
    return "minute" if seconds == 60 else "hour" if seconds == 3600 else f"{seconds:g} seconds"


def _check_rates(settings: Settings, who: Principal, limits: q.GenerationLimits) -> None:
    """The person's own limit first: it is the one a user hears about, whichever key asked."""
    window = _window(settings.generate_rate_window_s)
    if limits.user_count >= settings.generate_rate_per_user:
        raise RateLimited(max(1, limits.user_retry_after_s),
                          f"At most {settings.generate_rate_per_user} generations per {window} per user.")
    key_limit, kind = ((settings.generate_rate_per_service_key, "service") if who.is_service
                       else (settings.generate_rate_per_key, "user"))
    if limits.key_count >= key_limit:
        raise RateLimited(max(1, limits.key_retry_after_s),
                          f"At most {key_limit} generations per {window} per {kind} key.")


class _Replay(Exception):
    """An earlier request with this Idempotency-Key made the job: leave the transaction without
    committing anything (the claim already wrote this request's measurements to the user)."""

    def __init__(self, job_id: UUID, status: str) -> None:
        self.job_id, self.status = job_id, status


async def generate(request: Request) -> Response:
    who = await principal(request)
    body = await read_model(request, GenerateRequest)
    refuse_unwritable(body, services(request).settings)
    who.require_access(body.user_id)
    document = body.model_dump(mode="json")  # what is stored, and what the idempotency hash covers

    async def claim(conn: asyncpg.Connection) -> dict[str, Any]:
        # The user row lock serialises one user's requests, so the checks after it hold.
        if not await q.claim_user_for_generation(conn, body.user_id, body.height_cm, body.weight_kg,
                                                 body.fitness_level.value):
            raise NotFound("User not found.")
        return document

    return await start_job(request, who, body.user_id, document, claim, "Program generation")


Claim = Callable[[asyncpg.Connection], Awaitable[dict[str, Any]]]


async def start_job(request: Request, who: Principal, user_id: UUID, hashed: dict[str, Any], claim: Claim,
                    what: str, revision: dict[str, Any] | None = None) -> Response:
    """Accept a job (a generation, or a revision of a program): in one transaction, `claim` locks the
    user's row (and answers the request document to store), then the idempotency key, the rate
    limits and the one-active-job limit are checked and the job is stored. `hashed`: what the
    idempotency hash covers."""
    idem_key = _idempotency_key(request)
    request_hash = _request_hash(hashed)
    svc = services(request)
    settings = svc.settings
    try:
        async with svc.pool.acquire() as conn, conn.transaction():
            document = await claim(conn)
            if idem_key is not None:
                earlier = await q.find_job_by_idempotency_key(conn, who.key_prefix, idem_key)
                if earlier is not None:
                    if earlier["request_hash"] != request_hash:
                        raise RequestInvalid([{"loc": ["header", "Idempotency-Key"],
                                               "msg": "This Idempotency-Key was used with a different body",
                                               "type": "idempotency_key_reused"}])
                    job = await q.get_job(conn, earlier["id"])
                    assert job is not None
                    raise _Replay(job["id"], job["status"])
            limits = await q.generation_limits(conn, who.key_prefix, user_id, settings.generate_rate_window_s)
            _check_rates(settings, who, limits)
            if len(limits.active_job_ids) >= settings.max_active_jobs_per_user:
                raise Conflict("A program generation is already running for this user.",
                               job_id=str(limits.active_job_ids[0]))
            job_id = uuid.uuid4()
            job_id_var.set(str(job_id))  # this request's later log lines and spans name the job
            tracing.annotate({tracing.JOB_ID: str(job_id)})
            await q.create_job(conn, job_id, user_id, document, who.key_prefix, idem_key,
                               request_hash, tracing.traceparent(), revision)
    except _Replay as replay:
        return _accepted(request, replay.job_id, replay.status, f"{what} already started")
    return _accepted(request, job_id, "pending", f"{what} started")


async def get_program(request: Request) -> Response:
    who = await principal(request)
    program_id = path_uuid(request, "program_id")
    row = await q.get_program(services(request).pool, program_id)
    if row is None:
        raise NotFound()
    who.require_access(row["user_id"])
    data = dict(row)
    data["weeks"] = data.pop("content")["weeks"]
    return json_response(ProgramOut.model_validate(data))


async def list_programs(request: Request) -> Response:
    who = await principal(request)
    raw_user = request.query_params.get("user_id")
    if raw_user is None and who.user_id is not None:
        user_id = who.user_id
    else:
        user_id = parse_param(raw_user, USER_ID, "query", "user_id")
    who.require_access(user_id)
    limit = page_limit(request)
    rows = await q.list_programs(services(request).pool, user_id, decode_cursor(request), limit)
    items = [ProgramListItem.model_validate(dict(r)) for r in rows]
    return json_response(ProgramList(items=items, next_cursor=next_cursor(rows, limit)))
