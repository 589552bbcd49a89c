"""`nowva jobs list|show|retry|cancel|prune`: the operators' tool, on the service's own database.

It talks to PostgreSQL directly (DATABASE_URL, or the embedded server of --data-dir), not
to the API: it works while the API is down, and needs no key. Every change it makes is the
same one-statement transition the service makes (row + event + doorbell), so clients that
follow a job over SSE see an operator's cancel or retry like any other event.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from app import admin_queries as aq
from app import queries as q
from app.events import JOB_STATUSES
from app.settings import Settings

STATUSES = JOB_STATUSES
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "": 86400}


class CliError(Exception):
    """Printed as `nowva: <message>`; the command exits 1."""


# ---------------------------------------------------------------- formatting


def parse_duration(text: str) -> timedelta:
    """`30d`, `12h`, `90m`, `45s`, `2w`; a bare number is days."""
    match = _DURATION.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (try 30d, 12h, 90m)")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return "-"
    return span((now or datetime.now(UTC)) - moment)


def span(delta: timedelta | None) -> str:
    if delta is None:
        return "-"
    seconds = delta.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}".replace(".0" + unit, unit)
    return f"{seconds:.1f}s"


def clip(text: str | None, width: int) -> str:
    if not text:
        return "-"
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers], *[["-" if c is None else str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


def _record(row: asyncpg.Record) -> dict[str, Any]:
    return {key: _plain(value) for key, value in dict(row).items()}


# ---------------------------------------------------------------- commands


async def _resolve(conn: asyncpg.Connection, text: str) -> UUID:
    """A full job id, or a unique prefix of one (operators copy the first 8 characters)."""
    try:
        return UUID(text)
    except ValueError:
        pass
    if not re.fullmatch(r"[0-9a-fA-F-]{4,36}", text):
        raise CliError(f"not a job id: {text!r}")
    found = await aq.find_jobs_by_prefix(conn, text)
    if not found:
        raise CliError(f"no job {text}")
    if len(found) > 1:
        raise CliError(f"{text} matches several jobs; give more of the id")
    return found[0]


async def list_jobs(conn: asyncpg.Connection, args: argparse.Namespace) -> int:
    user_id = UUID(args.user_id) if args.user_id else None
    rows = await aq.list_jobs(conn, args.status, user_id, args.limit)
    if args.json:
        print(json.dumps([_record(r) for r in rows], indent=2))
        return 0
    if not rows:
        print("no jobs")
        return 0
    now = datetime.now(UTC)
    print(table(
        ["JOB_ID", "STATUS", "PROGRESS", "STAGE", "ATTEMPT", "AGE", "TOOK", "WORKER", "ERROR"],
        [[r["id"], r["status"], f"{r['progress']}%", clip(r["stage"], 20),
          f"{r['attempt']}" + (f" (+{r['retries']} retries)" if r["retries"] else ""),
          ago(r["created_at"], now),
          span(r["completed_at"] - r["started_at"]) if r["completed_at"] and r["started_at"] else "-",
          r["worker_id"], f"{r['error_kind']}: {clip(r['error_message'], 50)}" if r["error_message"] else "-"]
         for r in rows],
    ))
    return 0


async def show_job(conn: asyncpg.Connection, args: argparse.Namespace) -> int:
    job_id = await _resolve(conn, args.job_id)
    row = await aq.get_job(conn, job_id)
    if row is None:
        raise CliError(f"no job {job_id}")
    events = await q.events_after(conn, job_id, 0)
    if args.json:
        out = _record(row)
        out["events"] = [{"seq": e.seq, "type": e.type, "data": e.data, "created_at": e.created_at.isoformat()}
                         for e in events]
        print(json.dumps(out, indent=2))
        return 0
    now = datetime.now(UTC)
    request = row["request"] or {}
    queue = "-"
    if row["procrastinate_job_id"] is not None:
        queue = f"procrastinate job {row['procrastinate_job_id']}: {row['queue_status'] or 'pruned'}"
        if row["worker_id"] is not None:
            heartbeat = row["heartbeat_age_s"]
            queue += f", worker {row['worker_id']}" + (f" (heartbeat {heartbeat:.0f}s ago)" if heartbeat else "")
    fields = [
        ("job", row["id"]),
        ("user", row["user_id"]),
        ("status", f"{row['status']}  (stage {row['stage']}, progress {row['progress']}%)"),
        ("attempt", f"{row['attempt']}  (retries {row['retries']}, budget counted from {row['attempt_base']})"),
        ("request", " ".join(f"{k}={request.get(k)}" for k in (
            "goal_category", "duration_weeks", "days_per_week", "fitness_level", "height_cm", "weight_kg"))),
        ("created", f"{row['created_at'].isoformat(timespec='seconds')}  ({ago(row['created_at'], now)} ago)"),
        ("requeued", row["requeued_at"].isoformat(timespec="seconds") if row["requeued_at"] else "-"),
        ("started", row["started_at"].isoformat(timespec="seconds") if row["started_at"] else "-"),
        ("completed", row["completed_at"].isoformat(timespec="seconds") if row["completed_at"] else "-"),
        ("program", row["program_id"] or "-"),
        ("engine", f"{row['engine'] or '-'}  (model {row['model'] or '-'})"
                   + (f"; the model failed ({row['fallback_reason']}): built-in fallback" if row["fallback_reason"]
                      else "")),
        ("cost", f"${row['usage']['cost_usd']:.4f}" if isinstance((row["usage"] or {}).get("cost_usd"), (int, float))
         else "-"),
        ("usage", json.dumps(row["usage"]) if row["usage"] else "-"),
        ("error", f"{row['error_kind']}: {row['error_message']}" if row["error_message"] else "-"),
        ("queue", queue),
        ("api key", f"nwv_{row['api_key_prefix']}_…" if row["api_key_prefix"] else "-"),
    ]
    for name, value in fields:
        print(f"{name:<10} {value}")
    print()
    print(table(["SEQ", "AT", "TYPE", "DATA"],
                [[e.seq, e.created_at.astimezone(UTC).strftime("%H:%M:%S.%f")[:-3], e.type,
                  clip(json.dumps(e.data, separators=(",", ":")), 90)] for e in events]))
    return 0


async def cancel_job(conn: asyncpg.Connection, args: argparse.Namespace) -> int:
    job_id = await _resolve(conn, args.job_id)
    seq = await q.cancel_job(conn, job_id)  # the API's cancel: same statement, same effect
    if seq is None:
        row = await q.get_job(conn, job_id)
        if row is None:
            raise CliError(f"no job {job_id}")
        raise CliError(f"job {job_id} is already {row['status']} and can no longer be cancelled")
    print(f"cancelled {job_id} (event {seq})")
    return 0


async def retry_job(conn: asyncpg.Connection, args: argparse.Namespace, settings: Settings) -> int:
    job_id = await _resolve(conn, args.job_id)
    before = await aq.get_job(conn, job_id)
    if before is None:
        raise CliError(f"no job {job_id}")
    done = await aq.retry_job(conn, job_id)
    if done is None:
        if before["status"] in ("failed", "cancelled"):
            raise CliError(f"job {job_id} has a program already; it cannot be retried")
        raise CliError(f"job {job_id} is {before['status']}; only failed or cancelled jobs can be retried")
    print(f"re-queued {job_id} (retry {done.retries}, event {done.seq}, procrastinate job "
          f"{done.procrastinate_job_id})")
    return 0


async def prune(conn: asyncpg.Connection, args: argparse.Namespace, settings: Settings) -> int:
    older_than: timedelta = args.older_than or timedelta(days=settings.retention_days)
    maintenance = min(older_than, timedelta(hours=settings.retention_maintenance_hours))
    jobs_cutoff, maintenance_cutoff = aq.cutoffs(older_than, maintenance)

    class _DryRun(Exception):
        pass

    if args.dry_run:
        pruned = aq.Pruned()
        try:
            # The real work in a transaction that is rolled back: exact counts, nothing gone.
            async with conn.transaction():
                pruned = await aq.prune(conn, jobs_cutoff, maintenance_cutoff)
                raise _DryRun()
        except _DryRun:
            pass
    else:
        # Batches commit one by one: short statements, short row locks.
        pruned = await aq.prune(conn, jobs_cutoff, maintenance_cutoff)
    verb = "would prune" if args.dry_run else "pruned"
    print(f"{verb} {pruned.jobs} jobs, {pruned.events} events, {pruned.queue_jobs} queue rows "
          f"(jobs finished before {jobs_cutoff.isoformat(timespec='seconds')}; programs are kept)")
    return 0


# ---------------------------------------------------------------- wiring


def _command(name: str) -> Any:
    def run_command(settings: Settings, args: argparse.Namespace) -> int:
        from app.cli.database import database

        with database(settings) as url:
            try:
                return int(asyncio.run(_dispatch(name, url, args, settings)))
            except CliError as exc:
                print(f"nowva: {exc}", file=sys.stderr)
                return 1
            except (asyncpg.UndefinedTableError, asyncpg.UndefinedColumnError) as exc:
                print(f"nowva: the database schema is behind this version ({exc}); run `nowva migrate`",
                      file=sys.stderr)
                return 1

    return run_command


async def _dispatch(name: str, url: str, args: argparse.Namespace, settings: Settings) -> int:
    from app.db import connect

    conn = await connect(url, timeout=10, pooler=settings.db_pooler)
    try:
        if name == "list":
            return await list_jobs(conn, args)
        if name == "show":
            return await show_job(conn, args)
        if name == "cancel":
            return await cancel_job(conn, args)
        if name == "retry":
            return await retry_job(conn, args, settings)
        return await prune(conn, args, settings)
    finally:
        await conn.close()


def add_jobs_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """`nowva jobs …`, added to the main parser by app/cli/main.py."""
    jobs = sub.add_parser("jobs", help="inspect and manage generation jobs (on the service's database)")
    cmds = jobs.add_subparsers(dest="jobs_command", required=True)

    p = cmds.add_parser("list", parents=[common], help="jobs, newest first")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--user-id", help="only this user's jobs")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true", help="JSON instead of a table")
    p.set_defaults(func=_command("list"))

    p = cmds.add_parser("show", parents=[common], help="one job: its row, queue state and every event")
    p.add_argument("job_id", help="a job id, or a unique prefix of one")
    p.add_argument("--json", action="store_true", help="JSON instead of text")
    p.set_defaults(func=_command("show"))

    p = cmds.add_parser("cancel", parents=[common], help="cancel a pending or running job (as the API does)")
    p.add_argument("job_id")
    p.set_defaults(func=_command("cancel"))

    p = cmds.add_parser("retry", parents=[common],
                        help="re-queue a failed or cancelled job: a new attempt, events continue")
    p.add_argument("job_id")
    p.set_defaults(func=_command("retry"))

    p = cmds.add_parser("prune", parents=[common],
                        help="delete finished jobs, their events and queue rows past an age (programs stay)")
    p.add_argument("--older-than", type=parse_duration,
                   help="e.g. 30d, 12h (default: NOWVA_RETENTION_DAYS, 30 days)")
    p.add_argument("--dry-run", action="store_true", help="count what would go, delete nothing")
    p.set_defaults(func=_command("prune"))
