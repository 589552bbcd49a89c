"""Named SQL from sql/queries.sql, parsed once; one small typed function per query.

Every function takes an executor: an asyncpg pool or a connection (inside a transaction).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import asyncpg

from app.events import FINISHED
from sql import SQL_DIR

_QUERY_HEADER = re.compile(r"^-- ([a-z_]+) --$", re.MULTILINE)


def parse_queries(text: str) -> dict[str, str]:
    parts = _QUERY_HEADER.split(text)
    queries: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        lines = [line for line in body.strip().splitlines() if not line.startswith("--")]
        queries[name] = "\n".join(lines).strip()
    return queries


def load_queries() -> dict[str, str]:
    """sql/queries.sql plus any sql/queries_*.sql (one file per concern), names unique."""
    queries: dict[str, str] = {}
    for path in sorted(SQL_DIR.glob("queries*.sql")):
        for name, text in parse_queries(path.read_text()).items():
            if name in queries:
                raise RuntimeError(f"query {name!r} is defined twice (in {path.name})")
            queries[name] = text
    return queries


QUERIES = load_queries()


class Executor(Protocol):
    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]: ...
    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None: ...
    async def fetchval(self, query: str, *args: Any) -> Any: ...
    async def execute(self, query: str, *args: Any) -> str: ...


FirehoseCursor = tuple[int, int]  # (txid, id) of the last event a firehose client has


@dataclass(frozen=True, slots=True)
class Event:
    job_id: UUID
    seq: int
    id: int
    type: str
    data: dict[str, Any]
    created_at: datetime
    txid: int = 0  # the inserting transaction: the firehose's order (filled by firehose_after)

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> Event:
        return cls(r["job_id"], r["seq"], r["id"], r["type"], r["data"], r["created_at"])

    @property
    def firehose_cursor(self) -> FirehoseCursor:
        return (self.txid, self.id)

    @property
    def is_terminal(self) -> bool:
        return self.type in FINISHED


# ---------------------------------------------------------------- misc


async def check_connection(db: Executor) -> None:
    await db.fetchval(QUERIES["check_connection"])


async def get_or_create_secret(db: Executor, name: str, candidate: bytes) -> bytes:
    await db.execute(QUERIES["ensure_secret"], name, candidate)
    secret: bytes = await db.fetchval(QUERIES["get_secret"], name)
    return secret


# ---------------------------------------------------------------- users and keys


async def create_user(
    db: Executor, display_name: str | None, height_cm: float | None, weight_kg: float | None, level: str | None
) -> asyncpg.Record:
    row = await db.fetchrow(QUERIES["create_user"], display_name, height_cm, weight_kg, level)
    assert row is not None
    return row


async def get_user(db: Executor, user_id: UUID) -> asyncpg.Record | None:
    return await db.fetchrow(QUERIES["get_user"], user_id)


async def claim_user_for_generation(db: Executor, user_id: UUID, height_cm: float, weight_kg: float,
                                    level: str) -> bool:
    return await db.fetchval(QUERIES["claim_user_for_generation"], user_id, height_cm, weight_kg, level) is not None


async def create_api_key(
    db: Executor, prefix: str, secret_hash: bytes, name: str | None, user_id: UUID | None
) -> asyncpg.Record:
    row = await db.fetchrow(QUERIES["create_api_key"], prefix, secret_hash, name, user_id)
    assert row is not None
    return row


async def get_api_key(db: Executor, prefix: str) -> asyncpg.Record | None:
    return await db.fetchrow(QUERIES["get_api_key"], prefix)


async def revoke_api_key(db: Executor, prefix: str) -> bool:
    return await db.fetchval(QUERIES["revoke_api_key"], prefix) is not None


# ---------------------------------------------------------------- jobs


async def find_job_by_idempotency_key(db: Executor, key_prefix: str, key: str) -> asyncpg.Record | None:
    return await db.fetchrow(QUERIES["find_job_by_idempotency_key"], key_prefix, key)


@dataclass(frozen=True, slots=True)
class GenerationLimits:
    user_count: int  # jobs the user started within the rate window, through any key
    user_retry_after_s: int  # until the oldest of them leaves the window
    key_count: int  # jobs the key started within the window
    key_retry_after_s: int
    active_job_ids: list[UUID]  # the user's pending or running jobs, oldest first


async def generation_limits(db: Executor, key_prefix: str, user_id: UUID, window_s: float) -> GenerationLimits:
    row = await db.fetchrow(QUERIES["generation_limits"], key_prefix, user_id, window_s)
    assert row is not None
    return GenerationLimits(row["user_count"], row["user_retry_after_s"], row["key_count"], row["key_retry_after_s"],
                            list(row["active_job_ids"]))


async def create_job(
    db: Executor,
    job_id: UUID,
    user_id: UUID,
    request: dict[str, Any],
    key_prefix: str | None,
    idempotency_key: str | None,
    request_hash: str | None,
    traceparent: str | None = None,
    revision: dict[str, Any] | None = None,
) -> asyncpg.Record:
    """`revision`: what a revision job changes (None: a generation)."""
    row = await db.fetchrow(
        QUERIES["create_job"], job_id, user_id, request, key_prefix, idempotency_key, request_hash, traceparent,
        revision,
    )
    assert row is not None
    return row


async def get_job(db: Executor, job_id: UUID) -> asyncpg.Record | None:
    return await db.fetchrow(QUERIES["get_job"], job_id)


async def get_job_owner(db: Executor, job_id: UUID) -> UUID | None:
    owner: UUID | None = await db.fetchval(QUERIES["get_job_owner"], job_id)
    return owner


async def get_job_position(db: Executor, job_id: UUID) -> asyncpg.Record | None:
    return await db.fetchrow(QUERIES["get_job_position"], job_id)


async def list_jobs(
    db: Executor,
    status: str | None,
    user_id: UUID | None,
    before: tuple[datetime, UUID] | None,
    limit: int,
) -> list[asyncpg.Record]:
    created, last_id = before if before else (None, None)
    return await db.fetch(QUERIES["list_jobs"], status, user_id, created, last_id, limit)


async def job_counts(db: Executor) -> dict[str, int]:
    return {r["status"]: r["jobs"] for r in await db.fetch(QUERIES["job_counts"])}


async def cancel_job(db: Executor, job_id: UUID) -> int | None:
    """The cancelled event's seq, or None when the job was not pending or running."""
    row = await db.fetchrow(QUERIES["cancel_job"], job_id)
    return None if row is None else int(row["last_seq"])


