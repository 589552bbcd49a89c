"""One follower's live events: what the hub hands over, and a wait that allocates little."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import cast
from uuid import UUID

from app.queries import Event


class _Ready:
    """An awaitable that is already done, and allocates nothing to be awaited."""

    __slots__ = ()

    def __await__(self) -> _Ready:
        return self

    def __iter__(self) -> _Ready:
        return self

    def __next__(self) -> None:
        raise StopIteration


READY = cast(Awaitable[None], _Ready())


class Subscription:
    """Live events of one job for one follower (job_id None: a firehose follower's wake-ups).

    Deliberately small. At 10,000 open streams every object a stream keeps counts, in memory
    and in the time the cyclic garbage collector spends walking the heap; and every object
    that outlives a wait (seconds, between two events) is promoted to the oldest generation,
    whose growth is what triggers full collections, pausing everything for ~1 s at that
    size (tests/perf/RESULTS.md). So: a list reused for pending events, and a wait that
    allocates only its future, not a coroutine too.
    """

    __slots__ = ("_pending", "_signal", "_waiter", "job_id", "last")

    def __init__(self, job_id: UUID | None, last: int) -> None:
        self.job_id = job_id
        self.last = last  # last seq handed to the client (unused by firehose followers)
        self._pending: list[Event] = []
        self._signal = False  # woken while nobody waited
        self._waiter: asyncio.Future[None] | None = None

    def put(self, event: Event) -> None:
        self._pending.append(event)
        self.wake()

    def wake(self) -> None:
        """Make wait() return: an event arrived, a heartbeat is due, or the process is stopping."""
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        else:
            self._signal = True

    def clear(self) -> None:
        """Forget wake-ups so far (the firehose, before it reads the table)."""
        self._signal = False

    def wait(self) -> Awaitable[None]:
        """Until woken (at once if woken since the last wait)."""
        if self._signal:
            self._signal = False
            return READY
        waiter = self._waiter
        if waiter is None or waiter.done():  # done: a cancelled wait
            waiter = self._waiter = asyncio.get_running_loop().create_future()
        return waiter

    def take(self) -> list[Event]:
        """The events handed over since the last take, oldest first (not yet de-duplicated)."""
        pending = self._pending[:]
        self._pending.clear()
        return pending
