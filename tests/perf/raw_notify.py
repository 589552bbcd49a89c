"""The floor under event latency: a bare NOTIFY round trip across processes (asyncpg LISTEN in a
child process, the sender here), alone or with a row write in the same statement (what every
job state change does). The payload carries the sender's time.time() taken just before the
statement is sent; the listener subtracts it from its own clock on receipt.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
import time
import uuid
from array import array
from multiprocessing.connection import Connection
from typing import Literal

from app.db import connect

Mode = Literal["notify", "row"]

SETUP = """
CREATE TABLE IF NOT EXISTS perf_raw_row (id int PRIMARY KEY, n int NOT NULL);
CREATE TABLE IF NOT EXISTS perf_raw_events (id bigserial PRIMARY KEY, n int NOT NULL, data jsonb NOT NULL,
                                            created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO perf_raw_row VALUES (1, 0) ON CONFLICT DO NOTHING;
"""
NOTIFY = "SELECT pg_notify($2, $1)"
ROW_AND_NOTIFY = """
WITH r AS (UPDATE perf_raw_row SET n = n + 1 WHERE id = 1 RETURNING n),
     e AS (INSERT INTO perf_raw_events (n, data) SELECT n, jsonb_build_object('progress', n % 100) FROM r)
SELECT pg_notify($2, $1) FROM r
"""


async def _listen(conn: Connection, url: str, channel: str) -> None:
    latencies = array("d")

    def on_notify(_c: object, _pid: int, _channel: str, payload: str) -> None:
        latencies.append(time.time() - float(payload))

    pg = await connect(url)
    await pg.add_listener(channel, on_notify)
    conn.send("ready")
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, conn.recv)  # "collect"
    conn.send(latencies.tobytes())
    await pg.close()


def _listener_main(conn: Connection, url: str, channel: str) -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    asyncio.run(_listen(conn, url, channel))


async def measure(url: str, mode: Mode, n: int, rate: float) -> list[float]:
    """n notifications at `rate` per second; the cross-process delivery times in seconds."""
    setup = await connect(url)
    try:
        await setup.execute(SETUP)
    finally:
        await setup.close()
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    channel = f"perf_raw_{mode}_{uuid.uuid4().hex[:8]}"  # measurements may run side by side
    proc = ctx.Process(target=_listener_main, args=(child, url, channel), daemon=True)
    proc.start()
    try:
        assert await asyncio.to_thread(parent.recv) == "ready"
        sender = await connect(url)
        query = NOTIFY if mode == "notify" else ROW_AND_NOTIFY
        start = time.monotonic()
        try:
            for i in range(n):
                await sender.fetchval(query, f"{time.time():.6f}", channel)
                delay = start + (i + 1) / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
        finally:
            await sender.close()
        await asyncio.sleep(0.5)
        parent.send("collect")
        raw = await asyncio.to_thread(parent.recv)
    finally:
        proc.join(5)
        if proc.is_alive():
            proc.kill()  # by its own pid
            proc.join(5)
    values = array("d")
    values.frombytes(raw)
    return list(values)
