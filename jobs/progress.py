"""An attempt's progress reports, coalesced into at most one event per interval.

Engines report whenever they like: the built-in engine drafts a whole program in a few
milliseconds, the OpenAI engine reports as the model streams. Every written report is an
event row, a NOTIFY and a commit (DESIGN §4: NOTIFY commits are serialised cluster-wide),
and every follower of the job hears it. A burst faster than anyone can listen to costs the
database and tells nobody anything, so:

* a report goes out at once when no event of the attempt went out in the last `interval`
  seconds; the attempt's own start event (status in_progress) counts, so an engine's first
  report, made right after it, is not a second event in the same instant;
* inside the interval only the newest report is kept, and written when the interval ends;
* when the attempt ends, a report still waiting is dropped: the terminal event that follows
  (completed, failed) says more than it would.

A write that finds the attempt fenced out (cancelled, finished, retried elsewhere) stops the
engine with `Fenced` at its next report.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

CLOSE_WAIT_S = 5.0

# (progress, stage, message) -> False when the attempt no longer owns the job.
WriteProgress = Callable[[int, str, str], Awaitable[bool]]


class Fenced(Exception):
    """This attempt no longer owns the job (cancelled, finished, or retried elsewhere)."""


class CoalescingReporter:
    """A ProgressReporter (jobs/engines/base.py) for one attempt; `close()` when it ends."""

    def __init__(self, write: WriteProgress, interval: float, last_event_at: float | None = None) -> None:
        """`last_event_at`: time.monotonic() of the attempt's last event written elsewhere."""
        self._write = write
        self._interval = interval
        self._last_write = -float("inf") if last_event_at is None else last_event_at
        self._pending: tuple[int, str, str] | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._writing = False
        self._fenced = False
        self._error: Exception | None = None  # a write in the background failed: raised at the next report
        self.written = 0

    async def __call__(self, progress: int, stage: str, message: str) -> None:
        if self._error is not None:
            raise self._error
        if self._fenced:
            raise Fenced()
        self._pending = (progress, stage, message)
        if self._flusher is not None:
            return  # the scheduled write will carry this report
        wait = self._last_write + self._interval - time.monotonic()
        if wait > 0:
            self._flusher = asyncio.create_task(self._flush_after(wait), name="progress-flush")
        elif not await self._write_pending():
            raise Fenced()

    async def close(self) -> None:
        """Drop a waiting report; give a write already on the wire a moment to finish, so that its
        event comes before the terminal one (if it does not, the terminal statement's status
        check makes it write nothing)."""
        self._pending = None
        flusher, self._flusher = self._flusher, None
        if flusher is None:
            return
        if not self._writing:
            flusher.cancel()
        # asyncio.wait, not `await flusher`: if this attempt is cancelled meanwhile (deadline,
        # abort, shutdown), the cancellation is ours to raise, and the write is not cut mid-flight.
        await asyncio.wait([flusher], timeout=CLOSE_WAIT_S)

    async def _write_pending(self) -> bool:
        if self._pending is None:
            return True
        report, self._pending = self._pending, None
        self._last_write = time.monotonic()
        self._writing = True
        try:
            ok = await self._write(*report)
        finally:
            self._writing = False
        self.written += 1
        self._fenced = self._fenced or not ok
        return ok

    async def _flush_after(self, wait: float) -> None:
        try:
            while self._pending is not None and not self._fenced:
                await asyncio.sleep(wait)
                await self._write_pending()
                wait = self._interval  # reports that arrived during the write wait their turn
        except Exception as exc:  # e.g. the database went away: the engine hears it at its next report
            self._error = exc
        finally:
            if self._flusher is asyncio.current_task():
                self._flusher = None
