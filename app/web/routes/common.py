"""Small helpers the route modules share: URLs, cursors, job views."""

from __future__ import annotations

import base64
import functools
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from pydantic import TypeAdapter
from starlette.datastructures import URL
from starlette.requests import Request

from app.errors import RequestInvalid
from app.models import JobStatusOut, PlanOut
from app.web.http import parse_param, services

LIMIT = TypeAdapter(int)


def base_url(request: Request) -> str:
    public = services(request).settings.public_url
    if public:
        return public.rstrip("/")
    scope = request.scope
    server = scope.get("server")
    return _request_base_url(scope.get("scheme", "http"), tuple(server) if server else None,
                             request.headers.get("host"), scope.get("app_root_path", scope.get("root_path", "")))


@functools.lru_cache(maxsize=64)  # bounded: the Host header is the client's
def _request_base_url(scheme: str, server: tuple[str, int] | None, host: str | None, root_path: str) -> str:
    """Starlette's `request.base_url` (without its trailing slash), built once per origin: every
    status answer and 202 carries URLs, and building them was ~5% of a status read."""
    headers = [(b"host", host.encode("latin-1"))] if host is not None else []
    return str(URL(scope={"scheme": scheme, "server": server, "path": root_path or "/", "headers": headers,
                          "query_string": b""})).rstrip("/")


def status_url(request: Request, job_id: UUID) -> str:
    return f"{base_url(request)}/api/programs/status/{job_id}"


def events_url(request: Request, job_id: UUID) -> str:
    token = services(request).tokens.issue(f"job:{job_id}")
    return f"{status_url(request, job_id)}/events?token={token}"


def job_status(request: Request, row: asyncpg.Record) -> JobStatusOut:
    # get_job carries the plan and the blocks done; list_jobs leaves them out.
    return JobStatusOut(
        job_id=row["id"], user_id=row["user_id"], status=row["status"], progress=row["progress"],
        stage=row["stage"], attempt=row["attempt"], seq=row["last_seq"], created_at=row["created_at"],
        started_at=row["started_at"], completed_at=row["completed_at"], program_id=row["program_id"],
        error_message=row["error_message"], events_url=events_url(request, row["id"]),
        plan=plan_out(row.get("plan")), blocks_done=row.get("blocks_done") or 0,
        cost_usd=cost_of(row["usage"]),
        engine=row.get("engine"), fallback_reason=row.get("fallback_reason"),
        profile=row.get("profile"), unplaced=row.get("unplaced"),
        revises=(row.get("revision") or {}).get("program_id"), changes=row.get("changes"),
    )


def cost_of(usage: dict[str, Any] | None) -> float | None:
    """What the job's model calls cost so far (null: none priced, or the built-in engine)."""
    cost = (usage or {}).get("cost_usd")
    return float(cost) if isinstance(cost, (int, float)) else None


def plan_out(content: dict[str, Any] | None) -> PlanOut | None:
    """The public part of a stored plan (jobs/engines/llm/plan.py writes it): indexed blocks with
    their weeks and deloads, no constraints."""
    if not content:
        return None
    deloads = set(content.get("deload_weeks") or [])
    blocks = []
    for i, b in enumerate(content.get("blocks") or []):
        first, _, last = str(b.get("weeks", "")).partition("-")
        if not first.isdigit():
            continue
        span = [int(first), int(last) if last.isdigit() else int(first)]
        blocks.append({"index": i, "weeks": span, "focus": b.get("focus", ""),
                       "deload_weeks": sorted(w for w in deloads if span[0] <= w <= span[1])})
    return PlanOut.model_validate({**content, "blocks": blocks})


def page_limit(request: Request) -> int:
    raw = request.query_params.get("limit", "20")
    limit = parse_param(raw, LIMIT, "query", "limit")
    if not 1 <= limit <= 100:
        raise RequestInvalid([{"loc": ["query", "limit"], "msg": "Input should be between 1 and 100",
                               "type": "range"}])
    return limit


def encode_cursor(created_at: datetime, row_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{row_id}".encode()).decode()


def decode_cursor(request: Request) -> tuple[datetime, UUID] | None:
    raw = request.query_params.get("cursor")
    if not raw:
        return None
    try:
        created, _, row_id = base64.urlsafe_b64decode(raw.encode()).decode().partition("|")
        return datetime.fromisoformat(created), UUID(row_id)
    except (ValueError, UnicodeDecodeError):
        raise RequestInvalid([{"loc": ["query", "cursor"], "msg": "Invalid cursor", "type": "value_error"}]) from None


def next_cursor(rows: list[asyncpg.Record], limit: int) -> str | None:
    if len(rows) < limit:
        return None
    last: Any = rows[-1]
    return encode_cursor(last["created_at"], last["id"])
