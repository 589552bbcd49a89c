"""Progress coalescing (jobs/progress.py): the first report at once, bursts as their newest
report once per interval, nothing left behind when the attempt ends. The end-to-end count of
events a real worker writes per job is in test_generation.py.

The tests wait for states, not for fixed times: a loaded machine may run late, never early, so
only lower bounds on when a write happened are asserted."""

from __future__ import annotations

import asyncio
import time

import pytest

from jobs.progress import CoalescingReporter, Fenced
from tests.support import wait_until


class Writes:
    """The database write, recorded: (seconds since start when it began, progress, stage, message).
    Set `hold` to keep writes on the wire until it is set."""

    def __init__(self, ok: bool = True) -> None:
        self.ok = ok
        self.t0 = time.monotonic()
        self.calls: list[tuple[float, int, str, str]] = []
        self.started = 0
        self.error: Exception | None = None
        self.hold: asyncio.Event | None = None

    async def __call__(self, progress: int, stage: str, message: str) -> bool:
        began = time.monotonic() - self.t0
        self.started += 1
        if self.error is not None:
            raise self.error
        if self.hold is not None:
            await self.hold.wait()
        await asyncio.sleep(0)
        self.calls.append((began, progress, stage, message))
        return self.ok

    @property
    def progress(self) -> list[int]:
        return [p for _, p, _, _ in self.calls]


def flush_tasks() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name() == "progress-flush"]


async def test_first_report_is_written_at_once() -> None:
    writes = Writes()
    report = CoalescingReporter(writes, interval=10)
    await report(5, "planning", "Planning")
    assert writes.progress == [5]  # before the call returned, although the interval is 10 s
    await report.close()


async def test_the_attempts_start_event_counts_as_the_last_event() -> None:
    writes = Writes()
    report = CoalescingReporter(writes, interval=0.3, last_event_at=time.monotonic())
    await report(5, "planning", "Planning")
    assert writes.progress == []  # right after "in_progress": waits for the interval
    await wait_until(lambda: writes.progress == [5], timeout=5, interval=0.01)
    assert writes.calls[0][0] >= 0.29
    await report.close()


async def test_a_burst_becomes_its_newest_report_after_the_interval() -> None:
    writes = Writes()
    report = CoalescingReporter(writes, interval=0.3)
    await report(5, "planning", "Planning")
    for week in range(1, 9):
        await report(10 + week * 10, "drafting", f"Drafted week {week} of 8")
    assert writes.progress == [5]  # the burst waits for the interval
    await wait_until(lambda: writes.progress == [5, 90], timeout=5, interval=0.01)
    assert writes.calls[1][3] == "Drafted week 8 of 8"
    assert writes.calls[1][0] - writes.calls[0][0] >= 0.29
    await report(95, "finalizing", "Program ready")  # the interval restarts from the last write
    await wait_until(lambda: writes.progress == [5, 90, 95], timeout=5, interval=0.01)
    assert writes.calls[2][0] - writes.calls[1][0] >= 0.29 and report.written == 3
    await report.close()


async def test_a_report_waiting_when_the_attempt_ends_is_dropped() -> None:
    writes = Writes()
    report = CoalescingReporter(writes, interval=0.2)
    await report(5, "planning", "Planning")
    await report(50, "drafting", "Halfway")
    await report.close()
    assert flush_tasks() == []
    await asyncio.sleep(0.3)
    assert writes.progress == [5]


async def closing_during_a_held_write() -> tuple[Writes, asyncio.Event, asyncio.Task[None]]:
    """close(), called while the flush's write of a coalesced report is on the wire (held until
    the returned event is set), and still waiting for it."""
    writes = Writes()
    report = CoalescingReporter(writes, interval=0.1)
    await report(5, "planning", "Planning")
    hold = writes.hold = asyncio.Event()
    await report(50, "drafting", "Halfway")  # coalesced: the flush writes it, and is held there
    await wait_until(lambda: writes.started == 2, timeout=5, interval=0.01)
    closing = asyncio.create_task(report.close())  # as the attempt's own `finally` would
    await asyncio.sleep(0.1)
    assert not closing.done()
    return writes, hold, closing


async def test_close_waits_for_a_write_on_the_wire() -> None:
    # The final event must get the higher seq: a write already sent finishes before close returns.
    writes, hold, closing = await closing_during_a_held_write()
    hold.set()
    await asyncio.wait_for(closing, 5)
    assert writes.progress == [5, 50]


async def test_interval_zero_writes_every_report() -> None:
    writes = Writes()
    report = CoalescingReporter(writes, interval=0)
    for p in (5, 10, 20, 30):
        await report(p, "drafting", str(p))
    assert writes.progress == [5, 10, 20, 30]
    await report.close()


async def test_fenced_write_stops_the_engine() -> None:
    writes = Writes(ok=False)
    report = CoalescingReporter(writes, interval=0.1)
    with pytest.raises(Fenced):
        await report(5, "planning", "Planning")
    with pytest.raises(Fenced):
        await report(10, "drafting", "again")
    await report.close()


async def test_fenced_background_write_stops_the_engine_at_its_next_report() -> None:
    writes = Writes()
    report = CoalescingReporter(writes, interval=0.1)
    await report(5, "planning", "Planning")
    writes.ok = False
    await report(50, "drafting", "Halfway")  # coalesced: written in the background, fenced there
    await wait_until(lambda: report.written == 2, timeout=5, interval=0.01)
    with pytest.raises(Fenced):
        await report(60, "drafting", "more")
    await report.close()


async def test_background_write_error_reaches_the_engine() -> None:
    writes = Writes()
    report = CoalescingReporter(writes, interval=0.1)
    await report(5, "planning", "Planning")
    writes.error = ConnectionError("database went away")
    await report(50, "drafting", "Halfway")
    await wait_until(lambda: writes.started == 2 and not flush_tasks(), timeout=5, interval=0.01)
    with pytest.raises(ConnectionError):
        await report(60, "drafting", "more")
    await report.close()


async def test_cancelled_attempt_leaves_no_task_behind() -> None:
    writes = Writes()
    report = CoalescingReporter(writes, interval=5)
    await report(5, "planning", "Planning")
    await report(50, "drafting", "Halfway")
    assert len(flush_tasks()) == 1
    await report.close()
    assert flush_tasks() == []
    assert writes.progress == [5]


async def test_cancelling_the_attempt_during_close_is_not_swallowed() -> None:
    # The deadline or an abort may land while close() waits for a write on the wire: the attempt
    # must still end cancelled, and the write is not cut off.
    writes, hold, closing = await closing_during_a_held_write()
    closing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closing
    hold.set()
    await wait_until(lambda: writes.progress == [5, 50], timeout=5, interval=0.01)
