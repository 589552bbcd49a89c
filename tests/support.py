"""Test support: real uvicorn servers and real workers on loopback, started and stopped by id."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from app.cli.serve import _Server
from app.settings import Settings
from app.web.app import create_app, running_services
from jobs.worker import run_worker

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Live:
    base_url: str
    key: str
    settings: Settings
    database_url: str

    def client(self, key: str | None = None, **kwargs: Any) -> httpx.AsyncClient:
        token = self.key if key is None else key
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        kwargs.setdefault("timeout", 30)
        return httpx.AsyncClient(base_url=self.base_url, headers=headers, **kwargs)


@contextlib.asynccontextmanager
async def api_server(settings: Settings, database_url: str, listen_url: str | None = None) -> AsyncIterator[str]:
    """A real uvicorn serving the app on a free loopback port; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(settings.with_(port=port), database_url, listen_url)
    server = _Server(uvicorn.Config(app, lifespan="on", log_config=None, access_log=False,
                                    timeout_graceful_shutdown=2))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        services = running_services(app)
        if services is not None:
            services.begin_shutdown()
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)
        sock.close()


@contextlib.asynccontextmanager
async def worker_task(settings: Settings, database_url: str) -> AsyncIterator[asyncio.Task[None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(settings, database_url, stop, name="test"))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


class Proc:
    """A real `nowva` process, ended by its own pid only."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.popen = subprocess.Popen([sys.executable, "-m", "app.cli", *args], env=env, cwd=ROOT,
                                      stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def signal(self, sig: int) -> None:
        if self.popen.poll() is None:
            os.kill(self.popen.pid, sig)

    def stop(self, timeout: float = 30) -> int:
        self.signal(signal.SIGTERM)
        try:
            code = self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            code = self.popen.wait(10)
        self._log.close()
        return code

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def wait_healthy(self, base_url: str, timeout: float = 60) -> None:
        try:
            await wait_healthy(base_url, self.popen, timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.output()}") from None


async def wait_healthy(base_url: str, popen: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Until a started API process answers /api/health; fails at once if the process exited."""
    async with httpx.AsyncClient(base_url=base_url, timeout=2) as client:
        async def healthy() -> bool:
            assert popen.poll() is None, f"the process exited with status {popen.returncode}"
            try:
                return (await client.get("/api/health")).status_code == 200
            except httpx.HTTPError:
                return False

        await wait_until(healthy, timeout=timeout, interval=0.2)


def env_for(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "NOWVA_", "OTEL_"))}
    env.update({"DATABASE_URL": database_url, **extra})
    return env


async def wait_until(predicate: Any, timeout: float = 20, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)
