"""`nowva generate` and `nowva watch`: an HTTP client of the API, with a live progress bar."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import sys
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
from httpx_sse import EventSource, aconnect_sse
from pydantic import ValidationError

from app.cli.flags import GENERATE_OPTIONS
from app.cli.local import read_saved
from app.coaching.telling import render
from app.events import (
    FINISHED,
    BlockData,
    Event,
    PlanData,
    ProgressData,
    RevisionData,
    StatusData,
    UnderstoodData,
)
from app.models import GenerateRequest, UserCreate
from app.settings import Settings

BAR_WIDTH = 30
DEFAULT_API_URL = "http://127.0.0.1:8000"
# A lost stream is resumed with exponential backoff and jitter (so many clients that lost the
# same server do not all come back in step), for at most --retry-for seconds.
RETRY_FIRST_S = 0.5
RETRY_MAX_S = 8.0
RETRYABLE_STATUS = frozenset({502, 503, 504})  # a proxy without a backend, an API without its database


@dataclass(frozen=True)
class Api:
    url: str
    source: str  # where the URL came from, for the message when it cannot be reached
    key: str


def find_api(settings: Settings) -> Api:
    key = os.environ.get("NOWVA_API_KEY") or read_saved(settings.saved_key_path)
    if not key:
        raise SystemExit("nowva: no API key: set NOWVA_API_KEY, or start `nowva serve` once to create one")
    for name in ("NOWVA_API_URL", "FASTAPI_URL"):
        if os.environ.get(name):
            return Api(os.environ[name].rstrip("/"), f"from {name}", key)
    saved = read_saved(settings.saved_url_path)
    if saved:
        return Api(saved, f"recorded by `nowva serve` in {settings.saved_url_path}", key)
    return Api(DEFAULT_API_URL, "the default", key)


def unreachable(api: Api, exc: httpx.TransportError) -> str:
    return (f"nowva: cannot reach the Nowva API at {api.url} ({api.source}): {_reason(exc)}.\n"
            "Start it with `nowva serve`, or set NOWVA_API_URL to where it runs.")


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _quiet_http_logs(verbose: bool) -> None:
    # httpx logs every request at INFO, which would be printed through the progress bar.
    if not verbose:
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).setLevel(logging.WARNING)


def _client(api: Api) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=api.url, headers={"Authorization": f"Bearer {api.key}"},
                             timeout=httpx.Timeout(30, read=60))


def _field_name(loc: list[Any]) -> str:
    field = next((str(part) for part in loc if part != "body"), "")
    return GENERATE_OPTIONS.get(field, field)


def _fail(response: httpx.Response) -> int:
    try:
        detail: Any = response.json().get("detail")
    except ValueError:
        detail = response.text
    if isinstance(detail, list):
        detail = "; ".join(f"{_field_name(d['loc'])}: {d['msg']}" for d in detail)
    print(f"nowva: HTTP {response.status_code}: {detail}", file=sys.stderr)
    return 1


def draw(progress: int, stage: str) -> None:
    filled = BAR_WIDTH * progress // 100
    bar = "█" * filled + "░" * (BAR_WIDTH - filled)
    sys.stderr.write(f"\r[{bar}] {progress:3d}%  {stage:<40.40}")
    sys.stderr.flush()


def invalid_options(args: argparse.Namespace) -> list[str]:
    """What the API's own models would refuse, found before anything is created, by option."""
    body = {name: getattr(args, name) for name in GENERATE_OPTIONS if name != "user_id"}
    problems: list[str] = []
    for model, values in ((GenerateRequest, {**body, "user_id": args.user_id or UUID(int=0)}),
                          (UserCreate, {k: body[k] for k in ("height_cm", "weight_kg", "fitness_level")})):
        try:
            model.model_validate(values)
        except ValidationError as exc:
            for error in exc.errors():
                problem = f"argument {_field_name(list(error['loc']))}: {error['msg']} (got {error['input']!r})"
                if problem not in problems:
                    problems.append(problem)
    return problems


async def generate(settings: Settings, args: argparse.Namespace) -> int:
    _quiet_http_logs(args.verbose)
    problems = invalid_options(args)
    if problems:
        for problem in problems:
            print(f"nowva generate: error: {problem}", file=sys.stderr)
        return 2
    api = find_api(settings)
    async with _client(api) as client:
        try:
            user_id = args.user_id
            if not user_id:
                r = await client.post("/api/users", json={"height_cm": args.height_cm, "weight_kg": args.weight_kg,
                                                          "fitness_level": args.fitness_level})
                if r.status_code != 201:
                    return _fail(r)
                user_id = r.json()["id"]
            body = {name: getattr(args, name) for name in GENERATE_OPTIONS if name != "user_id"}
            r = await client.post("/api/programs/generate", json={**body, "user_id": user_id})
        except httpx.TransportError as exc:
            print(unreachable(api, exc), file=sys.stderr)
            return 1
        if r.status_code != 202:
            return _fail(r)
        job_id = r.json()["job_id"]
        print(f"job {job_id} (user {user_id})", flush=True)
        if not args.watch:
            return 0
        return await _follow(client, api, job_id, args.retry_for, reached=True)


async def watch(settings: Settings, args: argparse.Namespace) -> int:
    _quiet_http_logs(args.verbose)
    api = find_api(settings)
    async with _client(api) as client:
        return await _follow(client, api, args.job_id, args.retry_for, reached=False)


