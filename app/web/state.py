"""What an API process opens once at start and hands to every request (as lifespan state)."""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TypeVar

import anyio
import asyncpg

from app import queries as q
from app.db import create_pool, retrying
from app.keys import StreamTokens
from app.settings import PoolerMode, Settings
from app.web.auth import KeyCache
from app.web.hub import Hub
from app.web.status_cache import StatusCache

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Services:
    settings: Settings
    database_url: str
    pool: asyncpg.Pool
    hub: Hub
    tokens: StreamTokens
    keys: KeyCache
    status: StatusCache
    # Set when the process begins to shut down: open streams end cleanly so that
    # clients resume (with Last-Event-ID) on another API process.
    shutdown: anyio.Event = field(default_factory=anyio.Event)

    def begin_shutdown(self) -> None:
        """End every open stream now, each with a complete response, so clients resume elsewhere."""
        self.shutdown.set()
        self.hub.close_streams()


@contextlib.asynccontextmanager
async def open_services(
    settings: Settings, database_url: str, listen_url: str | None = None
) -> AsyncIterator[Services]:
    # Starting while PostgreSQL restarts waits for it, not exits (a supervisor would loop).
    wait = settings.db_start_timeout_s
    pool = await retrying(lambda: create_pool(database_url, min_size=1, max_size=settings.api_pool_size,
                                                 pooler=settings.db_pooler),
                          "API start", wait)
    try:
        secret = await retrying(lambda: q.get_or_create_secret(pool, "stream_token", secrets.token_bytes(32)),
                                "API start", wait)
        # LISTEN needs a session: NOWVA_LISTEN_DATABASE_URL when DATABASE_URL is a transaction pooler.
        listen_pooler: PoolerMode = "session" if listen_url else settings.db_pooler
        hub = Hub(listen_url or database_url, pool, settings.hub_poll_s, pooler=listen_pooler)
        # A LISTEN through a transaction pooler hears nothing (app/listening.py): no row could be trusted.
        status = StatusCache(hub, settings.status_cache_s if listen_pooler == "session" else 0)
        hub.watch(status.forget)
        await hub.start()
        try:
            yield Services(
                settings=settings,
                database_url=database_url,
                pool=pool,
                hub=hub,
                tokens=StreamTokens(secret, settings.stream_token_ttl_s),
                keys=KeyCache(pool),
                status=status,
            )
        finally:
            await hub.stop()
    finally:
        await pool.close()
