"""`nowva generate` and `nowva watch`: an HTTP client of the API, with a live progress bar."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import httpx
from httpx_sse import aconnect_sse

from app.settings import Settings
from app.tools import read_local_key

BAR_WIDTH = 30


def _client(settings: Settings) -> httpx.AsyncClient:
    base = os.environ.get("NOWVA_API_URL") or os.environ.get("FASTAPI_URL") or settings.base_url
    key = os.environ.get("NOWVA_API_KEY") or read_local_key(settings.saved_key_path)
    if not key:
        raise SystemExit("nowva: no API key: set NOWVA_API_KEY, or start `nowva serve` once to create one")
    return httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"},
                             timeout=httpx.Timeout(30, read=60))


def _fail(response: httpx.Response) -> int:
    try:
        detail: Any = response.json().get("detail")
    except ValueError:
        detail = response.text
    if isinstance(detail, list):
        detail = "; ".join(f"{'.'.join(map(str, d['loc'][1:]))}: {d['msg']}" for d in detail)
    print(f"nowva: HTTP {response.status_code}: {detail}", file=sys.stderr)
    return 1


def draw(progress: int, stage: str) -> None:
    filled = BAR_WIDTH * progress // 100
    bar = "█" * filled + "░" * (BAR_WIDTH - filled)
    sys.stderr.write(f"\r[{bar}] {progress:3d}%  {stage:<40.40}")
    sys.stderr.flush()


async def generate(settings: Settings, args: argparse.Namespace) -> int:
    async with _client(settings) as client:
        user_id = args.user_id
        if not user_id:
            r = await client.post("/api/users", json={"height_cm": args.height_cm, "weight_kg": args.weight_kg,
                                                      "fitness_level": args.fitness_level})
            if r.status_code != 201:
                return _fail(r)
            user_id = r.json()["id"]
        body = {name: getattr(args, name) for name in ("height_cm", "weight_kg", "goal_category", "goal_raw",
                                                        "duration_weeks", "days_per_week", "fitness_level")}
        r = await client.post("/api/programs/generate", json={"user_id": user_id, **body})
        if r.status_code != 202:
            return _fail(r)
        job_id = r.json()["job_id"]
        print(f"job {job_id} (user {user_id})")
        if not args.watch:
            return 0
        return await _follow(client, job_id)


async def watch(settings: Settings, args: argparse.Namespace) -> int:
    async with _client(settings) as client:
        return await _follow(client, args.job_id)


async def _follow(client: httpx.AsyncClient, job_id: str) -> int:
    last = 0
    outcome: dict[str, Any] | None = None
    while outcome is None:
        try:
            async with aconnect_sse(client, "GET", f"/api/programs/status/{job_id}/events",
                                    params={"after": last}) as source:
                if source.response.status_code != 200:
                    await source.response.aread()
                    return _fail(source.response)
                async for sse in source.aiter_sse():
                    if not sse.data:
                        continue  # the retry hint and heartbeats carry no data
                    event = json.loads(sse.data)
                    last = event["seq"]
                    data = event["data"]
                    if event["type"] == "progress":
                        draw(data["progress"], data.get("message") or data["stage"])
                    elif event["type"] == "status":
                        draw(0, data["status"])
                    else:
                        outcome = event
        except httpx.TransportError as exc:
            print(f"\nconnection lost ({exc}); resuming after event {last}", file=sys.stderr)
    sys.stderr.write("\n")
    if outcome["type"] != "completed":
        message = outcome["data"].get("error_message") or "the job was cancelled"
        print(f"{outcome['type']}: {message}")
        return 1
    draw(100, "completed")
    sys.stderr.write("\n")
    r = await client.get(f"/api/programs/{outcome['data']['program_id']}")
    if r.status_code != 200:
        return _fail(r)
    print(render_program(r.json()))
    return 0


def render_program(program: dict[str, Any]) -> str:
    lines = [program["name"], "=" * len(program["name"]), program["description"], "", program["summary"], ""]
    for week in program["weeks"]:
        tag = "  (deload)" if week["deload"] else ""
        lines.append(f"Week {week['week']}: {week['focus']}{tag}")
        for day in week["days"]:
            lines.append(f"  Day {day['day']} · {day['name']}")
            for ex in day["exercises"]:
                note = f"  — {ex['notes']}" if ex["notes"] else ""
                lines.append(f"    {ex['name']}: {ex['sets']} x {ex['reps']} @ {ex['intensity']}, "
                             f"rest {ex['rest_seconds']}s{note}")
        lines.append("")
    return "\n".join(lines)
