"""How the long-running processes (`nowva serve`, `nowva worker`) run their event loop.

* uvloop when it is installed (it comes with uvicorn[standard]; it is what uvicorn itself
  picks when it owns the loop): the loop's own work and every socket write are cheaper.
* A higher young-generation GC threshold, for two reasons measured in tests/perf/RESULTS.md:
  an API process with thousands of open streams keeps thousands of waits alive for seconds
  (each a future and the task's wake-up callback). With CPython's default gen-0 threshold of
  700, a young collection runs every few milliseconds of traffic and promotes those waits;
  they pile into the oldest generation until a full collection walks the whole heap: ~0.8 s
  with the loop stopped at 10,000 streams (1.5M objects), every ~15 s. A higher threshold
  lets waits end before a young collection sees them (p99 from 818 ms to 30 ms at 10,000
  streams). A worker building programs allocates the same way: GC was ~9% of its CPU. A
  young collection then walks up to this many objects: a few milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

YOUNG_GC_THRESHOLD = 20_000


def relax_young_gc() -> None:
    """Raise the process's gen-0 GC threshold to YOUNG_GC_THRESHOLD (never lower it)."""
    young, middle, old = gc.get_threshold()
    if young < YOUNG_GC_THRESHOLD:
        gc.set_threshold(YOUNG_GC_THRESHOLD, middle, old)


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # e.g. Windows: asyncio's default loop
        return None
    return uvloop.new_event_loop


async def unless_stopped(work: Coroutine[Any, Any, T], stop: asyncio.Event) -> tuple[bool, T | None]:
    """Run start-up work (waiting for the database, say) that a SIGTERM must be able to cut
    short: (False, None) when stop came first, else (True, its result)."""
    task = asyncio.create_task(work)
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return False, None
    return True, task.result()


def run(main: Coroutine[Any, Any, T]) -> T:
    relax_young_gc()
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
