"""Forward-only migrations: Procrastinate's schema, then sql/migrations/NNNN_*.sql in order.

Each step runs in its own transaction and is recorded in schema_migrations; a
transaction-level advisory lock makes concurrent starts (several API and worker
processes on one database) apply each step exactly once.
"""

from __future__ import annotations

import logging

import asyncpg

from app.db import connect
from app.settings import PoolerMode
from sql import MIGRATIONS_DIR

log = logging.getLogger(__name__)

_LOCK_KEY = 0x6E6F7776  # "nowv"
PROCRASTINATE_STEP = "0000_procrastinate_schema"


def _steps() -> list[tuple[str, str]]:
    from procrastinate.schema import SchemaManager  # the queue's own, versioned schema

    steps = [(PROCRASTINATE_STEP, SchemaManager.get_schema())]
    for path in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        steps.append((path.stem, path.read_text()))
    return steps


async def migrate(url: str, pooler: PoolerMode = "session") -> list[str]:
    """Apply what is missing; return the names of the steps applied now. Every step holds its lock
    for its own transaction only, so this works through a transaction-mode pooler too."""
    conn = await connect(url, pooler=pooler)
    applied_now: list[str] = []
    try:
        async with conn.transaction():
            # Under the lock too: IF NOT EXISTS does not stop two first starts at once (`nowva serve`
            # and `nowva worker` on a fresh data dir) from both creating it; one would fail.
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
        for name, sql_text in _steps():
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
                done = await conn.fetchval("SELECT 1 FROM schema_migrations WHERE name = $1", name)
                if done:
                    continue
                if name == PROCRASTINATE_STEP and await _procrastinate_present(conn):
                    log.info("Procrastinate schema already present; recording it")
                else:
                    await conn.execute(sql_text)
                await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
                applied_now.append(name)
                log.info("applied migration %s", name)
    finally:
        await conn.close()
    return applied_now


async def _procrastinate_present(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval("SELECT to_regclass('procrastinate_jobs') IS NOT NULL"))
