"""asyncpg pools and connections, with JSON codecs. Core: no web or queue imports."""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import asyncpg
from pydantic_core import from_json, to_json
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_delay, wait_exponential

from app.settings import PoolerMode

log = logging.getLogger(__name__)
T = TypeVar("T")

# What "the database is away" looks like from asyncpg: refused or missing socket (OSError),
# a server starting up or shutting down (CannotConnectNowError, AdminShutdown and the other
# operator interventions), a connection that died under us (class 08, or asyncpg's
# "connection is closed"), and a pool that could not hand out a connection in time.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError, TimeoutError, asyncpg.CannotConnectNowError, asyncpg.OperatorInterventionError,
    asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
)


def lost_while_idle(exc: BaseException) -> bool:
    """asyncpg's own race (MagicStack/asyncpg#784, reproduced here on 0.31 and 0.32 at 1-2 per
    PostgreSQL restart under load): a server's FATAL ("terminating connection due to
    administrator command") reaches a connection between two queries, asyncpg leaves it in its
    "discard until ready" state 2, and the next BEGIN/COMMIT goes out before it notices the
    socket closed. Nothing was committed (the backend rolled back), and asyncpg drops the
    connection itself, so this one InternalClientError means the database went away; any other
    is a bug and stays a 500."""
    return isinstance(exc, asyncpg.InternalClientError) and "another operation (2) is in progress" in str(exc)


def database_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, UNAVAILABLE) or lost_while_idle(exc)


def _backoff(timeout_s: float) -> Callable[[RetryCallState], float]:
    """0.5 s, doubling to 5 s, ±20% jitter (processes started together do not retry together),
    and never past the deadline: the last try comes at timeout_s."""
    exponential = wait_exponential(multiplier=0.5, max=5.0)

    def wait(state: RetryCallState) -> float:
        left = timeout_s - (state.seconds_since_start or 0.0)
        return max(0.0, min(left, exponential(state) * random.uniform(0.8, 1.2)))

    return wait


async def retrying(make: Callable[[], Awaitable[T]], what: str, timeout_s: float) -> T:
    """Wait for the database at start instead of exiting: a process started while PostgreSQL
    is down or restarting (or before it, under a supervisor) comes up when it does. Backs
    off from 0.5 s to 5 s with jitter and gives up after timeout_s; any other error at once."""

    def before_sleep(state: RetryCallState) -> None:
        assert state.outcome is not None and state.next_action is not None
        log.warning("%s: the database is unreachable (%s); retrying in %.1fs",
                    what, state.outcome.exception(), state.next_action.sleep)

    def give_up(state: RetryCallState) -> T:
        assert state.outcome is not None
        log.error("%s: the database is still unreachable after %.0fs (%s); giving up",
                  what, timeout_s, state.outcome.exception())
        return cast(T, state.outcome.result())  # raises the last error

    retryer = AsyncRetrying(
        retry=retry_if_exception(database_unavailable), stop=stop_after_delay(timeout_s),
        wait=_backoff(timeout_s), before_sleep=before_sleep, retry_error_callback=give_up)

    async def attempt() -> T:  # tenacity awaits only what it sees is a coroutine function, not a lambda's result
        return await make()

    return await retryer(attempt)


def _encode_json(value: Any) -> str:
    return to_json(value).decode()


async def _init_connection(conn: asyncpg.Connection) -> None:
    # pydantic-core's JSON (Rust) instead of the json module: a stored program is ~22 KB,
    # and every event payload and program passes through these.
    for typename in ("json", "jsonb"):
        await conn.set_type_codec(typename, encoder=_encode_json, decoder=from_json, schema="pg_catalog")


async def _keep_session(_conn: asyncpg.Connection) -> None:
    """The pool's reset hook: nothing to reset, so no reset query.

    asyncpg's default sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`
    on every release: one more round trip and four statements per pooled query, for session
    state we never create on pooled connections (no SET, LISTEN, cursors or session advisory
    locks: the hub LISTENs on its own connection, migrations lock per transaction). asyncpg
    still rolls back an open transaction and drops listeners before calling this.
    """


def statements(pooler: PoolerMode) -> dict[str, Any]:
    """asyncpg's options for what DATABASE_URL reaches.

    Through a transaction-mode pooler, consecutive statements of one client go to different
    server connections, so a named prepared statement made on one is missing on the next
    ("prepared statement __asyncpg_stmt_N__ does not exist"), or one of the same name is
    already there ("... already exists"): PgBouncer before 1.21 (1.21+ only with
    max_prepared_statements) and Supavisor do not track them. With its statement cache off,
    asyncpg sends every query as the unnamed statement, Parse, Bind and Execute in one
    message run before Sync (asyncpg/connection.py: _get_statement marks it unprepared), so
    the pooler keeps them on one server connection. It costs a Parse per query.
    """
    return {"statement_cache_size": 0} if pooler == "transaction" else {}


async def create_pool(url: str, *, min_size: int = 1, max_size: int = 10, pooler: PoolerMode = "session",
                      **kwargs: Any) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        url, min_size=min_size, max_size=max_size, init=_init_connection, reset=_keep_session,
        # Dead connections (after a PostgreSQL restart) are dropped at acquire time,
        # so the pool heals itself without an API restart.
        max_inactive_connection_lifetime=60.0,
        **statements(pooler),
        **kwargs,
    )
    assert pool is not None
    return pool


async def connect(url: str, *, pooler: PoolerMode = "session", **kwargs: Any) -> asyncpg.Connection:
    conn = await asyncpg.connect(url, **statements(pooler), **kwargs)
    await _init_connection(conn)
    return conn
