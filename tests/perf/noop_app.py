"""Plain Procrastinate with a no-op task: the yardstick for the throughput benchmark.

    python -m tests.perf.noop_app DATABASE_URL CONCURRENCY    # a worker, until SIGTERM
"""

from __future__ import annotations

import asyncio
import sys

import procrastinate

QUEUE = "perf_noop"
TASK = "perf_noop"


def make_app(url: str) -> procrastinate.App:
    # The same connector and pool size as the service's worker (jobs/queue.py).
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url, min_size=1, max_size=10))

    @app.task(name=TASK, queue=QUEUE)
    async def perf_noop(i: int) -> None:
        return None

    return app


async def _work(url: str, concurrency: int) -> None:
    app = make_app(url)
    async with app.open_async():
        await app.run_worker_async(queues=[QUEUE], concurrency=concurrency, install_signal_handlers=True,
                                   delete_jobs="never", listen_notify=True)


def main() -> None:
    # The default event loop, as `nowva worker` uses (app/cli/main.py runs asyncio.run).
    asyncio.run(_work(sys.argv[1], int(sys.argv[2])))


if __name__ == "__main__":
    main()