def backoff(failures: int) -> float:
    """Half the exponential delay fixed, half random: never a busy loop, never in step."""
    delay: float = min(RETRY_MAX_S, RETRY_FIRST_S * 2.0 ** min(failures, 16))
    return delay / 2 + random.uniform(0, delay / 2)


async def _follow(client: httpx.AsyncClient, api: Api, job_id: str, retry_for: float, *, reached: bool) -> int:
    last = 0
    outcome: dict[str, Any] | None = None
    lost_at: float | None = None  # when the API stopped answering; None while it answers
    failures = 0
    while outcome is None:
        try:
            async with aconnect_sse(client, "GET", f"/api/programs/status/{job_id}/events",
                                    params={"after": last}) as source:
                reached = True
                status = source.response.status_code
                if status == 204:  # nothing left to send: the job ended at or before `last`
                    outcome = await _final_event(client, job_id)
                    if outcome is None:
                        return 1
                    break
                if status not in RETRYABLE_STATUS:
                    if status != 200:
                        await source.response.aread()
                        return _fail(source.response)
                    if lost_at is not None:
                        print(f"\nnowva: reconnected to {api.url}; resuming after event {last}", file=sys.stderr)
                    lost_at, failures = None, 0
                    last, outcome = await _draw_events(source, last)
                    if outcome is not None:
                        break
                    reason = "the stream ended before the job did"  # e.g. the API is shutting down
                else:
                    reason = f"HTTP {status}"
        except httpx.TransportError as exc:
            if not reached:  # never answered at all: most likely not started, or another URL
                print(unreachable(api, exc), file=sys.stderr)
                return 1
            reason = _reason(exc)
        now = time.monotonic()
        if lost_at is None:
            lost_at = now
            print(f"\nnowva: lost the API at {api.url} ({reason}); trying again for up to {retry_for:g} s",
                  file=sys.stderr)
        elif now - lost_at >= retry_for:
            print(f"\nnowva: gave up: the API at {api.url} has not answered for {retry_for:g} s ({reason}).\n"
                  f"The job goes on without us: `nowva watch {job_id}` follows it again.", file=sys.stderr)
            return 1
        await asyncio.sleep(min(backoff(failures), max(0.0, lost_at + retry_for - now)))
        failures += 1
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


async def _draw_events(source: EventSource, last: int) -> tuple[int, dict[str, Any] | None]:
    """Draw a stream's events as they come; return the last seq seen and the terminal event, if
    it came before the stream ended."""
    async for sse in source.aiter_sse():
        if not sse.data:
            continue  # the retry hint and heartbeats carry no data
        event = Event.model_validate_json(sse.data)
        last = event.seq
        data = event.payload()
        if isinstance(data, ProgressData):
            draw(data.progress, data.message or data.stage)
        elif isinstance(data, UnderstoodData):
            # What was read from the words, above the bar, so the person can check it (issue 24).
            # A second one, `revised`, is the model's reading added on the cautious side.
            told = render(data.profile, data.unplaced)
            if data.revised:
                told = told.replace("Understood:", "Understood, with the model's reading:", 1)
            sys.stderr.write("\r\033[K" + told + "\n")
            draw(0, "understood")
        elif isinstance(data, PlanData):
            # Above the bar: clear its line, print the plan, and draw the bar again below.
            sys.stderr.write("\r\033[K" + render_plan(event.data) + "\n")
            draw(data.progress, "planned")
        elif isinstance(data, BlockData):
            draw(data.progress, f"block {data.done} of {data.of} written")
        elif isinstance(data, RevisionData):
            # What a revision changed (issue 26), above the bar, as the voice would say it.
            sys.stderr.write("\r\033[K" + data.said + "\n")
            draw(data.progress, "revised")
        elif isinstance(data, StatusData):
            draw(0, data.status)
        else:
            return last, event.model_dump(mode="json")
    return last, None


async def _final_event(client: httpx.AsyncClient, job_id: str) -> dict[str, Any] | None:
    """The job's end as its status tells it, shaped like the terminal event."""
    r = await client.get(f"/api/programs/status/{job_id}")
    if r.status_code != 200:
        _fail(r)
        return None
    job = r.json()
    if job["status"] not in FINISHED:
        print(f"nowva: the stream of job {job_id} had nothing to send, yet the job is {job['status']}",
              file=sys.stderr)
        return None
    return {"type": job["status"], "data": {"program_id": job.get("program_id"),
                                            "error_message": job.get("error_message")}}


def render_plan(plan: dict[str, Any]) -> str:
    """The plan, as soon as it exists: what the program will be while its blocks are written."""
    lines = [f"Plan: {plan.get('name', '')}", f"  {plan.get('summary', '')}"]
    for block in plan.get("blocks") or []:
        first, last = (block.get("weeks") or [0, 0])[:2]
        weeks = f"week {first}" if first == last else f"weeks {first}-{last}"
        deloads = block.get("deload_weeks") or []
        tag = f" (deload: week {', '.join(map(str, deloads))})" if deloads else ""
        lines.append(f"  Block {block.get('index', 0) + 1}, {weeks}: {block.get('focus', '')}{tag}")
    return "\n".join(lines)


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
