"""Job status rows kept in the API process while its hub hears every doorbell.

A status poll is the API's most frequent request, and most polls find the job as the last one
did: a queued job does not change, a running one changes a few times a minute. Every change to
what a status shows is announced with a doorbell (`NOTIFY '<job_id>:<seq>'`, queries.sql: the
state changes write an event, and the few writes without one, a model call's usage and the plan's
description, ring too), and the hub hears every doorbell of every job. So a row read once can be
served again until its job's doorbell rings, with no query: behind a transaction-mode pooler,
where every query is parsed and planned again (app/db.py: statements), a repeated poll costs no
more than direct (tests/perf/RESULTS.md, issue 27).

A row is served only while that holds:

* the hub is listening and hears (Hub.connected): while its LISTEN is down or deaf, every poll
  reads the table, and rows kept from before a reconnect are dropped (Hub.epoch: doorbells may
  have been missed in between). A LISTEN through a transaction-mode pooler is never trusted
  (app/web/state.py turns the cache off): it is deaf, and only known to be after a tick or two;
* a read that a doorbell of its job overtook is not kept: the row may predate the change;
* polls of one job that arrive while its row is being read share that read (under load they
  overlap, and would otherwise read the same row many times over);
* a row is never older than `max_age_s`, for what changes with no doorbell at all (a job purged
  past its retention).

What it cannot give is read-your-writes across processes: a client whose cancel went to another
API process can, for the milliseconds a doorbell takes to arrive, poll the status from before it,
as the job's stream would. The process's own writes forget their rows at once (routes/jobs.py).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

import asyncpg

from app import queries as q
from app.queries import Executor

# Rows kept at most: a row with its plan is a few KB, and one API process follows a few hundred
# calls at a time; the least recently read go first.
MAX_ROWS = 4096


class Hearing(Protocol):
    """What the cache needs of the hub (app/web/hub.py)."""

    @property
    def connected(self) -> bool: ...

    @property
    def epoch(self) -> int: ...


@dataclass(frozen=True, slots=True)
class _Kept:
    row: asyncpg.Record
    at: float  # time.monotonic() when read
    epoch: int  # the hub's epoch it was read in


class StatusCache:
    def __init__(self, hub: Hearing, max_age_s: float, max_rows: int = MAX_ROWS) -> None:
        self._hub = hub
        self._max_age_s = max_age_s
        self._max_rows = max_rows
        self._rows: OrderedDict[UUID, _Kept] = OrderedDict()
        # The table read in flight for a job, which polls arriving meanwhile share: under load a
        # job's polls overlap, and each reading alone would keep the table busy with the same row.
        # A doorbell of the job takes it out of here: its row is then not kept, and later polls
        # read again.
        self._flights: dict[UUID, asyncio.Future[asyncpg.Record | None]] = {}
        self.hits = 0
        self.misses = 0

    async def get_job(self, db: Executor, job_id: UUID) -> asyncpg.Record | None:
        """The job's status row (queries.get_job), from memory when it is known to be current."""
        if self._max_age_s <= 0:
            self.misses += 1
            return await q.get_job(db, job_id)
        kept = self._rows.get(job_id)
        if kept is not None:
            if self._current(kept):
                self._rows.move_to_end(job_id)
                self.hits += 1
                return kept.row
            del self._rows[job_id]
        while (flight := self._flights.get(job_id)) is not None:
            await asyncio.wait((flight,))  # not cancelled with this poll
            if not flight.cancelled():
                self.hits += 1
                return flight.result()
            # That read failed: one of the polls that shared it reads again, the others share that.
        return await self._read(db, job_id)

    async def _read(self, db: Executor, job_id: UUID) -> asyncpg.Record | None:
        self.misses += 1
        flight = self._flights[job_id] = asyncio.get_running_loop().create_future()
        # A read begun while the hub cannot vouch is not kept, even if it hears again before the
        # answer: the doorbells it missed meanwhile may be this job's.
        epoch = self._hub.epoch if self._hub.connected else None
        try:
            row = await q.get_job(db, job_id)
        except BaseException:
            flight.cancel()  # the polls sharing it read again, one for all (get_job)
            if self._flights.get(job_id) is flight:
                del self._flights[job_id]
            raise
        flight.set_result(row)
        if self._flights.get(job_id) is not flight:
            return row  # a doorbell overtook the read: the row may predate the change
        del self._flights[job_id]
        if row is not None and epoch is not None and epoch == self._hub.epoch and self._hub.connected:
            self._rows[job_id] = _Kept(row, time.monotonic(), epoch)
            if len(self._rows) > self._max_rows:
                self._rows.popitem(last=False)
        return row

    def forget(self, job_id: UUID) -> None:
        """The job changed (its doorbell rang, or this process wrote it): read it again next time."""
        self._rows.pop(job_id, None)
        self._flights.pop(job_id, None)

    def _current(self, kept: _Kept) -> bool:
        return (kept.epoch == self._hub.epoch and self._hub.connected
                and time.monotonic() - kept.at < self._max_age_s)

    def __len__(self) -> int:
        return len(self._rows)
