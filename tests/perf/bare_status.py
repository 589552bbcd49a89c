"""The yardstick for status reads: a bare Starlette + asyncpg endpoint doing one SELECT by primary
key, served like `nowva serve` serves the API (uvicorn Server.serve on the loop app/runtime.py
picks, uvloop; httptools; one process), with an asyncpg pool of 10 and asyncpg's defaults (no
codecs, the reset query on every release).

    python -m tests.perf.bare_status DATABASE_URL PORT
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import asyncpg
import uvicorn
from pydantic_core import to_json
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.runtime import loop_factory

SELECT = ("SELECT id, user_id, status, progress, stage, attempt, last_seq, created_at, started_at, completed_at, "
          "program_id, error_message FROM program_generation_jobs WHERE id = $1")


def make_app(url: str) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[dict[str, Any]]:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=10)
        try:
            yield {"pool": pool}
        finally:
            await pool.close()

    async def status(request: Request) -> Response:
        row = await request.state.pool.fetchrow(SELECT, UUID(request.path_params["job_id"]))
        if row is None:
            return Response(b'{"detail":"Not Found"}', 404, media_type="application/json")
        return Response(to_json(dict(row)), media_type="application/json")

    return Starlette(routes=[Route("/status/{job_id}", status)], lifespan=lifespan)


def main() -> None:
    url, port = sys.argv[1], int(sys.argv[2])
    config = uvicorn.Config(make_app(url), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main()
