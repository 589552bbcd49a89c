"""What the service understood, end to end (issue 24): the profile on the request (422s naming its
fields, the OpenAPI document), read and merged at the job's start, stored with the job, on its
status and in an `understood` event before the program; and today's writer using it."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest

from tests.db.test_generation import REQUEST, wait_done
from tests.support import Live


async def make_user(live: Live) -> str:
    async with live.client() as c:
        return str((await c.post("/api/users", json={"display_name": "Ana"})).json()["id"])


@pytest.mark.parametrize(("profile", "loc"), [
    ({"age": 9}, ["age"]),
    ({"minutes_per_session": 241}, ["minutes_per_session"]),
    ({"equipment": ["rowing_boat"]}, ["equipment", 0]),
    ({"injuries": [{"area": "spleen"}]}, ["injuries", 0, "area"]),
    ({"injuries": [{"area": "knee", "status": "ancient"}]}, ["injuries", 0, "status"]),
    ({"conditions": [{"kind": "flu"}]}, ["conditions", 0, "kind"]),
    ({"sport": {"name": "rugby", "season": "winter"}}, ["sport", "season"]),
    ({"event": {"kind": "race", "in_weeks": -1}}, ["event", "in_weeks"]),
    ({"de_emphasis": ["toes"]}, ["de_emphasis", 0]),
    ({"cleared_by_clinician": "maybe"}, ["cleared_by_clinician"]),
    ({"hobbies": ["chess"]}, ["hobbies"]),
])
async def test_a_bad_profile_is_422_naming_the_field_and_stores_nothing(
        api_only: Live, pool: asyncpg.Pool, profile: dict[str, Any], loc: list[Any]) -> None:
    user = await make_user(api_only)
    async with api_only.client() as c:
        r = await c.post("/api/programs/generate", json={"user_id": user, **REQUEST, "profile": profile})
    assert r.status_code == 422, r.text
    assert any(d["loc"] == ["body", "profile", *loc] for d in r.json()["detail"]), r.json()
    assert await pool.fetchval("SELECT count(*) FROM program_generation_jobs") == 0


async def test_the_profile_is_in_the_openapi_document(api_only: Live) -> None:
    async with api_only.client() as c:
        spec = (await c.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    body = schemas["GenerateRequest"]["properties"]["profile"]
    assert "Profile" in str(body)
    assert set(schemas["Profile"]["properties"]) >= {
        "age", "minutes_per_session", "equipment", "injuries", "conditions", "sport", "event", "emphasis",
        "de_emphasis", "avoid", "cleared_by_clinician"}
    assert {"profile", "unplaced"} <= set(schemas["JobStatusOut"]["properties"])


async def test_the_job_tells_what_it_understood_before_the_program(live: Live, pool: asyncpg.Pool) -> None:
    user = await make_user(live)
    words = "I'm 16, bad left shoulder, only a kettlebell, and a weird thing with my spleen"
    body = {"user_id": user, **REQUEST, "goal_raw": words,
            "profile": {"minutes_per_session": 40, "age": 17, "cleared_by_clinician": False}}
    async with live.client() as c:
        r = await c.post("/api/programs/generate", json=body)
        assert r.status_code == 202, r.text
        job_id = r.json()["job_id"]
        status = await wait_done(c, job_id)
        program = (await c.get(f"/api/programs/{status['program_id']}")).json()
    assert status["status"] == "completed", status
    profile = status["profile"]
    assert profile["age"] == 17 and profile["minutes_per_session"] == 40  # the caller's fields win
    assert profile["cleared_by_clinician"] is False
    assert profile["equipment"] == ["kettlebell"] and profile["said"]["equipment.kettlebell"] == "kettlebell"
    assert [(i["area"], i["side"], i["status"], i["words"]) for i in profile["injuries"]] == [
        ("shoulder", "left", "current", "bad left shoulder")]
    assert [u["words"] for u in status["unplaced"]] == ["and a weird thing with my spleen"]
    events = await pool.fetch("SELECT seq, type, data FROM program_generation_events WHERE job_id = $1 ORDER BY seq",
                              uuid.UUID(job_id))
    types = [e["type"] for e in events]
    assert types[:3] == ["status", "status", "understood"] and types[-1] == "completed", types
    assert events[2]["data"]["profile"] == profile and events[2]["data"]["unplaced"] == status["unplaced"]
    # today's writer: a kettlebell is all there is (the catalogue's "Dumbbell reverse lunge" takes a
    # kettlebell too), and the shoulder is spared
    names = {e["name"].lower() for w in program["weeks"] for d in w["days"] for e in d["exercises"]}
    assert not any(word in n for n in names for word in ("barbell", "cable", "machine", "bench")), names
    assert not any("overhead press" in n for n in names), names
