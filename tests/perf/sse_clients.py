"""Many SSE clients in a few processes: a bare asyncio protocol per stream (no HTTP library), so
that 10,000 streams cost the client side little CPU on a 2-core machine.

Each process binds its connections to its own loopback address (127.0.0.2, .3, ...), so the
ephemeral ports of one address are never the limit. A stream records, for every event that was
committed after the stream was opened, the time from the event's `created_at` (the database's
now() in the writer's transaction, on the same clock) to the moment its bytes arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
import re
import time
from array import array
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any

EVENT = re.compile(rb'"seq":(\d+),"type":"([a-z_]+)".*?"created_at":"([^"]+)"')
TERMINAL = frozenset({b"completed", b"failed", b"cancelled"})
KINDS = ("status", "progress", "completed", "failed", "cancelled")
_KIND_INDEX = {k.encode(): i for i, k in enumerate(KINDS)}


class _Parse:
    """created_at text to epoch seconds, remembering the last few (a broadcast repeats one)."""

    def __init__(self) -> None:
        self._cache: dict[bytes, float] = {}

    def __call__(self, text: bytes) -> float:
        value = self._cache.get(text)
        if value is None:
            if len(self._cache) > 64:
                self._cache.clear()
            value = datetime.fromisoformat(text.decode()).timestamp()
            self._cache[text] = value
        return value


@dataclass
class _Shared:
    parse: _Parse = field(default_factory=_Parse)
    latencies: array = field(default_factory=lambda: array("d"))  # type: ignore[type-arg]
    created: array = field(default_factory=lambda: array("d"))  # type: ignore[type-arg]
    kinds: array = field(default_factory=lambda: array("b"))  # type: ignore[type-arg]  # index in KINDS
    deliveries: int = 0
    gaps: int = 0
    ended: int = 0
    dropped: int = 0


class Stream(asyncio.Protocol):
    def __init__(self, request: bytes, shared: _Shared) -> None:
        self.request = request
        self.shared = shared
        self.opened_at = time.time()
        self.ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.headers_done = False
        self.last_seq = 0
        self.ended = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buf = self.buf + data
        if not self.headers_done:
            head, sep, rest = buf.partition(b"\r\n\r\n")
            if not sep:
                self.buf = buf
                return
            status = int(head.split(b" ", 2)[1])
            self.headers_done = True
            if not self.ready.done():
                self.ready.set_result(status)
            if status != 200:
                self.close()
                return
            buf = rest
        end = 0
        shared = self.shared
        for m in EVENT.finditer(buf):
            end = m.end()
            seq = int(m.group(1))
            if self.last_seq and seq != self.last_seq + 1:
                shared.gaps += 1
            self.last_seq = seq
            created = shared.parse(m.group(3))
            if created >= self.opened_at:
                shared.latencies.append(now - created)
                shared.created.append(created)
                shared.kinds.append(_KIND_INDEX.get(m.group(2), 0))
                shared.deliveries += 1
            if m.group(2) in TERMINAL:
                self.ended = True
                shared.ended += 1
                self.close()
                return
        tail = buf[end:]
        self.buf = tail if len(tail) < 16384 else tail[-4096:]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(exc or ConnectionError("closed before the response"))
        if not self.ended:
            self.shared.dropped += 1
        self.transport = None

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def _open(loop: asyncio.AbstractEventLoop, host: str, port: int, source: str, request: bytes,
                shared: _Shared) -> Stream:
    stream = Stream(request, shared)
    await loop.create_connection(lambda: stream, host, port, local_addr=(source, 0))
    status = await asyncio.wait_for(stream.ready, 30)
    if status != 200:
        raise RuntimeError(f"HTTP {status}")
    return stream


async def _serve(conn: Connection, host: str, port: int, source: str, key: str) -> None:
    loop = asyncio.get_running_loop()
    shared = _Shared()
    streams: list[Stream] = []
    while True:
        command, arg = await loop.run_in_executor(None, conn.recv)
        reply: Any = None
        if command == "open":
            paths, parallel = arg
            gate = asyncio.Semaphore(parallel)
            errors: list[str] = []

            async def one(path: str, gate: asyncio.Semaphore = gate, errors: list[str] = errors) -> None:
                request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {key}\r\n"
                           "Accept: text/event-stream\r\n\r\n").encode()
                async with gate:
                    try:
                        streams.append(await _open(loop, host, port, source, request, shared))
                    except Exception as exc:
                        errors.append(repr(exc))

            await asyncio.gather(*(one(p) for p in paths))
            reply = {"opened": len(paths) - len(errors), "errors": errors[:3], "failed": len(errors)}
        elif command == "mark":
            shared.latencies = array("d")
            shared.created = array("d")
            shared.kinds = array("b")
            shared.deliveries = 0
            shared.gaps = 0
        elif command == "collect":
            reply = {"latencies": shared.latencies.tobytes(), "created": shared.created.tobytes(),
                     "kinds": shared.kinds.tobytes(),
                     "deliveries": shared.deliveries,
                     "gaps": shared.gaps, "ended": shared.ended, "dropped": shared.dropped,
                     "open": sum(1 for s in streams if s.transport is not None)}
        elif command == "close":  # the oldest `arg` streams, or all
            k = len(streams) if arg is None else min(arg, len(streams))
            for s in streams[:k]:
                s.ended = True  # closed by us: not a drop
                s.close()
            del streams[:k]
            await asyncio.sleep(0.05)
            if not streams:
                shared.ended = shared.dropped = 0
        elif command == "exit":
            conn.send(None)
            return
        conn.send(reply)


def _child_main(conn: Connection, host: str, port: int, source: str, key: str) -> None:
    from tests.perf.harness import raise_nofile

    raise_nofile()
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    asyncio.run(_serve(conn, host, port, source, key))


@dataclass
class Collected:
    latencies: list[float]
    created: list[float]  # the events' created_at (epoch s), parallel to latencies
    kinds: list[str]  # the events' types, parallel to latencies
    deliveries: int
    gaps: int
    ended: int
    dropped: int
    open: int


class ClientPool:
    """`procs` client processes; streams are spread over them round-robin."""

    def __init__(self, port: int, key: str, procs: int, host: str = "127.0.0.1") -> None:
        ctx = mp.get_context("spawn")
        self._conns: list[Connection] = []
        self._procs: list[Any] = []
        self._lock = asyncio.Lock()
        for i in range(procs):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_child_main, args=(child, host, port, f"127.0.0.{i + 2}", key), daemon=True)
            proc.start()
            self._conns.append(parent)
            self._procs.append(proc)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs]

    async def _all(self, commands: list[tuple[str, Any]]) -> list[Any]:
        def call(conn: Connection, command: tuple[str, Any]) -> Any:
            conn.send(command)
            return conn.recv()

        async with self._lock:  # one command at a time: replies come back in order
            return list(await asyncio.gather(*(asyncio.to_thread(call, c, cmd)
                                               for c, cmd in zip(self._conns, commands, strict=True))))

    async def open(self, paths: list[str], parallel: int = 64) -> int:
        n = len(self._conns)
        replies = await self._all([("open", (paths[i::n], parallel)) for i in range(n)])
        failed = sum(r["failed"] for r in replies)
        if failed:
            errors = [e for r in replies for e in r["errors"]]
            raise RuntimeError(f"{failed} of {len(paths)} streams failed to open: {errors[:3]}")
        return sum(int(r["opened"]) for r in replies)

    async def mark(self) -> None:
        await self._all([("mark", None)] * len(self._conns))

    async def collect(self) -> Collected:
        replies = await self._all([("collect", None)] * len(self._conns))
        latencies: list[float] = []
        created: list[float] = []
        kinds: list[str] = []
        for r in replies:
            for key, out in (("latencies", latencies), ("created", created)):
                a = array("d")
                a.frombytes(r[key])
                out.extend(a)
            k = array("b")
            k.frombytes(r["kinds"])
            kinds.extend(KINDS[i] for i in k)
        total = {k: sum(r[k] for r in replies) for k in ("deliveries", "gaps", "ended", "dropped", "open")}
        return Collected(latencies, created, kinds, total["deliveries"], total["gaps"], total["ended"],
                         total["dropped"], total["open"])

    async def close_streams(self, oldest: int | None = None) -> None:
        """Close all streams, or the `oldest` ones (spread over the processes)."""
        n = len(self._conns)
        await self._all([("close", None if oldest is None else oldest // n + (i < oldest % n))
                         for i in range(n)])

    async def wait_deliveries(self, expected: int, timeout: float) -> Collected:
        """Collect until `expected` deliveries arrived or the timeout passed."""
        deadline = time.monotonic() + timeout
        while True:
            got = await self.collect()
            if got.deliveries >= expected or time.monotonic() > deadline:
                return got
            await asyncio.sleep(0.2)

    def stop(self) -> None:
        for conn in self._conns:
            with contextlib.suppress(Exception):
                conn.send(("exit", None))
        for proc in self._procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()  # by its own pid
                proc.join(5)


@contextlib.asynccontextmanager
async def client_pool(port: int, key: str, procs: int) -> Any:
    pool = ClientPool(port, key, procs)
    try:
        yield pool
    finally:
        await asyncio.to_thread(pool.stop)
