"""The status cache's rules, step by step: what it keeps, and what makes it read the table again.

The table read here is a stand-in that counts reads and can be held open, so a doorbell can land
in the middle of one; the cache against a real hub and database is tests/db/test_status_cache.py.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from uuid import UUID

import pytest

from app.web.status_cache import StatusCache


class Hub:
    def __init__(self) -> None:
        self.connected = True
        self.epoch = 1


class Reads:
    """Only fetchrow is used by get_job."""

    async def fetch(self, query: str, *args: Any) -> Any:
        raise NotImplementedError

    async def fetchval(self, query: str, *args: Any) -> Any:
        raise NotImplementedError

    async def execute(self, query: str, *args: Any) -> str:
        raise NotImplementedError


class Table(Reads):
    """Answers get_job with the job's current version, and can hold a read until released."""

    def __init__(self) -> None:
        self.version: dict[UUID, int] = {}
        self.reads = 0
        self.hold: asyncio.Event | None = None
        self.reading = asyncio.Event()

    async def fetchrow(self, query: str, *args: Any) -> Any:
        job_id = args[0]
        self.reads += 1
        row = {"id": job_id, "version": self.version.get(job_id, 0)}  # read before the hold: an old snapshot
        self.reading.set()
        if self.hold is not None:
            await self.hold.wait()
        return row


@pytest.fixture
def parts() -> tuple[Hub, Table, StatusCache]:
    hub = Hub()
    return hub, Table(), StatusCache(hub, max_age_s=30)


async def test_a_row_is_read_once_until_its_doorbell(parts: tuple[Hub, Table, StatusCache]) -> None:
    _hub, table, cache = parts
    job, other = uuid.uuid4(), uuid.uuid4()
    for _ in range(3):
        assert (await cache.get_job(table, job))["version"] == 0  # type: ignore[index]
    assert table.reads == 1 and (cache.hits, cache.misses) == (2, 1)
    table.version[job] = 1
    cache.forget(other)  # another job's doorbell changes nothing here
    assert (await cache.get_job(table, job))["version"] == 0  # type: ignore[index]
    cache.forget(job)
    assert (await cache.get_job(table, job))["version"] == 1  # type: ignore[index]
    assert table.reads == 2


async def test_a_read_overtaken_by_its_doorbell_is_not_kept(parts: tuple[Hub, Table, StatusCache]) -> None:
    _hub, table, cache = parts
    job = uuid.uuid4()
    table.hold = asyncio.Event()
    read = asyncio.create_task(cache.get_job(table, job))
    await table.reading.wait()
    table.version[job] = 1  # committed after the read's snapshot; its doorbell arrives before the answer
    cache.forget(job)
    table.hold.set()
    assert (await read)["version"] == 0  # type: ignore[index]
    assert (await cache.get_job(table, job))["version"] == 1  # type: ignore[index]
    assert table.reads == 2


async def test_polls_that_arrive_during_a_read_share_it(parts: tuple[Hub, Table, StatusCache]) -> None:
    _hub, table, cache = parts
    job = uuid.uuid4()
    table.hold = asyncio.Event()
    polls = [asyncio.create_task(cache.get_job(table, job)) for _ in range(10)]
    await table.reading.wait()
    await asyncio.sleep(0)
    polls[3].cancel()  # a poll that goes away takes nothing with it
    table.hold.set()
    rows = await asyncio.gather(*polls, return_exceptions=True)
    assert isinstance(rows[3], asyncio.CancelledError)
    assert all(r["version"] == 0 for i, r in enumerate(rows) if i != 3)  # type: ignore[index]
    assert table.reads == 1 and (cache.hits, cache.misses) == (8, 1)
    assert (await cache.get_job(table, job))["version"] == 0  # type: ignore[index]
    assert table.reads == 1


async def test_a_failed_read_is_read_again_once_by_those_who_shared_it(
        parts: tuple[Hub, Table, StatusCache]) -> None:
    _hub, table, cache = parts
    job = uuid.uuid4()
    table.hold = asyncio.Event()
    first = asyncio.create_task(cache.get_job(table, job))
    await table.reading.wait()
    others = [asyncio.create_task(cache.get_job(table, job)) for _ in range(3)]
    await asyncio.sleep(0)
    table.reading.clear()
    first.cancel()  # the read fails under the first poll (here: cancelled)
    await table.reading.wait()  # one of the others reads again (and is held)
    await asyncio.sleep(0)
    table.hold.set()
    assert [r["version"] for r in await asyncio.gather(*others)] == [0, 0, 0]  # type: ignore[index]
    assert table.reads == 2  # one of them read again, the other two shared it


async def test_a_read_begun_while_the_hub_was_deaf_is_not_kept(parts: tuple[Hub, Table, StatusCache]) -> None:
    hub, table, cache = parts
    job = uuid.uuid4()
    hub.connected = False
    table.hold = asyncio.Event()
    read = asyncio.create_task(cache.get_job(table, job))
    await table.reading.wait()
    hub.connected = True  # hears again (between two ticks: same epoch) before the answer
    table.hold.set()
    await read
    table.hold = None
    await cache.get_job(table, job)
    assert table.reads == 2 and len(cache) == 1


async def test_nothing_is_served_while_the_hub_cannot_vouch(parts: tuple[Hub, Table, StatusCache]) -> None:
    hub, table, cache = parts
    job = uuid.uuid4()
    await cache.get_job(table, job)
    hub.connected = False  # LISTEN down or deaf: doorbells may be missed
    await cache.get_job(table, job)
    await cache.get_job(table, job)
    assert table.reads == 3 and len(cache) == 0
    hub.connected = True
    await cache.get_job(table, job)
    hub.epoch += 1  # reconnected: what was kept before may have missed a doorbell
    await cache.get_job(table, job)
    assert table.reads == 5


async def test_rows_age_out_and_the_least_recent_go_first() -> None:
    hub, table = Hub(), Table()
    cache = StatusCache(hub, max_age_s=0.05, max_rows=2)
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for job in (a, b, a, c):  # c pushes out b, read less recently than a
        await cache.get_job(table, job)
    assert table.reads == 3
    await cache.get_job(table, a)
    assert table.reads == 3
    await cache.get_job(table, b)
    assert table.reads == 4
    await asyncio.sleep(0.06)
    await cache.get_job(table, a)
    assert table.reads == 5


async def test_switched_off_reads_the_table_every_time() -> None:
    table = Table()
    cache = StatusCache(Hub(), max_age_s=0)
    job = uuid.uuid4()
    await cache.get_job(table, job)
    await cache.get_job(table, job)
    assert table.reads == 2 and (cache.hits, cache.misses) == (0, 2)


async def test_a_missing_job_is_not_kept(parts: tuple[Hub, Table, StatusCache]) -> None:
    _hub, _, cache = parts

    class Empty(Reads):
        reads = 0

        async def fetchrow(self, query: str, *args: Any) -> Any:
            self.reads += 1
            return None

    empty = Empty()
    job = uuid.uuid4()
    assert await cache.get_job(empty, job) is None
    assert await cache.get_job(empty, job) is None
    assert empty.reads == 2
