"""asyncpg pools and connections, with JSON codecs. Core: no web or queue imports."""

from __future__ import annotations

import json
from typing import Any

import asyncpg


async def _init_connection(conn: asyncpg.Connection) -> None:
    for typename in ("json", "jsonb"):
        await conn.set_type_codec(typename, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(url: str, *, min_size: int = 1, max_size: int = 10, **kwargs: Any) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        url, min_size=min_size, max_size=max_size, init=_init_connection,
        # Dead connections (after a PostgreSQL restart) are dropped at acquire time,
        # so the pool heals itself without an API restart.
        max_inactive_connection_lifetime=60.0,
        **kwargs,
    )
    assert pool is not None
    return pool


async def connect(url: str, **kwargs: Any) -> asyncpg.Connection:
    conn = await asyncpg.connect(url, **kwargs)
    await _init_connection(conn)
    return conn