# ---------------------------------------------------------------- worker transitions


async def start_attempt(
    db: Executor, job_id: UUID, queue_job_id: int, max_attempts: int, give_up_format: str, lease_s: float,
    engine: str | None = None,
) -> asyncpg.Record | None:
    """Take the job for a new attempt. None: not this delivery's to run (finished, cancelled,
    owned by a live attempt, or handed to another queue job)."""
    return await db.fetchrow(QUERIES["start_attempt"], job_id, queue_job_id, max_attempts, give_up_format,
                             lease_s, engine)


async def renew_lease(db: Executor, job_id: UUID, attempt: int, lease_s: float) -> bool:
    return await db.fetchrow(QUERIES["renew_lease"], job_id, attempt, lease_s) is not None


@dataclass(frozen=True, slots=True)
class HandOff:
    job_id: UUID
    status: str  # pending: queued again; failed: past the attempt cap
    reason: str


async def hand_off_jobs(
    db: Executor, heartbeat_stale_s: float, max_attempts: int, give_up_format: str,
    job_id: UUID | None = None, attempt: int | None = None,
) -> list[HandOff]:
    """Every unfinished job whose attempt is gone, or (with job_id and attempt) the one job
    whose attempt hands itself back: queue it afresh, or fail it past the cap."""
    rows = await db.fetch(QUERIES["hand_off_jobs"], heartbeat_stale_s, max_attempts, job_id, give_up_format, attempt)
    return [HandOff(r["id"], r["status"], r["reason"]) for r in rows]


