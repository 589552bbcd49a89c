"""Procrastinate's psycopg connector, for a DATABASE_URL that may be a transaction-mode pooler.

Procrastinate 3.10 uses its pool for everything (fetching jobs, heartbeats, state changes)
except LISTEN, which it opens on a standalone connection made from the pool's conninfo
(psycopg_connector.py: listen_notify, _get_standalone_connection). So this connector:

* sends that one connection to NOWVA_LISTEN_DATABASE_URL when set (PostgreSQL itself or a
  session-mode pooler), and everything else through DATABASE_URL;
* tells psycopg never to prepare (prepare_threshold None) when NOWVA_DB_POOLER=transaction:
  after 5 runs of a query psycopg prepares it under a name (_pg3_N), which a pooler that
  does not track prepared statements (PgBouncer before 1.21, Supavisor) sends to the wrong
  server connection;
* checks that its LISTEN hears, with a probe on a channel of its own (app/listening.py): a
  LISTEN through a transaction pooler would leave every job waiting for the worker's poll.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable
from typing import Any

import asyncpg
import procrastinate
import psycopg
from procrastinate.connector import Notify

from app.listening import Earshot, send_probe
from app.settings import PoolerMode

PROBE_CHANNEL = "nowva_worker_probe"
LISTEN_APPLICATION_NAME = "nowva-worker-listen"  # in pg_stat_activity


class WorkerConnector(procrastinate.PsycopgConnector):
    def __init__(self, database_url: str, *, listen_url: str | None, pooler: PoolerMode, probe_pool: asyncpg.Pool,
                 probe_interval_s: float, max_size: int = 10) -> None:
        kwargs: dict[str, Any] = {"prepare_threshold": None} if pooler == "transaction" else {}
        super().__init__(conninfo=database_url, min_size=1, max_size=max_size, kwargs=kwargs)
        self._listen_url = listen_url
        self._probe_pool = probe_pool
        self._probe_interval_s = probe_interval_s
        self.earshot = Earshot("this worker", "new jobs and cancellations wait for the worker's poll (5 s)")

    @contextlib.asynccontextmanager
    async def _get_standalone_connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        """The LISTEN connection (Procrastinate uses it for nothing else)."""
        self.earshot.reconnected()
        if self._listen_url is None:
            async with super()._get_standalone_connection() as conn:
                yield conn
            return
        async with await psycopg.AsyncConnection.connect(
                self._listen_url, autocommit=True, application_name=LISTEN_APPLICATION_NAME) as conn:
            yield conn

    async def listen_notify(self, on_notification: Notify, channels: Iterable[str]) -> None:
        async def deliver(channel: str, payload: str) -> None:
            self.earshot.heard(payload)
            if channel != PROBE_CHANNEL:
                await on_notification(channel=channel, payload=payload)

        prober = asyncio.create_task(self._probe_forever(), name="worker-listen-probe")
        try:
            await super().listen_notify(deliver, [PROBE_CHANNEL, *channels])
        finally:
            prober.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await prober

    async def _probe_forever(self) -> None:
        while True:
            await asyncio.sleep(self._probe_interval_s)
            token = self.earshot.tick(self._probe_interval_s)
            if token is None:
                continue
            try:
                await send_probe(self._probe_pool, PROBE_CHANNEL, token)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                continue  # the database is away: nothing to judge by
            self.earshot.sent(token)
