"""Changing a program (issue 26): what a revision costs against generating the program, at a real
model's pace.

The API and a worker (in this process, the OpenAI engine, `blocks` strategy) on an embedded
PostgreSQL, and the test suite's coach model (tests/fakes/coach_model.py) at the default pace: 1 s
to the first token, 100 output tokens/s per stream, tokens counted as 4 characters. One 12x4
intermediate hypertrophy program is generated; then each change revises it (a fresh parent each
time, so every revision starts from the same program), one at a time, measured from the POST to the
job's completion (the status long-polled), with the output tokens and calls the model server saw
for it, against the generation's.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import make_settings
from tests.fakes.coach_model import CoachModel, schema_name
from tests.fakes.openai_server import FakeOpenAI, Pace, Request
from tests.perf.harness import Table, database, say, service_key
from tests.support import api_server, worker_task

REQUEST = {"height_cm": 180.0, "weight_kg": 80.0, "goal_category": "hypertrophy", "goal_raw": "muscle gain",
           "duration_weeks": 12, "days_per_week": 4, "fitness_level": "intermediate"}
CHANGES = (
    ("swap the squats, my knee's been hurting", 5),
    ("swap the squats", 5),
    ("swap the squats", 1),
    ("replace the deadlifts with hip thrusts", 5),
    ("I only have 30 minutes a session now", 5),
    ("make weeks 9 to 11 lighter, I'm travelling", 9),
    ("I can only train three days a week now", 5),
)


async def _done(c: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    while True:
        status: dict[str, Any] = (await c.get(f"/api/programs/status/{job_id}", params={"wait": 30})).json()
        if status["status"] in ("completed", "failed", "cancelled"):
            return status


def _tokens(requests: list[Request]) -> int:
    return sum(r.tokens_sent for r in requests)


async def run(quick: bool) -> list[Table]:
    table = Table("Revisions (issue 26): a change against generating the program, 12x4, paced model",
                  ["change", "from week", "ready in", "model calls", "blocks asked (of the plan's)",
                   "output tokens", "of the generation's", "written by", "what the status says"])
    pace = Pace(ttft_s=1.0, tokens_per_s=100.0, chunk_s=0.1)
    changes = CHANGES[:2] if quick else CHANGES
    with tempfile.TemporaryDirectory(prefix="nowva-perf-revision-") as tmp:
        async with database() as url, FakeOpenAI(default=CoachModel(), pace=pace) as fake:
            key = await service_key(url)
            settings = make_settings(Path(tmp)).with_(
                generator="openai", openai_api_key="perf", openai_base_url=fake.base_url, openai_model="gpt-perf",
                openai_timeout_s=60.0, openai_strategy="blocks", job_deadline_s=600.0, progress_interval_s=0.5)
            async with api_server(settings, url) as base, worker_task(settings, url), \
                    httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"},
                                      timeout=60) as c:
                for instruction, from_week in changes:
                    user = (await c.post("/api/users", json={"display_name": "Sam"})).json()["id"]
                    before, started = len(fake.requests), time.monotonic()
                    r = await c.post("/api/programs/generate", json={"user_id": user, **REQUEST})
                    generated = await _done(c, r.json()["job_id"])
                    gen_s, gen = time.monotonic() - started, fake.requests[before:]
                    blocks = sum(1 for q in gen if schema_name(q) == "training_block")
                    if not changes.index((instruction, from_week)):
                        table.add("(the generation)", "", f"{gen_s:.1f} s", len(gen), f"{blocks} (of {blocks})",
                                  _tokens(gen), "100%", "the model", "")
                    before, started = len(fake.requests), time.monotonic()
                    r = await c.post(f"/api/programs/{generated['program_id']}/revisions",
                                     json={"instruction": instruction, "from_week": from_week})
                    status = await _done(c, r.json()["job_id"])
                    took, asked = time.monotonic() - started, fake.requests[before:]
                    say(f"{instruction!r}: {status['status']} in {took:.1f} s")
                    kinds = [schema_name(q) for q in asked]
                    plan = " and a new plan" if "training_plan" in kinds else ""
                    said = (status.get("changes") or {}).get("said") or status.get("error_message") or ""
                    program = (await c.get(f"/api/programs/{status['program_id']}")).json() \
                        if status["program_id"] else {}
                    # The built-in writer when the model could not revise it (jobs/revising.py logs why); code
                    # alone when nothing was asked (a swap of the named exercises, lighter weeks).
                    by = "code, no model call" if not asked else \
                        {"openai": "the model", "builtin": "the built-in writer"}.get(program.get("engine"), "-")
                    table.add(f'"{instruction}"', from_week, f"{took:.1f} s", len(asked),
                              f"{kinds.count('training_block')} (of {blocks}){plan}", _tokens(asked),
                              f"{100 * _tokens(asked) / max(1, _tokens(gen)):.0f}%", by, said)
    table.notes.append("the same coach model answers the generation and the revision: a revision's block is the "
                       "built-in writer's block for the changed person, asked as a repair of the old block")
    return [table]
