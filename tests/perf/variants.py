"""`nowva` with proposed changes applied in-process, to measure them beside the code as shipped.

    python -m tests.perf.variants nodelay,noreset,uvloop serve --no-worker --port 8001

These patch files this suite does not own (app/serve.py, app/db.py, app/cli.py); each variant
is what the suggested one-line change in that file would do, nothing more:

* nodelay: the listening socket is created with IPPROTO_TCP. app/serve.py makes it with
  socket.socket(family, SOCK_STREAM), proto 0, so asyncio's transport skips TCP_NODELAY on
  accepted connections; a response written as headers then body then waits for the client's
  delayed ACK (40 ms) on every keep-alive request.
* noreset: asyncpg pools skip the reset query (`SELECT pg_advisory_unlock_all(); CLOSE ALL;
  UNLISTEN *; RESET ALL;`) on every release: one more round trip per pooled query. Nothing in
  the service uses session state on pooled connections (transactions are still rolled back).
* uvloop: the uvloop event loop (uvicorn's own default when it runs the loop itself).
* younggc: app.hub.relax_young_gc() at start, as the API does when its hub starts (for a worker).
* defaultgc: the API without it (CPython's default gen-0 threshold), to measure what it does.
* fewreports: the built-in engine reports "drafted" at most twice per program instead of up to ten
  times (jobs/engines/builtin.py MAX_PROGRESS_REPORTS_FOR_WEEKS); with no week delay it drafts a
  whole program in a few milliseconds, so the reports between are news nobody can hear.
"""

from __future__ import annotations

import socket
import sys
from typing import Any


def _nodelay() -> None:
    import app.serve

    original = app.serve._listen

    def listen(host: str, port: int) -> socket.socket:
        sock = original(host, port)
        tcp = socket.socket(sock.family, socket.SOCK_STREAM, socket.IPPROTO_TCP, fileno=sock.detach())
        return tcp

    app.serve._listen = listen


def _noreset() -> None:
    import app.db

    original = app.db.create_pool

    async def no_reset(_conn: Any) -> None:
        return None

    async def create_pool(url: str, **kwargs: Any) -> Any:
        kwargs.setdefault("reset", no_reset)
        return await original(url, **kwargs)

    app.db.create_pool = create_pool
    # Modules that imported the name before the patch: the API's and, in a worker, the worker's.
    import app.services

    setattr(app.services, "create_pool", create_pool)  # noqa: B010 - the name it imported
    if "worker" in sys.argv[2:]:
        import jobs.worker

        setattr(jobs.worker, "create_pool", create_pool)  # noqa: B010 - the name it imported


def _uvloop() -> None:
    import asyncio

    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def _younggc() -> None:
    from app.hub import relax_young_gc

    relax_young_gc()


def _defaultgc() -> None:
    import app.hub

    app.hub.relax_young_gc = lambda: None  # CPython's default gen-0 threshold (700) stays


def _fewreports() -> None:
    import jobs.engines.builtin

    jobs.engines.builtin.MAX_PROGRESS_REPORTS_FOR_WEEKS = 2


VARIANTS = {"nodelay": _nodelay, "noreset": _noreset, "uvloop": _uvloop, "younggc": _younggc,
            "defaultgc": _defaultgc, "fewreports": _fewreports}


def main() -> None:
    names = [n for n in sys.argv[1].split(",") if n]
    for name in names:
        VARIANTS[name]()
    from app.cli import main as nowva

    sys.exit(nowva(sys.argv[2:]))


if __name__ == "__main__":
    main()
