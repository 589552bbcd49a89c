"""Changing a program (issue 26): a revision is a job like a generation (202 at once, the same
status, events, limits and idempotency keys), and every version of a program is kept."""

from __future__ import annotations

from typing import Any

import asyncpg
from starlette.requests import Request
from starlette.responses import Response

from app import queries as q
from app.errors import NotFound, RequestInvalid
from app.models import ProgramVersion, ProgramVersions, RevisionRequest
from app.web.http import json_response, path_uuid, principal, read_model, services
from app.web.routes.programs import start_job


def _invalid(field: str, msg: str, kind: str) -> RequestInvalid:
    return RequestInvalid([{"loc": ["body", field], "msg": msg, "type": kind}])


def parent_request(row: asyncpg.Record) -> dict[str, Any]:
    """What the program was written for: stored with it (or with its job); for a program whose job
    was pruned before requests were kept with programs, rebuilt from its columns and its owner."""
    if row["request"] is not None:
        return dict(row["request"])
    return {"user_id": str(row["user_id"]), "height_cm": row["height_cm"], "weight_kg": row["weight_kg"],
            "goal_category": row["goal_category"], "goal_raw": "", "duration_weeks": row["duration_weeks"],
            "days_per_week": row["days_per_week"], "fitness_level": row["fitness_level"]}


async def revise(request: Request) -> Response:
    who = await principal(request)
    program_id = path_uuid(request, "program_id")
    body = await read_model(request, RevisionRequest)
    if not body.instruction.strip() and (body.profile is None or body.profile.is_empty()):
        raise _invalid("instruction", "Say what to change: an instruction, or a profile with the fields that change",
                       "missing")
    # The partial profile keeps which fields were sent (exclude_unset): only those change.
    revision = {"program_id": str(program_id), "instruction": body.instruction.strip(),
                "profile": None if body.profile is None else body.profile.model_dump(mode="json", exclude_unset=True),
                "from_week": body.from_week}
    owner = await q.program_for_revision(services(request).pool, program_id)
    if owner is None:
        raise NotFound()
    who.require_access(owner["user_id"])  # another user's program is as unknown as a missing one

    async def claim(conn: asyncpg.Connection) -> dict[str, Any]:
        row = await q.program_for_revision(conn, program_id)
        if row is None or not await q.lock_user(conn, row["user_id"]):
            raise NotFound()
        if body.from_week > row["duration_weeks"]:
            raise _invalid("from_week", f"The program has {row['duration_weeks']} weeks", "less_than_equal")
        return parent_request(row)

    return await start_job(request, who, owner["user_id"], revision, claim, "Program revision", revision)


async def list_versions(request: Request) -> Response:
    who = await principal(request)
    program_id = path_uuid(request, "program_id")
    rows = await q.list_program_versions(services(request).pool, program_id)
    if not rows:
        raise NotFound()
    who.require_access(rows[0]["user_id"])  # one lineage, one owner
    return json_response(ProgramVersions(items=[ProgramVersion.model_validate(dict(r)) for r in rows]))
