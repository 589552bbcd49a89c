"""The HTTP API against a real uvicorn and a real PostgreSQL: the seed's flow, auth, bad input."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest

from app.cli.local import create_key
from tests.support import Live

GOOD = {"height_cm": 190.5, "weight_kg": 87.5, "goal_category": "hypertrophy", "goal_raw": "muscle gain",
        "duration_weeks": 12, "days_per_week": 4, "fitness_level": "intermediate"}


async def make_user(live: Live, **body: Any) -> str:
    async with live.client() as c:
        r = await c.post("/api/users", json=body)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])


async def counts(pool: asyncpg.Pool) -> tuple[int, int, int]:
    row = await pool.fetchrow(
        "SELECT (SELECT count(*) FROM program_generation_jobs) AS jobs,"
        " (SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'generate_program') AS queued,"
        " (SELECT count(*) FROM program_generation_events) AS events")
    assert row is not None
    return row["jobs"], row["queued"], row["events"]


async def test_health(api_only: Live) -> None:
    async with api_only.client(key="") as c:
        r = await c.get("/api/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "healthy"
    assert body["service"] == "Nowva Program Generator API"
    assert body["version"]


async def test_generate_answers_202_and_stores_job_event_and_queue_row(api_only: Live, pool: asyncpg.Pool) -> None:
    user_id = await make_user(api_only, display_name="Sam")
    async with api_only.client() as c:
        r = await c.post("/api/programs/generate", json={"user_id": user_id, **GOOD})
        assert r.status_code == 202, r.text
        body = r.json()
        assert body["status"] == "pending"
        assert body["message"] == "Program generation started"
        assert r.headers["location"] == f"/api/programs/status/{body['job_id']}"
        assert body["status_url"].endswith(f"/api/programs/status/{body['job_id']}")
        assert "/events?token=" in body["events_url"]
        s = await c.get(f"/api/programs/status/{body['job_id']}")
    assert s.status_code == 200
    status = s.json()
    assert status["status"] == "pending" and status["progress"] == 0 and status["seq"] == 1
    assert status["attempt"] == 0 and status["program_id"] is None and status["error_message"] is None
    assert status["created_at"].endswith("Z") or "+" in status["created_at"]
    assert await counts(pool) == (1, 1, 1)
    user = await pool.fetchrow("SELECT height_cm, fitness_level FROM users WHERE id = $1", uuid.UUID(user_id))
    assert user is not None and user["height_cm"] == 190.5 and user["fitness_level"] == "intermediate"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"height_cm": 99}, "height_cm"),
        ({"height_cm": 251}, "height_cm"),
        ({"weight_kg": 29.9}, "weight_kg"),
        ({"weight_kg": 301}, "weight_kg"),
        ({"duration_weeks": 0}, "duration_weeks"),
        ({"duration_weeks": 53}, "duration_weeks"),
        ({"days_per_week": 0}, "days_per_week"),
        ({"days_per_week": 8}, "days_per_week"),
        ({"goal_category": "endurance"}, "goal_category"),
        ({"fitness_level": "elite"}, "fitness_level"),
        ({"goal_raw": "x" * 501}, "goal_raw"),
        ({"height_cm": "tall"}, "height_cm"),
        ({"is_admin": True}, "is_admin"),
        ({"user_id": "not-a-uuid"}, "user_id"),
        ({"goal_raw": "bigger\u0000arms"}, "goal_raw"),
    ],
)
async def test_bad_generate_body_is_422_naming_the_field_and_stores_nothing(
    api_only: Live, pool: asyncpg.Pool, change: dict[str, Any], field: str
) -> None:
    user_id = await make_user(api_only)
    async with api_only.client() as c:
        r = await c.post("/api/programs/generate", json={"user_id": user_id, **GOOD, **change})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert any(d["loc"] == ["body", field] and d["msg"] and d["type"] for d in detail), detail
    assert await counts(pool) == (0, 0, 0)


async def test_missing_field_and_malformed_json(api_only: Live, pool: asyncpg.Pool) -> None:
    user_id = await make_user(api_only)
    body = {"user_id": user_id, **GOOD}
    del body["days_per_week"]
    async with api_only.client() as c:
        r = await c.post("/api/programs/generate", json=body)
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["body", "days_per_week"]
        assert r.json()["detail"][0]["type"] == "missing"
        r = await c.post("/api/programs/generate", content=b'{"user_id": ',
                         headers={"content-type": "application/json"})
        assert r.status_code in (400, 422)
        assert "detail" in r.json()
        r = await c.post("/api/programs/generate", content=b"[1, 2]")
        assert r.status_code == 422
        r = await c.post("/api/programs/generate", content=b"")
        assert r.status_code == 422
    assert await counts(pool) == (0, 0, 0)


async def test_body_over_64_kib_is_413(api_only: Live, pool: asyncpg.Pool) -> None:
    user_id = await make_user(api_only)
    async with api_only.client() as c:
        r = await c.post("/api/programs/generate", json={"user_id": user_id, **GOOD, "goal_raw": "x" * 70_000})
        assert r.status_code == 413
        # without Content-Length (chunked), too
        async def chunks() -> Any:
            for _ in range(70):
                yield b"x" * 1024
        r = await c.post("/api/users", content=chunks())
        assert r.status_code == 413
    assert await counts(pool) == (0, 0, 0)


async def test_unknown_user_and_malformed_ids_are_404(api_only: Live, pool: asyncpg.Pool) -> None:
    async with api_only.client() as c:
        r = await c.post("/api/programs/generate", json={"user_id": str(uuid.uuid4()), **GOOD})
        assert r.status_code == 404
        for path in ("/api/programs/status/nope", f"/api/programs/status/{uuid.uuid4()}", "/api/programs/123",
                     f"/api/programs/{uuid.uuid4()}", "/api/users/zzz", f"/api/users/{uuid.uuid4()}",
                     f"/api/programs/status/{uuid.uuid4()}/events"):
            r = await c.get(path)
            assert r.status_code == 404, path
            assert r.json()["detail"]
        r = await c.post(f"/api/programs/status/{uuid.uuid4()}/cancel")
        assert r.status_code == 404
    assert await counts(pool) == (0, 0, 0)


async def test_wrong_methods_are_405_naming_the_allowed_ones_and_unknown_routes_json_404(api_only: Live) -> None:
    async with api_only.client() as c:
        for method in ("GET", "HEAD", "PUT", "DELETE"):
            r = await c.request(method, "/api/programs/generate")
            assert r.status_code == 405, method
            assert r.headers["allow"] == "POST"
            if method != "HEAD":
                assert r.headers["content-type"] == "application/json" and r.json() == {"detail": "Method Not Allowed"}
        r = await c.get(f"/api/programs/status/{uuid.uuid4()}/cancel")
        assert r.status_code == 405 and r.headers["allow"] == "POST" and r.json()["detail"]
        for path in ("/nope", "/api/nope", "/api/programs/generate/x", "/api/programs/not-an-id"):
            r = await c.get(path)
            assert r.status_code == 404, path
            assert r.headers["content-type"] == "application/json" and r.json() == {"detail": "Not found."}, path
        # The program route still takes ids in any case.
        r = await c.get(f"/api/programs/{str(uuid.uuid4()).upper()}")
        assert r.status_code == 404 and r.json() == {"detail": "Not found."}


async def test_auth_missing_wrong_revoked(api_only: Live, db_url: str) -> None:
    from app.cli.local import revoke_key

    async with api_only.client(key="") as c:
        r = await c.get(f"/api/users/{uuid.uuid4()}")
        assert r.status_code == 401
        assert r.json()["detail"]
        r = await c.get("/api/users/x", headers={"Authorization": "Bearer nwv_deadbeef_wrong"})
        assert r.status_code == 401
        r = await c.get("/api/users/x", headers={"Authorization": "Basic abc"})
        assert r.status_code == 401
    key = await create_key(db_url, "temp", None)
    async with api_only.client(key=key) as c:
        assert (await c.post("/api/users", json={})).status_code == 201
        assert await revoke_key(db_url, key.split("_")[1])
        import asyncio
        await asyncio.sleep(5.1)  # the key cache's lifetime
        assert (await c.post("/api/users", json={})).status_code == 401
    # a wrong secret with a real prefix
    prefix = api_only.key.split("_")[1]
    async with api_only.client(key=f"nwv_{prefix}_{'A' * 43}") as c:
        assert (await c.post("/api/users", json={})).status_code == 401


async def test_user_key_sees_only_its_own_user(api_only: Live, db_url: str) -> None:
    alice = await make_user(api_only, display_name="Alice")
    bob = await make_user(api_only, display_name="Bob")
    alice_key = await create_key(db_url, "alice", alice)
    async with api_only.client() as service:
        r = await service.post("/api/programs/generate", json={"user_id": bob, **GOOD})
        bob_job = r.json()["job_id"]
    async with api_only.client(key=alice_key) as c:
        assert (await c.get(f"/api/users/{alice}")).status_code == 200
        missing = await c.get(f"/api/users/{uuid.uuid4()}")
        other = await c.get(f"/api/users/{bob}")
        assert other.status_code == missing.status_code == 404
        assert other.json() == missing.json()
        assert (await c.get(f"/api/programs/status/{bob_job}")).status_code == 404
        assert (await c.get(f"/api/programs/status/{bob_job}/events")).status_code == 404
        assert (await c.post(f"/api/programs/status/{bob_job}/cancel")).status_code == 404
        assert (await c.post("/api/programs/generate", json={"user_id": bob, **GOOD})).status_code == 404
        assert (await c.get("/api/programs", params={"user_id": bob})).status_code == 404
        assert (await c.post("/api/users", json={})).status_code == 403
        assert (await c.get("/api/jobs")).status_code == 403
        r = await c.post("/api/programs/generate", json={"user_id": alice, **GOOD})
        assert r.status_code == 202
        assert (await c.get(f"/api/programs/status/{r.json()['job_id']}")).status_code == 200
        r = await c.get("/api/programs")
        assert r.status_code == 200 and r.json()["items"] == []


async def test_users_create_and_validate(api_only: Live) -> None:
    async with api_only.client() as c:
        r = await c.post("/api/users", json={"display_name": "Sam", "height_cm": 180, "weight_kg": 80,
                                             "fitness_level": "beginner"})
        assert r.status_code == 201
        user = r.json()
        assert r.headers["location"] == f"/api/users/{user['id']}"
        got = await c.get(f"/api/users/{user['id']}")
        assert got.json() == user
        r = await c.post("/api/users", json={"height_cm": 20})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "height_cm"]
        r = await c.post("/api/users", json={"nickname": "x"})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "nickname"]


async def test_openapi_and_docs_pages(api_only: Live) -> None:
    async with api_only.client(key="") as c:
        spec = (await c.get("/openapi.json")).json()
        assert spec["openapi"].startswith("3.1")
        for path in ("/api/health", "/api/users", "/api/programs/generate", "/api/programs/status/{job_id}",
                     "/api/programs/status/{job_id}/events", "/api/programs/status/{job_id}/cancel",
                     "/api/programs/{program_id}", "/api/programs", "/api/jobs", "/api/events"):
            assert path in spec["paths"], path
        health = spec["paths"]["/api/health"]["get"]["responses"]
        assert health["200"]["description"] == "OK"
        assert health["503"]["description"] == "Database unreachable"
        events = spec["paths"]["/api/programs/status/{job_id}/events"]["get"]["responses"]
        assert "finished job" in events["204"]["description"] and "content" not in events["204"]
        gen = spec["components"]["schemas"]["GenerateRequest"]
        assert gen["properties"]["height_cm"]["minimum"] == 100
        assert gen["additionalProperties"] is False
        assert gen["examples"]
        for page, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
            html = (await c.get(page)).text
            assert asset in html and "cdn" not in html.lower()
        assert (await c.get("/docs-assets/swagger-ui-dist/swagger-ui-bundle.js")).status_code == 200
        assert (await c.get("/docs-assets/redoc/bundles/redoc.standalone.js")).status_code == 200


def test_every_json_response_and_body_in_the_spec_has_a_valid_example() -> None:
    from pydantic import BaseModel

    from app import models
    from app.web.app import OPERATIONS
    from app.web.openapi import build_spec

    spec = build_spec(OPERATIONS)
    schemas = spec["components"]["schemas"]
    for op in OPERATIONS:
        for model in [op.body, *op.responses.values()]:
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                continue
            examples = schemas[model.__name__].get("examples")
            if model in (models.ProgramList, models.JobList, models.QueueStats):
                continue  # lists of the above; their items carry examples
            assert examples, f"{model.__name__} has no example"
            for example in examples:
                model.model_validate(example)


async def test_nul_in_a_display_name_is_422_not_500(api_only: Live) -> None:
    async with api_only.client() as c:
        r = await c.post("/api/users", content=b'{"display_name": "Sam\\u0000"}',
                         headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "display_name"]
