"""An attempt's lease on its job: renewed by the attempt itself while it runs (DESIGN §5).

Procrastinate's worker heartbeat says a *process* is alive, and it stops while a graceful
shutdown waits for running jobs. The lease says an *attempt* is alive: it is renewed from the
attempt's own task, so it lives through a shutdown that waits for the attempt, and dies with a
SIGKILL or a SIGSTOP. When a renewal finds that the attempt no longer owns the job (the
sweeper handed it off, or it was cancelled), the attempt is cancelled at once and ends with
`Fenced`: a paused attempt that wakes up stops instead of generating for nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from types import TracebackType
from uuid import UUID

import asyncpg

from app import queries as q
from app.db import database_unavailable
from jobs.progress import Fenced

log = logging.getLogger(__name__)


class Lease:
    def __init__(self, pool: asyncpg.Pool, job_id: UUID, attempt: int, lease_s: float) -> None:
        self._pool, self._job_id, self._attempt, self._lease_s = pool, job_id, attempt, lease_s
        # Three renewals per lease: one slow or failed renewal never lets it lapse.
        self._interval = max(0.2, lease_s / 3)
        self._owner: asyncio.Task[object] | None = None
        self._renewer: asyncio.Task[None] | None = None
        self.lost = False

    async def __aenter__(self) -> Lease:
        self._owner = asyncio.current_task()
        self._renewer = asyncio.create_task(self._renew(), name=f"lease {self._job_id}")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._renewer is not None and self._owner is not None
        self._renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._renewer
        if self.lost and self._owner.uncancel() == 0 and exc_type is asyncio.CancelledError:
            # Our own cancel, not the worker's (that one would still be counted): the attempt
            # lost its job.
            raise Fenced() from None

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                held = await q.renew_lease(self._pool, self._job_id, self._attempt, self._lease_s)
            except Exception as exc:
                # The database is away (or a renewal failed some other way): keep trying. If it
                # stays away past the lease, the sweeper hands the job on and the next renewal
                # here finds that out. Never raise: __aexit__ awaits this task.
                level = logging.WARNING if database_unavailable(exc) else logging.ERROR
                log.log(level, "job %s: could not renew the lease (%r); retrying", self._job_id, exc)
                continue
            if not held:
                log.info("job %s attempt %d no longer owns its job; stopping", self._job_id, self._attempt)
                self.lost = True
                assert self._owner is not None
                self._owner.cancel()
                return
