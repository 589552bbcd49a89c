"""A local OpenAI-compatible server that takes SECONDS to stream each answer, for benchmark 4.

    python -m tests.perf.slow_openai PORT SECONDS

It is tests/fakes/openai_server.py's FakeOpenAI (real Chat Completions streaming on the wire)
answering every request with the same valid program, streamed in 20 chunks spread over
SECONDS, served by its own uvicorn; plus GET /stats: requests started, finished and open now,
and the most ever open at once.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from typing import Any

import uvicorn

from app.models import GenerateRequest
from jobs.engines.builtin import BuiltinEngine
from tests.fakes.openai_server import FakeOpenAI, Text
from tests.perf.harness import REQUEST

CHUNKS = 20


def program_text() -> str:
    """What the model 'writes': the built-in engine's program for the benchmark's request."""
    request = GenerateRequest.model_validate({**REQUEST, "user_id": str(uuid.uuid4())})

    async def ignore(progress: int, stage: str, message: str) -> None:
        return None

    return asyncio.run(BuiltinEngine().generate(request, ignore)).program.model_dump_json()


class Stats:
    def __init__(self, fake: FakeOpenAI) -> None:
        self.fake = fake
        self.open = 0
        self.max_open = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/stats":
            body = json.dumps({"started": len(self.fake.requests), "open": self.open, "max_open": self.max_open,
                               "finished": sum(1 for r in self.fake.requests if r.finished_at is not None)})
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body.encode()})
            return
        if scope["type"] != "http":
            await self.fake(scope, receive, send)
            return
        self.open += 1
        self.max_open = max(self.max_open, self.open)
        try:
            await self.fake(scope, receive, send)
        finally:
            self.open -= 1


def main() -> None:
    port, seconds = int(sys.argv[1]), float(sys.argv[2])
    text = program_text()
    reply = Text(text, chunk_size=-(-len(text) // CHUNKS), delay=seconds / CHUNKS)
    fake = FakeOpenAI(default=reply, model="gpt-perf")
    config = uvicorn.Config(Stats(fake), host="127.0.0.1", port=port, lifespan="off", log_level="warning",
                            access_log=False, backlog=4096, timeout_keep_alive=60)
    asyncio.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main()
