"""`nowva serve`: migrate, then the API (uvicorn) and, by default, a worker in one event loop.

We handle SIGTERM/SIGINT ourselves instead of letting uvicorn capture them: recent
uvicorn re-raises the captured signal after its shutdown, which would kill the
process before our own cleanup (stopping the embedded PostgreSQL) runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
from collections.abc import Iterator

import uvicorn

from app.cli.local import ensure_local_service_key, forget_local_url, save_local_url
from app.db import retrying
from app.migrate import migrate
from app.runtime import unless_stopped
from app.settings import Settings
from app.web.app import create_app, running_services

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # signals are ours (see module docstring)


def banner(settings: Settings, new_key: str | None) -> str:
    url = settings.base_url
    lines = [
        "🚀 Nowva API Starting...",
        f"📚 API Docs: {url}/docs",
        f"🔍 ReDoc: {url}/redoc",
        f"💚 Health Check: {url}/api/health",
        f"🧪 Debug page: {url}/debug",
        f"⚙️  Engine: {settings.engine_name}"
        + (f" ({settings.openai_model})" if settings.engine_name == "openai" else " (offline, built in)")
        + ("; in-process worker" if settings.run_worker else "; no worker (run `nowva worker`)"),
    ]
    if new_key:
        lines += [
            "🔑 A service key was created for this data dir (shown once):",
            f"   {new_key}",
            f"   saved to {settings.saved_key_path.resolve()} for local tools (nowva generate, the agent)",
        ]
    return "\n".join(lines)


def _listen(host: str, port: int) -> socket.socket:
    """Bind before anything starts, so a taken port is one clear line, not uvicorn's sys.exit."""
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only when the
    # listening socket says TCP; without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM,
                         socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    return sock


async def serve(settings: Settings, database_url: str, *, embedded: bool) -> int:
    try:
        sock = _listen(settings.host, settings.port)
    except OSError as exc:
        print(f"nowva: cannot listen on {settings.host}:{settings.port}: {exc.strerror}", file=sys.stderr)
        return 1
    if settings.port == 0:  # the system chose one: everything below names the real port
        settings = settings.with_(port=sock.getsockname()[1])
    # Until the server runs, a signal only ends the wait for the database (and we return, so
    # that the embedded PostgreSQL is still stopped by our caller).
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    migrated, _ = await unless_stopped(retrying(lambda: migrate(*settings.session_database(database_url)), "migrate",
                                                settings.db_start_timeout_s), stop)
    if not migrated:
        log.info("stopped while waiting for the database")
        return 0
    new_key = await ensure_local_service_key(database_url, settings.saved_key_path) if embedded else None
    print(banner(settings, new_key), flush=True)
    if embedded:  # like the key: local tools (nowva generate/watch, the agent) find this port
        save_local_url(settings.saved_url_path, settings.local_url)

    app = create_app(settings, database_url, settings.listen_database_url)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, lifespan="on", access_log=False,
                            log_config=None, timeout_graceful_shutdown=max(1, int(settings.shutdown_grace_s)))
    server = _Server(config)

    def request_stop() -> None:
        if stop.is_set():
            server.force_exit = True  # a second Ctrl-C: stop waiting for connections
            return
        log.info("shutting down")
        stop.set()
        services = running_services(app)
        if services is not None:
            services.begin_shutdown()  # open streams end now; clients resume elsewhere
        server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, request_stop)

    tasks = [asyncio.create_task(server.serve(sockets=[sock]), name="uvicorn")]
    if settings.run_worker:
        from jobs.worker import run_worker

        tasks.append(asyncio.create_task(run_worker(settings, database_url, stop, name="serve"), name="worker"))
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    if not stop.is_set():
        # uvicorn ended by itself (e.g. the port is taken): stop the worker too.
        request_stop()
    await asyncio.gather(*tasks, return_exceptions=True)
    if embedded:
        forget_local_url(settings.saved_url_path, settings.local_url)
    failed = not server.started
    return 1 if failed else 0
