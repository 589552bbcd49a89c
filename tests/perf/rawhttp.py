"""A minimal keep-alive HTTP/1.1 client for load generation: a fraction of httpx's CPU per
request, which matters when the load generator shares 2 cores with what it measures.

Only what the benchmarks send: requests with a JSON body or none, responses with Content-Length.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str,
                 headers: dict[str, str]) -> None:
        self._reader, self._writer = reader, writer
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._head = f"Host: {host}\r\n{extra}"

    @classmethod
    async def open(cls, host: str, port: int, headers: dict[str, str] | None = None) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer, f"{host}:{port}", headers or {})

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        if body is None:
            data = f"{method} {path} HTTP/1.1\r\n{self._head}\r\n".encode()
        else:
            payload = json.dumps(body).encode()
            data = (f"{method} {path} HTTP/1.1\r\n{self._head}Content-Type: application/json\r\n"
                    f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload
        self._writer.write(data)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return status, await self._reader.readexactly(length)

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()
