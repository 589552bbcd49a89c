"""Fixtures: one embedded PostgreSQL per test session, a fresh database per test cloned from a
migrated template (streams need real commits, so no rollback-per-test), real HTTP servers."""

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from app.cli.local import create_key
from app.db import create_pool
from app.embedded import EmbeddedPostgres
from app.migrate import migrate
from app.settings import Settings
from tests.support import Live, api_server, worker_task

TEMPLATE = "nowva_template"
LOOPBACK_HOSTS = ("127.", "::1", "localhost")


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """No test reaches beyond loopback: any other connection fails at once, and fails the test."""
    blocked: list[Any] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not str(address[0]).startswith(LOOPBACK_HOSTS):
            blocked.append(address)
            raise ConnectionRefusedError(f"socket guard: {address!r} is not loopback")

    def connect(sock: socket.socket, address: Any) -> None:
        check(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield blocked
    assert not blocked, f"connections to non-loopback addresses were attempted: {blocked}"


@contextlib.contextmanager
def reachable_dir(prefix: str) -> Iterator[Path]:
    """A fresh directory for an embedded PostgreSQL's data, outside pytest's temp root.

    As root, the server runs as its own user, which must traverse every folder above its
    data. pytest's shared root (`pytest-of-root` in the system temp folder) is reset to 0700
    by every pytest session that starts, so a second run side by side would lock the first
    one's server out of its own files. A folder of our own in the system temp folder (TMPDIR)
    is opened up by the wheel at start and left alone by pytest.
    """
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def embedded() -> Iterator[EmbeddedPostgres]:
    with reachable_dir("nowva-test-pg-") as path:
        server = EmbeddedPostgres(path)
        server.start()
        yield server
        server.stop()


@pytest.fixture
def embedded_data_dir() -> Iterator[Path]:
    """A data dir for a `nowva` process that starts its own embedded PostgreSQL."""
    with reachable_dir("nowva-test-data-") as path:
        yield path


@pytest.fixture(scope="session")
async def template_url(embedded: EmbeddedPostgres) -> str:
    admin = await asyncpg.connect(embedded.url("postgres"))
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
        await admin.execute(f"CREATE DATABASE {TEMPLATE}")
    finally:
        await admin.close()
    url = embedded.url(TEMPLATE)
    await migrate(url)
    return url


@pytest.fixture
async def db_url(embedded: EmbeddedPostgres, template_url: str) -> AsyncIterator[str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(embedded.url("postgres"))
    try:
        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    finally:
        await admin.close()
    yield embedded.url(name)
    admin = await asyncpg.connect(embedded.url("postgres"))
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()


@pytest.fixture
async def pool(db_url: str) -> AsyncIterator[asyncpg.Pool]:
    p = await create_pool(db_url, max_size=4)
    yield p
    await p.close()


def make_settings(tmp_path: Path, **changes: Any) -> Settings:
    base = Settings(data_dir=tmp_path, generator="builtin", stall_after_s=3, hub_poll_s=1.0,
                    shutdown_grace_s=2, concurrency=10, generate_rate_per_user=1000,
                    generate_rate_per_key=1000, generate_rate_per_service_key=1000)
    return base.with_(**changes) if changes else base


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def service_key(db_url: str) -> str:
    return await create_key(db_url, "tests", None)


@pytest.fixture
async def live(settings: Settings, db_url: str, service_key: str) -> AsyncIterator[Live]:
    """The API on a real uvicorn, and an in-process worker, on a fresh database."""
    async with api_server(settings, db_url) as base, worker_task(settings, db_url):
        yield Live(base, service_key, settings, db_url)


@pytest.fixture
async def api_only(settings: Settings, db_url: str, service_key: str) -> AsyncIterator[Live]:
    """The API with no worker: jobs stay pending until a test runs one."""
    async with api_server(settings, db_url) as base:
        yield Live(base, service_key, settings, db_url)