async def abort_abandoned_queue_jobs(db: Executor) -> int:
    return len(await db.fetch(QUERIES["abort_abandoned_queue_jobs"]))


async def record_progress(
    db: Executor, job_id: UUID, attempt: int, progress: int, stage: str, message: str
) -> bool:
    return await db.fetchrow(QUERIES["record_progress"], job_id, attempt, progress, stage, message) is not None


async def complete_job(
    db: Executor,
    job_id: UUID,
    attempt: int,
    program_id: UUID,
    program: dict[str, Any],
    request: dict[str, Any],
    engine: str,
    model: str | None,
    usage: dict[str, Any] | None,
    fallback_reason: str | None = None,
) -> bool:
    row = await db.fetchrow(
        QUERIES["complete_job"], job_id, attempt, program_id,
        program["name"], program["description"], request["goal_category"], request["fitness_level"],
        request["duration_weeks"], request["days_per_week"], {"weeks": program["weeks"]}, program["summary"],
        engine, model, usage, fallback_reason, request,
    )
    return row is not None


async def fail_job(
    db: Executor,
    job_id: UUID,
    attempt: int,
    message: str,
    engine: str | None = None,
    model: str | None = None,
    usage: dict[str, Any] | None = None,
) -> bool:
    return await db.fetchrow(QUERIES["fail_job"], job_id, attempt, message, engine, model, usage) is not None


async def record_code_fixes(db: Executor, job_id: UUID, attempt: int, fixes: list[dict[str, str]]) -> None:
    await db.execute(QUERIES["record_code_fixes"], job_id, attempt, fixes)


# ---------------------------------------------------------------- events


async def events_after(db: Executor, job_id: UUID, after: int) -> list[Event]:
    return [Event.from_record(r) for r in await db.fetch(QUERIES["events_after"], job_id, after)]


async def events_by_keys(db: Executor, keys: Sequence[tuple[UUID, int]]) -> list[Event]:
    rows = await db.fetch(QUERIES["events_by_keys"], [k[0] for k in keys], [k[1] for k in keys])
    return [Event.from_record(r) for r in rows]


async def events_after_many(db: Executor, afters: Sequence[tuple[UUID, int]]) -> list[Event]:
    rows = await db.fetch(QUERIES["events_after_many"], [a[0] for a in afters], [a[1] for a in afters])
    return [Event.from_record(r) for r in rows]


async def firehose_after(db: Executor, cursor: FirehoseCursor, limit: int) -> list[Event]:
    rows = await db.fetch(QUERIES["firehose_after"], str(cursor[0]), cursor[1], limit)
    return [Event(r["job_id"], r["seq"], r["id"], r["type"], r["data"], r["created_at"], r["txid"]) for r in rows]


async def firehose_now(db: Executor) -> FirehoseCursor:
    return (int(await db.fetchval(QUERIES["firehose_now"])), 0)


# ---------------------------------------------------------------- programs


async def get_program(db: Executor, program_id: UUID) -> asyncpg.Record | None:
    return await db.fetchrow(QUERIES["get_program"], program_id)


async def lock_user(db: Executor, user_id: UUID) -> bool:
    return await db.fetchval(QUERIES["lock_user"], user_id) is not None


async def program_for_revision(db: Executor, program_id: UUID) -> asyncpg.Record | None:
    return await db.fetchrow(QUERIES["program_for_revision"], program_id)


async def list_program_versions(db: Executor, program_id: UUID) -> list[asyncpg.Record]:
    return await db.fetch(QUERIES["list_program_versions"], program_id)


async def list_programs(
    db: Executor, user_id: UUID, before: tuple[datetime, UUID] | None, limit: int
) -> list[asyncpg.Record]:
    created, last_id = before if before else (None, None)
    return await db.fetch(QUERIES["list_programs"], user_id, created, last_id, limit)
