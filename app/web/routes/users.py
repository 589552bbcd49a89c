"""Users: created by service keys; a user key sees only its own user."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app import queries as q
from app.errors import NotFound
from app.models import UserCreate, UserOut
from app.web.http import json_response, path_uuid, principal, read_model, services


async def create_user(request: Request) -> Response:
    who = await principal(request)
    who.require_service()
    body = await read_model(request, UserCreate)
    row = await q.create_user(
        services(request).pool, body.display_name, body.height_cm, body.weight_kg,
        body.fitness_level.value if body.fitness_level else None,
    )
    user = UserOut.model_validate(dict(row))
    return json_response(user, 201, headers={"Location": f"/api/users/{user.id}"})


async def get_user(request: Request) -> Response:
    who = await principal(request)
    user_id = path_uuid(request, "user_id")
    who.require_access(user_id)
    row = await q.get_user(services(request).pool, user_id)
    if row is None:
        raise NotFound()
    return json_response(UserOut.model_validate(dict(row)))
