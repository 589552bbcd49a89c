"""A loopback HTTP proxy that breaks Server-Sent Event streams, for the agent's fallback tests.

Each client connection carries one request: the proxy rewrites the request to
`Connection: close`, so no keep-alive connection ever mixes a stream with other requests.
The first event stream (a path containing `/events`) passes until `cut_after` events went
through, then both sockets are closed mid-body, as when a load balancer drops an idle or
long connection. Later stream requests get a 502, as from a proxy that cannot stream.
Everything else passes through untouched.

    async with CuttingProxy("http://127.0.0.1:8000", cut_after=2) as proxy:
        ...  # point the client at proxy.url
        proxy.requests      # every request line, in order
        proxy.cut_at        # time.time() when the stream was cut (None: not yet)
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from urllib.parse import urlsplit

BAD_GATEWAY = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def _force_close(head: bytes) -> bytes:
    lines = [line for line in head.rstrip(b"\r\n").split(b"\r\n")
             if not line.lower().startswith(b"connection:")]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n"


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()


class CuttingProxy:
    def __init__(self, upstream: str, cut_after: int = 2) -> None:
        parts = urlsplit(upstream)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cut_after = cut_after
        self.requests: list[str] = []
        self.cut_at: float | None = None
        self.url = ""
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> CuttingProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        self.requests.append(line)
        is_stream = "/events" in line.split(" ")[1]
        if is_stream and self.cut_at is not None:
            writer.write(BAD_GATEWAY)
            await writer.drain()
            return
        up_reader, up_writer = await asyncio.open_connection(self._host, self._port)
        upload = asyncio.create_task(_pipe(reader, up_writer))  # a request body, if any
        try:
            up_writer.write(_force_close(head))
            await up_writer.drain()
            if not is_stream:
                await _pipe(up_reader, writer)
                return
            seen = b""
            while data := await up_reader.read(65536):
                writer.write(data)
                await writer.drain()
                seen += data
                if seen.count(b"\nid: ") >= self.cut_after:
                    self.cut_at = time.time()
                    transport = writer.transport
                    transport.abort()  # no clean end of the chunked body: the client sees a broken stream
                    return
        finally:
            upload.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await upload
            up_writer.close()
